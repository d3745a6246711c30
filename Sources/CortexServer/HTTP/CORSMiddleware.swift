import Foundation
import Hummingbird
import HTTPTypes

/// Cross-origin access for the chat widget's pages: only origins listed in `server.cors_origins`
/// (exact `scheme://host[:port]`, or `*` for any) get CORS headers.
///
/// - A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) from a listed
///   origin is answered here with 204, the allowed methods and headers and a max age, before
///   authentication (browsers send preflights without credentials). From any other origin it
///   gets 204 without CORS headers, so the browser refuses the real request.
/// - Other requests from a listed origin get `Access-Control-Allow-Origin: <origin>` and
///   `Vary: Origin`; credentials travel in `Authorization`, never cookies, so
///   `Access-Control-Allow-Credentials` is not sent.
/// Requests without `Origin` (servers, CLIs) pass untouched.
struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Origins compared exactly (lowercased); empty: no cross-origin access at all.
    let origins: Set<String>
    let allowsAnyOrigin: Bool

    static var allowedMethods: String { "GET, POST, PUT, PATCH, DELETE, OPTIONS" }
    static var allowedHeaders: String { "Authorization, Content-Type, X-Chroma-Token, X-Request-Id" }
    /// Seconds a browser may cache a preflight answer.
    static var maxAgeSeconds: Int { 600 }

    /// `list`: the setting's comma-separated origins (`*` alone allows any).
    init(list: [String]) {
        let cleaned = list.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        allowsAnyOrigin = cleaned.contains("*")
        origins = Set(cleaned.filter { $0 != "*" }.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 })
    }

    func allows(_ origin: String) -> Bool { allowsAnyOrigin || origins.contains(origin.lowercased()) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var headers = HTTPFields()
            if allows(origin) {
                headers[.accessControlAllowOrigin] = origin
                headers[.accessControlAllowMethods] = Self.allowedMethods
                headers[.accessControlAllowHeaders] = Self.allowedHeaders
                headers[.accessControlMaxAge] = String(Self.maxAgeSeconds)
                headers[.vary] = "Origin"
            }
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        if allows(origin) {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = "X-Request-Id, Retry-After"
            response.headers[.vary] = "Origin"
        }
        return response
    }
}
