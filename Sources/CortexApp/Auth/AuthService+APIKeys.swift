public import CortexCore

/// API keys over HTTP: always in the caller's own tenant, for its owners, platform administrators and `admin`-scoped keys.
///
/// A user's owner role is read again from storage first, so a demotion takes effect before the user's access token expires.
extension AuthService {
    /// Mints a key; returns the plain key (shown once) and its record.
    public func createKey(for principal: Principal, name: String, scopes: APIKeyScopes) async throws(CortexError) -> (key: String, record: APIKeyRecord) {
        let (tenant, manager) = try principal.tenantForManagement(of: "API keys")
        let (accounts, apiKeys) = (self.accounts, self.apiKeys)
        return try await executor.run { () throws(CortexError) in
            try accounts.requireOwner(manager, tenant: tenant, subject: "API keys")
            return try apiKeys.create(tenant: tenant, name: name, scopes: scopes)
        }
    }

    /// The tenant's keys, revoked ones included; never the keys themselves.
    public func listKeys(for principal: Principal) async throws(CortexError) -> [APIKeyRecord] {
        let (tenant, manager) = try principal.tenantForManagement(of: "API keys")
        let (accounts, apiKeys) = (self.accounts, self.apiKeys)
        return try await executor.run { () throws(CortexError) in
            try accounts.requireOwner(manager, tenant: tenant, subject: "API keys")
            return try apiKeys.list(tenant: tenant)
        }
    }

    /// Revokes one of the tenant's keys: `.notFound` for a key of another tenant or none, `.conflict` if already revoked.
    public func revokeKey(for principal: Principal, keyID: String) async throws(CortexError) -> APIKeyRecord {
        let (tenant, manager) = try principal.tenantForManagement(of: "API keys")
        let (accounts, apiKeys) = (self.accounts, self.apiKeys)
        return try await executor.run { () throws(CortexError) in
            try accounts.requireOwner(manager, tenant: tenant, subject: "API keys")
            return try apiKeys.revoke(tenant: tenant, keyID: keyID)
        }
    }
}
