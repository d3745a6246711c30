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

    /// The tenant, if this credential may create, list and revoke its API keys: an `admin`-scoped key or the tenant's owner.
    public func tenantForKeyManagement() throws(CortexError) -> TenantID {
        switch credential {
        case .apiKey(let key):
            guard key.scopes.contains(.admin) else {
                throw .forbidden("managing API keys needs the admin scope (this key has: \(key.scopes.names.joined(separator: ", ")))")
            }
            return key.tenantID
        case .user(let claims):
            guard claims.role == .owner else { throw .forbidden("managing API keys needs the owner role (you are a \(claims.role.name))") }
            return claims.tenantID
        }
    }
}
