import CortexApp
import CortexCore
import CortexWire
import Logging
import NIOPosix

/// Who a connection acts for, fixed at the handshake.
struct WireSession: Sendable {
    let tenantID: TenantID
    let keyID: String
    let scopes: APIKeyScopes
}

/// What every connection shares: the blocking-work pool, the key store, the dispatcher, limits, metrics.
struct WireServices: Sendable {
    let limits: WireLimits
    let handshakeTimeout: Duration
    let keys: APIKeyStore
    let dispatcher: WireDispatcher
    /// The HTTP routes' per-caller limiter, keyed by key id: one budget per key across both protocols.
    let rateLimiter: TokenBucketLimiter
    /// Threads for LMDB work (reads and writes); event loops never block on storage.
    let threadPool: NIOThreadPool
    let metrics: WireMetrics
    let logger: Logger

    /// The ERROR a failed operation becomes. Corruption and environment failures are logged with
    /// their details and reach the client as a generic message (as over HTTP).
    func wireError(_ error: any Error, requestID: UInt64, kind: RequestKind?) -> WireError {
        guard let cortexError = error as? CortexError else {
            logger.error("wire request failed", metadata: ["request_id": "\(requestID)", "error": "\(error)"])
            return WireError(.internal, "internal error; see the server log", requestID: requestID)
        }
        switch cortexError.code {
        case .corrupt, .unavailable:
            logger.error("wire request failed", metadata: [
                "request_id": "\(requestID)", "op": "\(kind?.name ?? "-")", "code": "\(cortexError.code.rawValue)",
                "error": "\(cortexError.message)",
            ])
            return WireError(WireErrorCode(cortexError.code), "storage error; see the server log", requestID: requestID)
        default:
            return WireError(WireErrorCode(cortexError.code), cortexError.message, requestID: requestID)
        }
    }
}
