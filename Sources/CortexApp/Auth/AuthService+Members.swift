public import CortexCore

/// Invitations and members over HTTP (docs/auth.md §7): always the caller's own tenant.
///
/// Owners, platform administrators and `admin`-scoped keys manage; every user of the tenant may list its
/// members and leave it. Each change re-reads the acting user's role in its own write transaction.
extension AuthService {
    /// Parses a role name; `.invalidInput` naming the allowed ones otherwise.
    public static func role(named name: String) throws(CortexError) -> TenantRole {
        guard let role = TenantRole(name: name) else {
            throw .invalidInput("role must be owner or member; got '\(name.prefix(40))'")
        }
        return role
    }

    /// Invites `email` into the caller's tenant as `role`; returns the token (shown once) and the invitation.
    public func invite(for principal: Principal, email: String, role: TenantRole) async throws(CortexError) -> (token: String, record: InvitationRecord) {
        let (tenant, manager) = try principal.tenantForManagement(of: "invitations")
        let email = try AccountStore.normalizedEmail(email)
        let invitations = self.invitations
        return try await executor.run { () throws(CortexError) in try invitations.create(tenant: tenant, email: email, role: role, by: manager) }
    }

    /// The caller's tenant's pending invitations.
    public func listInvitations(for principal: Principal) async throws(CortexError) -> [InvitationRecord] {
        let invitations = self.invitations
        return try await managing(principal, "invitations") { tenant throws(CortexError) in try invitations.list(tenant: tenant) }
    }

    /// Revokes one of the caller's tenant's pending invitations.
    public func revokeInvitation(for principal: Principal, invitationID: String) async throws(CortexError) {
        let (tenant, manager) = try principal.tenantForManagement(of: "invitations")
        let invitations = self.invitations
        _ = try await executor.run { () throws(CortexError) in
            try invitations.revoke(tenant: tenant, invitationID: invitationID, by: manager)
        }
    }

    /// Creates the invited account in the inviting tenant and opens a session in it (the answer of register).
    ///
    /// Input is checked as by ``register(email:password:name:)``; the token is checked before the slow password
    /// hash and again in the transaction that creates the account. Throws `.invalidInput` (`invitation_invalid`)
    /// for an unknown token, `.gone` (`invitation_used`, `invitation_expired`, `invitation_revoked`) for one that
    /// cannot be accepted any more, `.conflict` if the email has an account.
    public func acceptInvitation(token: String, password: String, name: String) async throws(CortexError) -> Issued {
        let name = try AccountStore.checkedName(name)
        try PasswordPolicy.check(password)
        let (accounts, invitations, hasher) = (self.accounts, self.invitations, self.hasher)
        let (user, role, sessionID, refreshToken) = try await executor.run { () throws(CortexError) in
            let invitation = try invitations.pendingInvitation(token)
            guard try !accounts.isTaken(email: invitation.email) else { throw InvitationStore.accountExists(invitation.email) }
            return try invitations.accept(token, name: name, passwordHash: hasher.hash(password))
        }
        return try await issue(user: user, role: role, tenant: user.homeTenant, sessionID: sessionID, refreshToken: refreshToken)
    }

    /// The caller's tenant's members.
    public func listMembers(for principal: Principal) async throws(CortexError) -> [TenantMember] {
        let tenant = try principal.tenantForMemberList()
        let accounts = self.accounts
        return try await executor.run { () throws(CortexError) in try accounts.members(tenant: tenant) }
    }

    /// Makes a member of the caller's tenant an owner or a member.
    public func setMemberRole(for principal: Principal, userID: String, role: TenantRole) async throws(CortexError) -> TenantMember {
        let (tenant, manager) = try principal.tenantForManagement(of: "members")
        let accounts = self.accounts
        return try await executor.run { () throws(CortexError) in try accounts.setRole(role, userID: userID, tenant: tenant, by: manager) }
    }

    /// Removes a member from the caller's tenant and ends their sessions there; a user may remove themselves.
    public func removeMember(for principal: Principal, userID: String) async throws(CortexError) {
        let tenant: TenantID
        let manager: TenantManager
        if case .user(let claims) = principal.credential, claims.userID == userID {
            (tenant, manager) = (claims.tenantID, .user(userID))
        } else {
            (tenant, manager) = try principal.tenantForManagement(of: "members")
        }
        let (accounts, sessions) = (self.accounts, self.sessions)
        try await executor.run { () throws(CortexError) in
            try accounts.removeMember(userID: userID, tenant: tenant, by: manager, sessions: sessions)
        }
    }
}
