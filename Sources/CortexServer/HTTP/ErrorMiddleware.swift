import CortexApp
import CortexCore
import HTTPTypes
import Hummingbird
import Logging

/// Turns every thrown error into the JSON error body with the right status.
///
/// `CortexError`s map by code; Hummingbird's own errors (unknown route, bad
/// method, oversized body) keep their status; anything else is a bug and
/// becomes a 500 whose details go to the log only.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as CortexError {
            let status = APIError.status(for: error.code)
            guard APIError.isClientVisible(error.code) else {
                context.logger.error("request failed", metadata: ["error": "\(error)"])
                return APIError.response(
                    status: status, code: error.code.rawValue,
                    message: "the server could not complete the request; quote request id \(context.id) to the operator",
                    requestID: context.id)
            }
            var response = APIError.response(
                status: status, code: error.reason ?? error.code.rawValue, message: error.message, requestID: context.id)
            // RFC 6750 §3: a 401 names the scheme the client should use.
            if error.code == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
            // RFC 9110 §10.2.3 (with RFC 6585 §4 for 429): whole seconds to wait.
            if let retryAfter = error.retryAfter { response.headers[.retryAfter] = String(retryAfter.retryAfterSeconds) }
            return response
        } catch let error as any HTTPResponseError {
            let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
            let message = error.status == .notFound
                ? "no route for \(request.method) \(request.uri.path)"
                : error.status.reasonPhrase
            return APIError.response(status: error.status, code: code, message: message, requestID: context.id)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(error)"])
            return APIError.response(
                status: .internalServerError, code: "internal",
                message: "internal error; quote request id \(context.id) to the operator", requestID: context.id)
        }
    }
}

/// Echoes the request id (also in every log line of the request) as `X-Request-Id`.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.requestID] = context.id
        return response
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
}
