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
/// a token was refused. Storage lookups run on the blocking pool (``AuthService``).
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
        let presented = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
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

/// Limits requests per authenticated caller (API key or user) with a token bucket (`rate_limit.*`).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = CortexRequestContext

    let limiter: TokenBucketLimiter

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let subject = context.requirePrincipal().subjectID
        if let wait = limiter.take(subject) {
            throw CortexError.rateLimited(
                "rate limit of \(Int(limiter.refillPerSecond)) requests per second (burst \(Int(limiter.burst))) exceeded; retry in \(wait.retryAfterSeconds) s",
                retryAfter: wait)
        }
        return try await next(request, context)
    }
}

/// Limits the unauthenticated auth routes (register, login, refresh) per client address.
struct AddressRateLimitMiddleware: RouterMiddleware {
    typealias Context = CortexRequestContext

    let limiter: TokenBucketLimiter

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let wait = limiter.take(context.clientAddress) {
            throw CortexError.rateLimited(
                "too many sign-in requests from this address (limit \(Int(limiter.burst)) per minute); retry in \(wait.retryAfterSeconds) s",
                retryAfter: wait)
        }
        return try await next(request, context)
    }
}
