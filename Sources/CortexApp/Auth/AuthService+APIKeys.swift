public import CortexCore

/// API keys over HTTP: always in the caller's own tenant, for its owners, platform administrators and `admin`-scoped keys.
extension AuthService {
    /// Mints a key; returns the plain key (shown once) and its record.
    public func createKey(for principal: Principal, name: String, scopes: APIKeyScopes) async throws(CortexError) -> (key: String, record: APIKeyRecord) {
        let apiKeys = self.apiKeys
        return try await managing(principal, "API keys") { tenant throws(CortexError) in try apiKeys.create(tenant: tenant, name: name, scopes: scopes) }
    }

    /// The tenant's keys, revoked ones included; never the keys themselves.
    public func listKeys(for principal: Principal) async throws(CortexError) -> [APIKeyRecord] {
        let apiKeys = self.apiKeys
        return try await managing(principal, "API keys") { tenant throws(CortexError) in try apiKeys.list(tenant: tenant) }
    }

    /// Revokes one of the tenant's keys: `.notFound` for a key of another tenant or none, `.conflict` if already revoked.
    public func revokeKey(for principal: Principal, keyID: String) async throws(CortexError) -> APIKeyRecord {
        let apiKeys = self.apiKeys
        return try await managing(principal, "API keys") { tenant throws(CortexError) in try apiKeys.revoke(tenant: tenant, keyID: keyID) }
    }

    /// Runs `body` on the executor with the tenant whose `subject` the principal may manage
    /// (``Principal/tenantForManagement(of:)``), after reading a user's owner role again from storage,
    /// so a demotion takes effect before the user's access token expires.
    func managing<T: Sendable>(
        _ principal: Principal, _ subject: String, _ body: @escaping @Sendable (TenantID) throws(CortexError) -> T
    ) async throws(CortexError) -> T {
        let (tenant, manager) = try principal.tenantForManagement(of: subject)
        let accounts = self.accounts
        return try await executor.run { () throws(CortexError) in
            try accounts.requireOwner(manager, tenant: tenant, subject: subject)
            return try body(tenant)
        }
    }
}
