import CortexApp
import CortexCore
import CortexWire
import Logging
import NIOCore
import NIOPosix

/// Sent down a connection's pipeline when the server shuts down gracefully.
struct WireShutdownEvent: Sendable {}

/// One wire-protocol connection (docs/wire-protocol.md §2): handshake with a
/// timeout, API-key authentication, frame decoding with limits, dispatch of
/// requests to the thread pool, responses in completion order, at most
/// `inFlightMax` requests at once (reading pauses at the limit), idle timeout,
/// graceful shutdown.
///
/// Every method runs on the channel's event loop; storage work never does.
final class WireConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        /// Waiting for the handshake bytes.
        case handshake
        /// Key check running on the thread pool; reading is paused.
        case authenticating
        /// Decoding and serving frames.
        case open
        /// No more frames are read; in-flight requests finish, then `closingError` (if any) is sent and the connection closes.
        case closing
        case closed
    }

    private let services: WireServices
    private var phase = Phase.handshake
    private var decoder: StreamDecoder
    private var session: WireSession?
    private var inFlight: Set<UInt64> = []
    private var closingError: WireError?
    private var context: ChannelHandlerContext?
    private var handshakeTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private var lastReadAt = NIODeadline.now()
    private var readingPaused = false
    /// The client sent EOF: serve the complete frames already received, then close.
    private var inputClosed = false

    init(services: WireServices) {
        self.services = services
        decoder = StreamDecoder(payloadByteCountMax: services.limits.framePayloadByteCountMax)
    }

    // MARK: Channel events

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        services.metrics.connectionOpened()
        let timeout = services.handshakeTimeout
        handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .init(timeout)) { [self] in
            guard phase == .handshake else { return }
            fail(WireError(.timeout, "handshake not completed within \(timeout.wholeMilliseconds / 1000) s"))
        }
        scheduleIdleCheck(after: services.limits.idleTimeout)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if phase != .closed { services.metrics.connectionClosed() }
        phase = .closed
        handshakeTimer?.cancel()
        idleTimer?.cancel()
        self.context = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard phase == .handshake || phase == .authenticating || phase == .open else { return }
        lastReadAt = .now()
        services.metrics.received(byteCount: buffer.readableBytes)
        decoder.append(buffer.readableBytesView)
        advance()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is WireShutdownEvent {
            drainAndClose(with: WireError(.unavailable, "server is shutting down"))
        } else if let event = event as? ChannelEvent, event == .inputClosed {
            // The client sent EOF: answer every complete frame received, then close. A partial frame is dropped.
            inputClosed = true
            if phase == .handshake { return fail(WireError(.protocolError, "connection closed before the handshake was complete")) }
            advance()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        services.logger.debug("wire connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Decoding

    /// Decodes whatever the buffer holds, as far as the phase and the in-flight limit allow.
    private func advance() {
        do {
            if phase == .handshake {
                guard let handshake = try decoder.nextHandshake() else { return }
                authenticate(handshake)
                return
            }
            while phase == .open, inFlight.count < services.limits.inFlightMax, let frame = try decoder.nextFrame() {
                handle(frame)
            }
        } catch {
            services.metrics.error(error.code)
            if phase == .handshake { fail(error) } else { drainAndClose(with: error) }
            return
        }
        setReadingPaused(phase == .authenticating || (phase == .open && inFlight.count >= services.limits.inFlightMax))
        // After advance() an empty in-flight set means no complete frame is left in the buffer.
        if inputClosed, phase == .open, inFlight.isEmpty { drainAndClose(with: nil) }
    }

    private func authenticate(_ handshake: Handshake) {
        handshakeTimer?.cancel()
        phase = .authenticating
        setReadingPaused(true)
        guard let eventLoop = context?.eventLoop else { return }
        let keys = services.keys
        services.threadPool.runIfActive(eventLoop: eventLoop) { () throws -> APIKeyRecord in
            try keys.authenticate(handshake.apiKey)
        }.assumeIsolated().whenComplete { [self] result in
            guard phase == .authenticating else { return }
            switch result {
            case .success(let record):
                let session = WireSession(tenantID: record.tenantID, keyID: record.keyID, scopes: record.scopes)
                self.session = session
                phase = .open
                write(Hello(limits: services.limits, tenantID: session.tenantID.rawValue, keyID: session.keyID, scopeBits: session.scopes.rawValue).frame())
                setReadingPaused(false)
                advance()
            case .failure(let error):
                services.metrics.error(.unauthorized)
                if let cortexError = error as? CortexError, cortexError.code == .unauthorized {
                    fail(WireError(.unauthorized, APIKeyStore.rejectionMessage))
                } else {
                    fail(services.wireError(error, requestID: 0, kind: nil))
                }
            }
        }
    }

    /// One well-delimited frame: answered (or dispatched), never fatal except a reused request id.
    private func handle(_ frame: Frame) {
        services.metrics.frameReceived()
        let id = frame.requestID
        guard frame.header.flags == 0, frame.header.reserved == 0 else {
            return answer(WireError(.protocolError, "frame flags and reserved bits must be 0 in version 1", requestID: id))
        }
        // Both violations make responses ambiguous, so they end the connection; the error goes out
        // with request id 0 (connection level) after every in-flight request has been answered.
        guard id != 0 else { return drainAndClose(with: WireError(.protocolError, "request id 0 is reserved for the server")) }
        guard !inFlight.contains(id) else {
            return drainAndClose(with: WireError(.protocolError, "request id \(id) is already in flight"))
        }
        guard let kind = RequestKind(rawValue: frame.opcode) else {
            if Opcode.reservedAnalytics.contains(frame.opcode) {
                return answer(WireError(.unsupported, "opcode 0x\(hex(frame.opcode)) (analytics, reserved) is not supported by this server", requestID: id))
            }
            return answer(WireError(.protocolError, "unknown opcode 0x\(hex(frame.opcode))", requestID: id))
        }
        services.metrics.request(kind)
        guard let session else { preconditionFailure("frames are decoded only after authentication") }
        // Before decoding, as HTTP limits before reading the body: a limited key costs the server little.
        do {
            try RateLimitMiddleware.admit(session.keyID, limiter: services.rateLimiter, subject: .principal)
        } catch {
            // At least 1 ms, so a client can tell "wait" from "no hint".
            let milliseconds = max(1, error.retryAfter?.wholeMilliseconds ?? 1)
            return answer(WireError(.rateLimited, error.message, requestID: id, retryAfterMilliseconds: UInt16(clamping: milliseconds)))
        }
        let request: WireRequest
        do {
            request = try WireRequest.decode(kind: kind, payload: frame.payload, limits: services.limits)
        } catch {
            return answer(WireError(error.code, error.message, requestID: id))
        }
        guard kind == .ping || session.scopes.allows(write: kind.isWrite) else {
            let needed = kind.isWrite ? "ingest" : "query"
            return answer(WireError(.forbidden, "API key \(session.keyID) lacks the \(needed) scope that \(kind.name.uppercased()) needs", requestID: id))
        }
        if case .ping(let bytes) = request {
            write(WireResponse.pong(bytes).frame(for: .ping, requestID: id))
            return
        }
        dispatch(request, kind: kind, id: id, tenant: session.tenantID)
    }

    private func dispatch(_ request: WireRequest, kind: RequestKind, id: UInt64, tenant: TenantID) {
        guard let eventLoop = context?.eventLoop else { return }
        inFlight.insert(id)
        let services = self.services
        services.threadPool.runIfActive(eventLoop: eventLoop) { () throws -> Frame in
            let response = try services.dispatcher.execute(request, tenant: tenant)
            let frame = response.frame(for: kind, requestID: id)
            guard frame.payload.count <= services.limits.framePayloadByteCountMax else {
                throw CortexError.tooLarge(
                    "response is \(frame.payload.count) bytes; the frame limit is \(services.limits.framePayloadByteCountMax) (ask for fewer records or fields)")
            }
            return frame
        }.assumeIsolated().whenComplete { [self] result in
            inFlight.remove(id)
            switch result {
            case .success(let frame): write(frame)
            case .failure(let error): answer(services.wireError(error, requestID: id, kind: kind))
            }
            if phase == .closing { finishClosingIfDrained() } else { advance() }
        }
    }

    // MARK: Writing and closing

    private func answer(_ error: WireError) {
        services.metrics.error(error.code)
        write(error.frame())
    }

    @discardableResult
    private func write(_ frame: Frame) -> EventLoopFuture<Void>? {
        guard let context, phase != .closed else { return nil }
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: frame.encoded())), promise: promise)
        return promise.futureResult
    }

    /// Handshake-time failure: nothing is in flight; send the error and close.
    private func fail(_ error: WireError) {
        services.metrics.error(error.code)
        closingError = error
        phase = .closing
        finishClosingIfDrained()
    }

    /// Stops reading; closes once in-flight requests have been answered, sending `error` last.
    private func drainAndClose(with error: WireError?) {
        guard phase != .closing, phase != .closed else { return }
        if let error {
            services.metrics.error(error.code)
            // A protocol violation is reported at once; shutdown's notice goes after the last answer.
            if error.requestID != 0 { write(error.frame()) } else { closingError = error }
        }
        phase = .closing
        finishClosingIfDrained()
    }

    private func finishClosingIfDrained() {
        guard phase == .closing, inFlight.isEmpty, let context else { return }
        let pendingError = closingError
        closingError = nil
        let written = pendingError.flatMap { write($0.frame()) } ?? context.eventLoop.makeSucceededVoidFuture()
        phase = .closed
        services.metrics.connectionClosed()
        written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private func setReadingPaused(_ paused: Bool) {
        guard paused != readingPaused, let options = context?.channel.syncOptions else { return }
        readingPaused = paused
        // Turning autoRead back on makes NIO read again; off stops after the current read (back-pressure).
        do {
            try options.setOption(ChannelOptions.autoRead, value: !paused)
        } catch {
            services.logger.debug("wire connection: cannot change autoRead", metadata: ["error": "\(error)"])
        }
    }

    private func scheduleIdleCheck(after delay: Duration) {
        guard let context else { return }
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .init(delay)) { [self] in
            guard phase == .open || phase == .authenticating else { return }
            let timeout = services.limits.idleTimeout
            let idleFor = NIODeadline.now() - lastReadAt
            if inFlight.isEmpty, idleFor >= .init(timeout) {
                drainAndClose(with: WireError(.timeout, "connection idle for \(timeout.wholeMilliseconds / 1000) s; closing"))
            } else {
                scheduleIdleCheck(after: inFlight.isEmpty ? timeout - Duration(idleFor) : timeout)
            }
        }
    }

    private func hex(_ byte: UInt8) -> String {
        let text = String(byte, radix: 16)
        return text.count == 1 ? "0" + text : text
    }
}
