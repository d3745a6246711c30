import CortexApp
import CortexCore
import Foundation
import Hummingbird
import Logging

/// Authenticates `Authorization: Bearer <API key or access token>` and puts the principal in the context.
///
/// `ck_…` is an API key; anything else is read as an access token (JWT).
/// Missing, malformed, unknown, revoked, expired and forged credentials all get
/// 401 with `WWW-Authenticate: Bearer`; the message says only whether a key or
/// a token was refused. An API key's two point reads run inline; a token's session
/// lookup runs on the blocking pool (``AuthService/authenticate(_:)``).
struct BearerAuthMiddleware: RouterMiddleware {
    typealias Context = CortexRequestContext

    let auth: AuthService

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // RFC 6750 §2.1 / RFC 9110 §11.1: the scheme name is case-insensitive.
        guard let header = request.headers[.authorization], header.prefix(7).lowercased() == "bearer " else {
            throw CortexError.unauthorized("send an access token or API key as Authorization: Bearer …")
        }
        // Trimmed in place: Foundation's trimmingCharacters bridges through NSString on every request.
        var token = header.dropFirst(7)
        while let first = token.first, first.isWhitespace { token.removeFirst() }
        while let last = token.last, last.isWhitespace { token.removeLast() }
        let presented = String(token)
        let principal = try await auth.authenticate(presented)
        var context = context
        context.principal = principal
        switch principal.credential {
        case .apiKey(let key): context.logger[metadataKey: "key_id"] = .string(key.keyID)
        case .user(let claims): context.logger[metadataKey: "user_id"] = .string(claims.userID)
        }
        return try await next(request, context)
    }
}

/// Limits requests with a token bucket per caller: per API key or user behind
/// ``BearerAuthMiddleware`` (`rate_limit.requests_per_second`, `rate_limit.burst`),
/// or per client address on the sign-in routes (`rate_limit.anonymous_requests_per_minute`).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = CortexRequestContext

    enum Subject {
        /// The authenticated API key or user.
        case principal
        /// The client's IP address.
        case clientAddress
    }

    let limiter: TokenBucketLimiter
    let subject: Subject

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let key = subject == .principal ? context.requirePrincipal().subjectID : context.clientAddress
        try Self.admit(key, limiter: limiter, subject: subject)
        return try await next(request, context)
    }

    /// Takes one token from `key`'s bucket; throws `.rateLimited` with the wait when it has none.
    /// The wire protocol calls this too, with the same limiter, so a key's HTTP and wire requests share one budget.
    static func admit(_ key: String, limiter: TokenBucketLimiter, subject: Subject) throws(CortexError) {
        guard let wait = limiter.take(key) else { return }
        let limit = subject == .principal
            ? "rate limit of \(Int(limiter.refillPerSecond)) requests per second (burst \(Int(limiter.burst))) exceeded"
            : "too many sign-in requests from this address (limit \(Int(limiter.burst)) per minute)"
        throw .rateLimited("\(limit); retry in \(wait.retryAfterSeconds) s", retryAfter: wait)
    }
}
