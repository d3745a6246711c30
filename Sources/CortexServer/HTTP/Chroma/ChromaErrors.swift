import CortexCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Chroma's error body, `{"error": "<Name>", "message": "<text>"}`: the Python client raises the
/// exception class registered under `error` (`chromadb.errors.error_types`), so the name decides
/// what user code can catch (docs/chroma-compat.md).
struct ChromaErrorBody: Encodable {
    let error: String
    let message: String
}

enum ChromaErrors {
    /// The Chroma exception name for each Cortex error code. Duplicates are `UniqueConstraintError`,
    /// a subclass of the `ChromaError` the reference server names, so `except ChromaError` still catches them.
    static func name(for code: CortexError.Code) -> String {
        switch code {
        case .invalidInput, .tooLarge: "InvalidArgumentError"
        case .notFound, .gone: "NotFoundError"
        case .conflict: "UniqueConstraintError"
        case .unauthorized: "AuthError"
        case .forbidden: "AuthorizationError"
        case .rateLimited: "RateLimitError"
        case .corrupt, .unavailable: "InternalError"
        }
    }

    /// The response for `error`; statuses are the ones of the Cortex API (``APIError/status(for:)``).
    static func response(_ error: CortexError, context: some RequestContext) -> Response {
        guard APIError.isClientVisible(error.code) else {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return body(
                status: APIError.status(for: error.code), name: name(for: error.code),
                message: "the server could not complete the request; quote request id \(context.id) to the operator")
        }
        var response = body(status: APIError.status(for: error.code), name: name(for: error.code), message: error.message)
        if error.code == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }

    static func body(status: HTTPResponse.Status, name: String, message: String) -> Response {
        jsonResponse(ChromaErrorBody(error: name, message: message), status: status)
    }
}

/// Turns errors under `/api/v2` into Chroma's error body (the Cortex API's ``ErrorMiddleware`` shape
/// would reach the Python client as a bare `Exception`).
struct ChromaErrorMiddleware: RouterMiddleware {
    typealias Context = CortexRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as CortexError {
            return ChromaErrors.response(error, context: context)
        } catch let error as any HTTPResponseError {
            let name = switch error.status {
            case .badRequest: "InvalidArgumentError"
            case .notFound, .gone: "NotFoundError"
            default: "ChromaError"
            }
            return ChromaErrors.body(status: error.status, name: name, message: error.status.reasonPhrase)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(error)"])
            return ChromaErrors.body(
                status: .internalServerError, name: "InternalError", message: "internal error; quote request id \(context.id) to the operator")
        }
    }
}

/// Lets the Chroma client's `X-Chroma-Token: <key>` transport (its `CloudClient` always uses it)
/// authenticate like `Authorization: Bearer <key>`: the header is rewritten here and checked by
/// ``BearerAuthMiddleware`` as usual. A request that carries both keeps its `Authorization`.
struct ChromaTokenMiddleware: RouterMiddleware {
    typealias Context = CortexRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[.authorization] == nil, let token = request.headers[.chromaToken] else {
            return try await next(request, context)
        }
        var head = request.head
        head.headerFields[.authorization] = "Bearer \(token)"
        return try await next(Request(head: head, body: request.body), context)
    }
}

extension HTTPField.Name {
    static let chromaToken = Self("X-Chroma-Token")!
}
