import CortexApp
import CortexCore
import CortexVector
import Hummingbird

/// `/api/v1/tenant/invitations` and `/api/v1/tenant/members`: the caller's tenant's invitations and members
/// (docs/auth.md §7). Owners, platform administrators and `admin`-scoped keys manage; any user of the tenant lists
/// the members and may leave.
struct TenantRoutes: Sendable {
    let auth: AuthService

    func register(on group: RouterGroup<CortexRequestContext>) {
        group.post("tenant/invitations") { request, context in
            let principal = context.requirePrincipal()
            // Checked before the body is read, so a caller without the right learns nothing from input errors.
            _ = try principal.tenantForManagement(of: "invitations")
            let fields = try await AuthRoutes.fields(request, allowed: ["email", "role"])
            let role = try AuthService.role(named: try fields.string("role"))
            let (token, record) = try await auth.invite(for: principal, email: try fields.string("email"), role: role)
            return jsonResponse(AuthResponses.Invitation(record, token: token), status: .created)
        }
        group.get("tenant/invitations") { _, context in
            let records = try await auth.listInvitations(for: context.requirePrincipal())
            return jsonResponse(AuthResponses.Invitations(invitations: records.map { AuthResponses.Invitation($0) }))
        }
        group.delete("tenant/invitations/{id}") { _, context in
            try await auth.revokeInvitation(for: context.requirePrincipal(), invitationID: try context.parameters.require("id"))
            return Response(status: .noContent)
        }
        group.get("tenant/members") { _, context in
            let members = try await auth.listMembers(for: context.requirePrincipal())
            return jsonResponse(AuthResponses.Members(members: members.map { AuthResponses.Member($0) }))
        }
        group.patch("tenant/members/{user_id}") { request, context in
            let principal = context.requirePrincipal()
            _ = try principal.tenantForManagement(of: "members")
            let userID = try context.parameters.require("user_id")
            let fields = try await AuthRoutes.fields(request, allowed: ["role"])
            let role = try AuthService.role(named: try fields.string("role"))
            return jsonResponse(AuthResponses.Member(try await auth.setMemberRole(for: principal, userID: userID, role: role)))
        }
        group.delete("tenant/members/{user_id}") { _, context in
            try await auth.removeMember(for: context.requirePrincipal(), userID: try context.parameters.require("user_id"))
            return Response(status: .noContent)
        }
    }
}
