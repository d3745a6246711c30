/// The one error type Cortex modules throw across their boundaries.
///
/// `code` is stable and machine-readable (the server maps it to an HTTP status
/// and a wire error frame); `message` is for people: it names the limit and the
/// actual value, and never carries a secret or another tenant's data.
public struct CortexError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable error categories. New cases are additive; clients match on the raw value.
    public enum Code: String, Sendable, CaseIterable {
        /// The caller sent something malformed or out of range.
        case invalidInput = "invalid_input"
        /// The named object does not exist (or is not visible to the caller).
        case notFound = "not_found"
        /// The object already exists, or the request raced with another change.
        case conflict
        /// A size or count limit was exceeded.
        case tooLarge = "too_large"
        /// Stored bytes failed validation (checksum, magic, version, bounds).
        case corrupt
        /// An environmental failure: disk, permissions, a dependency is down.
        case unavailable
        /// The caller presented no credential, or one that is unknown, expired or revoked.
        case unauthorized
        /// The credential is valid but lacks the scope or role the operation needs.
        case forbidden
        /// The caller exceeded a rate limit.
        case rateLimited = "rate_limited"
        /// The named object existed but is used up, expired or withdrawn (an invitation), and will not come back.
        case gone
    }

    public let code: Code
    public let message: String
    /// For `.rateLimited`: how long the caller should wait before trying again (HTTP `Retry-After`).
    public let retryAfter: Duration?
    /// A finer, stable code within ``code`` for the HTTP error body (`invitation_expired`), where callers need to tell
    /// cases of one category apart; nil: the body says ``code``'s raw value. The status still follows ``code``.
    public let reason: String?

    public init(_ code: Code, _ message: String, retryAfter: Duration? = nil, reason: String? = nil) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
        self.reason = reason
    }

    public var description: String { "\(reason ?? code.rawValue): \(message)" }
}

extension CortexError {
    /// Shorthand constructors for the common categories.
    public static func invalidInput(_ message: String) -> Self { Self(.invalidInput, message) }
    public static func notFound(_ message: String) -> Self { Self(.notFound, message) }
    public static func conflict(_ message: String) -> Self { Self(.conflict, message) }
    public static func tooLarge(_ message: String) -> Self { Self(.tooLarge, message) }
    public static func corrupt(_ message: String) -> Self { Self(.corrupt, message) }
    public static func unavailable(_ message: String) -> Self { Self(.unavailable, message) }
    public static func unauthorized(_ message: String) -> Self { Self(.unauthorized, message) }
    public static func forbidden(_ message: String) -> Self { Self(.forbidden, message) }
    public static func rateLimited(_ message: String, retryAfter: Duration) -> Self { Self(.rateLimited, message, retryAfter: retryAfter) }
    public static func gone(_ message: String, reason: String) -> Self { Self(.gone, message, reason: reason) }
}
