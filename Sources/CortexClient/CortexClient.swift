public import CortexWire
import NIOCore
import NIOPosix
import Synchronization

/// An async Swift client for the Cortex wire protocol (docs/wire-protocol.md).
///
/// One TCP connection, pipelined: any number of tasks may call it at once;
/// each call sends a request with its own request id and awaits the matching
/// response, in whatever order the server answers. Errors are ``WireError``:
/// the server's ERROR frames with their code and message, or `unavailable`
/// once the connection has ended (with the server's reason when it gave one).
public final class CortexClient: Sendable {
    /// The server's HELLO: limits, tenant, key id and scopes of this connection.
    public let hello: Hello
    private let channel: any Channel
    private let handler: NIOLoopBound<ClientChannelHandler>
    private let nextRequestID = Atomic<UInt64>(1)

    private init(hello: Hello, channel: any Channel, handler: NIOLoopBound<ClientChannelHandler>) {
        self.hello = hello
        self.channel = channel
        self.handler = handler
    }

    /// Connects, sends the handshake and waits for HELLO.
    ///
    /// - Throws: `unauthorized` for a bad or revoked key, `protocol_error` for a
    ///   server that does not speak version 1, `unavailable` when the connection fails.
    public static func connect(host: String, port: Int, apiKey: String) async throws(WireError) -> CortexClient {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let helloPromise = eventLoop.makePromise(of: Hello.self)
        // The handler is handed out by the initializer itself: looking it up later could find the
        // pipeline already torn down if the server closed the connection in the meantime.
        let handlerPromise = eventLoop.makePromise(of: NIOLoopBound<ClientChannelHandler>.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = ClientChannelHandler(
                            handshake: Handshake(apiKey: apiKey).encoded(), hello: helloPromise, payloadByteCountMax: Int(UInt32.max))
                        try channel.pipeline.syncOperations.addHandler(handler)
                        handlerPromise.succeed(NIOLoopBound(handler, eventLoop: channel.eventLoop))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            helloPromise.fail(error)
            handlerPromise.fail(error)
            throw WireError(.unavailable, "cannot connect to \(host):\(port): \(error)")
        }
        do {
            let hello = try await helloPromise.futureResult.get()
            let handler = try await handlerPromise.futureResult.get()
            return CortexClient(hello: hello, channel: channel, handler: handler)
        } catch {
            channel.close(promise: nil)
            throw Self.wireError(error)
        }
    }

    /// Closes the connection; requests still in flight fail with `unavailable`.
    public func close() async {
        do {
            try await channel.close()
        } catch {
            // Already closed: nothing to do.
        }
    }

    /// Sends one request and returns its response, or throws the server's ERROR.
    public func send(_ request: WireRequest) async throws(WireError) -> WireResponse {
        let requestID = nextRequestID.add(1, ordering: .relaxed).oldValue
        let frame = request.frame(requestID: requestID)
        // The server would close the connection for an oversize frame; refuse it here instead.
        guard frame.payload.count <= hello.limits.framePayloadByteCountMax else {
            throw WireError(.tooLarge, "request payload is \(frame.payload.count) bytes; the server's limit is \(hello.limits.framePayloadByteCountMax)")
        }
        let promise = channel.eventLoop.makePromise(of: Frame.self)
        let bytes = frame.encoded()
        let handler = self.handler
        channel.eventLoop.execute { handler.value.send(bytes, requestID: requestID, promise: promise) }
        let answer: Frame
        do {
            answer = try await promise.futureResult.get()
        } catch {
            throw Self.wireError(error)
        }
        if answer.opcode == Opcode.error {
            throw (try WireError(errorPayload: answer.payload, requestID: requestID))
        }
        guard answer.opcode == request.kind.responseOpcode else {
            throw WireError(.protocolError, "request \(requestID) (\(request.kind.name)) was answered with opcode \(answer.opcode)")
        }
        return try WireResponse.decode(kind: request.kind, payload: answer.payload, limits: hello.limits)
    }

    private static func wireError(_ error: any Error) -> WireError {
        (error as? WireError) ?? WireError(.unavailable, "connection failed: \(error)")
    }
}
