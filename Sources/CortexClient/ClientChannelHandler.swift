import CortexWire
import NIOCore

/// The client side of one connection: decodes frames and completes the promise
/// of the request each answers. Loop-confined: every method runs on the channel's event loop.
final class ClientChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var decoder: StreamDecoder
    private var hello: EventLoopPromise<Hello>?
    private var pending: [UInt64: EventLoopPromise<Frame>] = [:]
    /// Why the connection ended, once it has; later requests fail with it.
    private var failure: WireError?
    private var context: ChannelHandlerContext?
    private let handshake: [UInt8]

    init(handshake: [UInt8], hello: EventLoopPromise<Hello>, payloadByteCountMax: Int) {
        self.handshake = handshake
        self.hello = hello
        decoder = StreamDecoder(payloadByteCountMax: payloadByteCountMax)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    /// Sends the handshake from the event loop as soon as TCP connects, so it never waits for the
    /// connecting task to be scheduled again (the server times out handshakes).
    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: handshake)), promise: nil)
        context.fireChannelActive()
    }

    /// Records `promise` for `requestID` and sends `bytes`; fails it at once if the connection is gone.
    func send(_ bytes: [UInt8], requestID: UInt64, promise: EventLoopPromise<Frame>) {
        guard let context, failure == nil else {
            promise.fail(failure ?? WireError(.unavailable, "the connection is closed"))
            return
        }
        precondition(pending[requestID] == nil, "request id \(requestID) reused while in flight")
        pending[requestID] = promise
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        decoder.append(unwrapInboundIn(data).readableBytesView)
        do {
            while let frame = try decoder.nextFrame() { deliver(frame) }
        } catch {
            end(WireError(.protocolError, "the server sent an undecodable frame: \(error.message)"))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        end(WireError(.unavailable, "the connection was closed by the server"))
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        end(WireError(.unavailable, "connection error: \(error)"))
        context.close(promise: nil)
    }

    private func deliver(_ frame: Frame) {
        if frame.opcode == Opcode.hello, let hello {
            self.hello = nil
            do {
                let decoded = try Hello(payload: frame.payload)
                decoder = StreamDecoder(payloadByteCountMax: decoded.limits.framePayloadByteCountMax)
                hello.succeed(decoded)
            } catch {
                hello.fail(error)
            }
            return
        }
        if frame.requestID == 0 {
            // A connection-level ERROR (auth failure, idle timeout, shutdown): the server closes next.
            let error = (try? WireError(errorPayload: frame.payload, requestID: 0))
                ?? WireError(.protocolError, "the server sent an unexpected frame with opcode \(frame.opcode) and request id 0")
            end(error)
            return
        }
        guard let promise = pending.removeValue(forKey: frame.requestID) else {
            end(WireError(.protocolError, "the server answered request \(frame.requestID), which is not in flight"))
            context?.close(promise: nil)
            return
        }
        promise.succeed(frame)
    }

    /// Fails the handshake and every pending request with `error` (the first cause wins).
    private func end(_ error: WireError) {
        let cause = failure ?? error
        failure = cause
        hello?.fail(cause)
        hello = nil
        let waiting = pending
        pending.removeAll()
        for promise in waiting.values { promise.fail(cause) }
    }
}
