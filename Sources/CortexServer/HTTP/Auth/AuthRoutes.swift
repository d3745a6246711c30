import CortexApp
import CortexCore
import CortexVector
import Foundation
import Hummingbird

/// Accounts and sessions: `/api/v1/auth/…` and `/api/v1/me` (docs/auth.md, docs/openapi.yaml).
struct AuthRoutes: Sendable {
    let auth: AuthService

    /// Register, login, refresh and accept-invitation: no credential; `group` limits them per client address.
    func registerPublic(on group: RouterGroup<CortexRequestContext>) {
        group.post("register") { request, _ in
            let fields = try await Self.fields(request, allowed: ["email", "password", "name"])
            let issued = try await auth.register(
                email: try fields.string("email"), password: try fields.string("password"), name: try fields.string("name"))
            return jsonResponse(AuthResponses.Session(issued), status: .created)
        }
        group.post("login") { request, context in
            let fields = try await Self.fields(request, allowed: ["email", "password"])
            let issued = try await auth.login(
                email: try fields.string("email"), password: try fields.string("password"), address: context.clientAddress)
            return jsonResponse(AuthResponses.Session(issued))
        }
        group.post("refresh") { request, _ in
            let fields = try await Self.fields(request, allowed: ["refresh_token"])
            return jsonResponse(AuthResponses.Session(try await auth.refresh(try fields.string("refresh_token"))))
        }
        group.post("accept-invitation") { request, _ in
            let fields = try await Self.fields(request, allowed: ["token", "password", "name"])
            let issued = try await auth.acceptInvitation(
                token: try fields.string("token"), password: try fields.string("password"), name: try fields.string("name"))
            return jsonResponse(AuthResponses.Session(issued), status: .created)
        }
    }

    /// Logout and me: behind ``BearerAuthMiddleware``.
    func registerAuthenticated(on group: RouterGroup<CortexRequestContext>) {
        group.post("auth/logout") { _, context in
            try await auth.logout(context.requirePrincipal())
            return Response(status: .noContent)
        }
        group.get("me") { _, context in
            let principal = context.requirePrincipal()
            switch principal.credential {
            case .apiKey(let key):
                return jsonResponse(AuthResponses.Me(
                    tenant: .init(id: key.tenantID.rawValue, role: nil), user: nil, memberships: nil, apiKey: AuthResponses.Key(key)))
            case .user(let claims):
                let (user, memberships) = try await auth.account(claims)
                return jsonResponse(AuthResponses.Me(
                    tenant: .init(id: claims.tenantID.rawValue, role: claims.role.name), user: AuthResponses.User(user),
                    memberships: memberships.map { .init(id: $0.tenant.rawValue, role: $0.membership.role.name) }, apiKey: nil))
            }
        }
    }

    /// The JSON object of a small request body (at most ``Limits/httpAuthBodyByteCountMax`` bytes).
    static func fields(_ request: Request, allowed: Set<String>) async throws -> JSONFields {
        let data = try await request.collectBody(upTo: Limits.httpAuthBodyByteCountMax, setting: "the limit of account and API-key routes")
        return try JSONFields.body(data, allowed: allowed)
    }
}
