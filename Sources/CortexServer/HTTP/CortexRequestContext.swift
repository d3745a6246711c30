import CortexApp
import CortexCore
import Foundation
import Hummingbird
import HTTPTypes
import Logging
import NIOPosix

/// The request context of every route: Hummingbird's core storage plus the
/// caller that ``APIKeyMiddleware`` authenticated (nil on public routes).
struct CortexRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The API key's record: its tenant and scopes. The tenant comes only from here.
    var apiKey: APIKeyRecord?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The authenticated key; a route behind ``APIKeyMiddleware`` always has one.
    func requireKey() -> APIKeyRecord {
        guard let apiKey else { preconditionFailure("route \(endpointPath ?? "?") is registered without APIKeyMiddleware") }
        return apiKey
    }
}

/// Authenticates `Authorization: Bearer ck_…` and puts the key's record in the context.
///
/// Missing, malformed, unknown and revoked keys all get the same 401 (with
/// `WWW-Authenticate: Bearer`), so a caller cannot tell which. The lookup reads
/// the system environment on the blocking pool, never on the cooperative pool.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = CortexRequestContext

    let keys: APIKeyStore
    let pool: NIOThreadPool

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // RFC 6750 §2.1 / RFC 9110 §11.1: the scheme name is case-insensitive.
        guard let header = request.headers[.authorization], header.prefix(7).lowercased() == "bearer " else {
            throw CortexError.unauthorized("send an API key as Authorization: Bearer ck_…")
        }
        let presented = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        let keys = self.keys
        let record = try await pool.runIfActive {
            try keys.authenticate(presented)
        }
        var context = context
        context.apiKey = record
        context.logger[metadataKey: "key_id"] = .string(record.keyID)
        return try await next(request, context)
    }
}

extension CortexRequestContext {
    /// The key's tenant, after checking that its scopes allow a read (`query`) or a write (`ingest`); `admin` allows both.
    func tenant(forWrite write: Bool) throws(CortexError) -> TenantID {
        let key = requireKey()
        guard key.scopes.allows(write: write) else {
            throw .forbidden("this API key lacks the \(write ? "ingest" : "query") scope (it has: \(key.scopes.names.joined(separator: ", ")))")
        }
        return key.tenantID
    }
}
