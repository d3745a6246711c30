public import CortexCore

/// Who is calling: the tenant, and the API key or the user session that proves it.
///
/// Routes take the tenant only from here (never from a path or body), so a
/// credential can never reach another tenant's data.
public struct Principal: Sendable, Equatable {
    public enum Credential: Sendable, Equatable {
        case apiKey(APIKeyRecord)
        case user(SessionClaims)
    }

    public let credential: Credential

    public init(_ credential: Credential) {
        self.credential = credential
    }

    public var tenantID: TenantID {
        switch credential {
        case .apiKey(let key): key.tenantID
        case .user(let claims): claims.tenantID
        }
    }

    /// The key id or user id: what rate limits and logs are keyed by.
    public var subjectID: String {
        switch credential {
        case .apiKey(let key): key.keyID
        case .user(let claims): claims.userID
        }
    }

    /// The tenant, if this credential may read (`write == false`) or write its data.
    ///
    /// Keys need `query` for reads and `ingest` for writes (`admin` allows both);
    /// a user session allows both to the tenant's owners and members.
    public func tenant(forWrite write: Bool) throws(CortexError) -> TenantID {
        switch credential {
        case .apiKey(let key):
            guard key.scopes.allows(write: write) else {
                throw .forbidden("this API key lacks the \(write ? "ingest" : "query") scope (it has: \(key.scopes.names.joined(separator: ", ")))")
            }
            return key.tenantID
        case .user(let claims):
            return claims.tenantID
        }
    }

    /// The tenant, if this credential may create, list and revoke its API keys: an `admin`-scoped key, the tenant's owner or a platform administrator.
    public func tenantForKeyManagement() throws(CortexError) -> TenantID {
        try tenantForManagement(of: "API keys").tenant
    }

    /// The tenant and who acts, if this credential may manage the tenant's `subject` (`API keys`, `invitations`,
    /// `members`): an `admin`-scoped key, a platform administrator, or a user whose token says `owner` (the role is
    /// read again from storage before the change, ``TenantManager/user(_:)``). `.forbidden` otherwise.
    public func tenantForManagement(of subject: String) throws(CortexError) -> (tenant: TenantID, manager: TenantManager) {
        switch credential {
        case .apiKey(let key):
            guard key.scopes.contains(.admin) else {
                throw .forbidden("managing \(subject) needs the admin scope (this key has: \(key.scopes.names.joined(separator: ", ")))")
            }
            return (key.tenantID, .trusted)
        case .user(let claims):
            if claims.isPlatformAdmin { return (claims.tenantID, .trusted) }
            guard claims.role == .owner else { throw TenantManager.ownerRoleNeeded(for: subject, role: claims.role) }
            return (claims.tenantID, .user(claims.userID))
        }
    }

    /// The tenant, if this credential may list its members: any user of the tenant, or an `admin`-scoped key.
    public func tenantForMemberList() throws(CortexError) -> TenantID {
        switch credential {
        case .apiKey(let key):
            guard key.scopes.contains(.admin) else {
                throw .forbidden("listing members needs a user session or the admin scope (this key has: \(key.scopes.names.joined(separator: ", ")))")
            }
            return key.tenantID
        case .user(let claims):
            return claims.tenantID
        }
    }
}

/// Who changes a tenant's keys, invitations or members, for the check made again inside the change's transaction.
public enum TenantManager: Sendable, Equatable {
    /// An `admin`-scoped API key or a platform administrator: nothing to check again.
    case trusted
    /// A user (by id): the stored membership must say `owner` (so a demotion takes effect at once), except for a
    /// user removing themselves from the tenant.
    case user(String)

    /// The refusal of a user whose role is not `owner`.
    static func ownerRoleNeeded(for subject: String, role: TenantRole) -> CortexError {
        .forbidden("managing \(subject) needs the owner role (you are a \(role.name))")
    }
}
