import CortexApp
import CortexCore
import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core storage plus the
/// caller that ``BearerAuthMiddleware`` authenticated (nil on public routes).
struct CortexRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The authenticated caller: tenant plus API key or user session. The tenant comes only from here.
    var principal: Principal?
    /// The client's IP address (`unknown` for a Unix socket), for per-address limits.
    let clientAddress: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The authenticated caller; a route behind ``BearerAuthMiddleware`` always has one.
    func requirePrincipal() -> Principal {
        guard let principal else { preconditionFailure("route \(endpointPath ?? "?") is registered without BearerAuthMiddleware") }
        return principal
    }
}

extension CortexRequestContext {
    /// The caller's tenant, after checking that it may read (`query`) or write (`ingest`) data there.
    ///
    /// API keys need the scope (`admin` allows both); a user session (access
    /// token) allows both to the tenant's owners and members.
    func tenant(forWrite write: Bool) throws(CortexError) -> TenantID {
        try requirePrincipal().tenant(forWrite: write)
    }
}
