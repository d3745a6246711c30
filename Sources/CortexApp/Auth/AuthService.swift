public import CortexCore
public import CortexStorage

/// Accounts, sessions and API keys behind the HTTP auth routes (docs/auth.md).
///
/// Every method is async: storage and bcrypt run on ``executor``, token
/// signing on the caller's task. Errors are `CortexError`s with messages safe
/// to show: a wrong password and an unknown email get the same one.
public struct AuthService: Sendable {
    /// A new session: what register, login and refresh return.
    public struct Issued: Sendable {
        public let user: UserRecord
        public let role: TenantRole
        public let accessToken: String
        public let claims: SessionClaims
        public let refreshToken: String
    }

    /// The one message for a failed login, whatever failed.
    public static let loginRejectionMessage = "invalid email or password"

    public let accounts: AccountStore
    public let sessions: SessionStore
    public let apiKeys: APIKeyStore
    public let invitations: InvitationStore
    public let tokens: AccessTokens
    public let throttle: LoginThrottle
    let hasher: PasswordHasher
    let engine: StorageEngine
    let executor: any BlockingExecutor

    public init(
        engine: StorageEngine, options: AuthOptions, executor: any BlockingExecutor, clock: any EpochClock = SystemEpochClock()
    ) async throws(CortexError) {
        self.engine = engine
        self.executor = executor
        accounts = try AccountStore(engine: engine, clock: clock)
        sessions = try SessionStore(engine: engine, refreshTokenTTL: options.refreshTokenTTL, clock: clock)
        apiKeys = try APIKeyStore(engine: engine, clock: clock)
        invitations = try InvitationStore(engine: engine, ttl: options.invitationTTL, accounts: accounts, sessions: sessions, clock: clock)
        tokens = try await AccessTokens(keys: options.keys, signingKeyID: options.signingKeyID, ttl: options.accessTokenTTL, clock: clock)
        throttle = LoginThrottle(options: options, clock: clock)
        let cost = options.bcryptCost
        hasher = try await executor.run { PasswordHasher(cost: cost) }
    }

    /// Creates an account and a tenant it owns, and opens a session in it.
    ///
    /// Throws `.invalidInput` for a malformed email or name or a weak password,
    /// `.conflict` if the email has an account.
    public func register(email: String, password: String, name: String) async throws(CortexError) -> Issued {
        let email = try AccountStore.normalizedEmail(email)
        let name = try AccountStore.checkedName(name)
        try PasswordPolicy.check(password)
        let (accounts, sessions, hasher, engine) = (self.accounts, self.sessions, self.hasher, self.engine)
        let (user, sessionID, refreshToken) = try await executor.run { () throws(CortexError) in
            // Checked before the slow hash and the tenant; ``AccountStore/create`` checks again atomically.
            guard try !accounts.isTaken(email: email) else { throw AccountStore.emailTaken }
            let passwordHash = hasher.hash(password)
            let tenant = try TenantID(SecretToken.identifier(prefix: "t-"))
            let user = try accounts.create(email: email, name: name, passwordHash: passwordHash, homeTenant: tenant)
            do throws(CortexError) {
                try engine.createTenant(tenant)
            } catch {
                // Report the tenant's failure; if the undo fails too, the account exists without its tenant and gets 401s.
                _ = try? accounts.remove(userID: user.userID)
                throw error
            }
            let (sessionID, refreshToken) = try sessions.start(userID: user.userID, tenant: tenant)
            return (user, sessionID, refreshToken)
        }
        return try await issue(user: user, role: .owner, tenant: user.homeTenant, sessionID: sessionID, refreshToken: refreshToken)
    }

    /// Checks the password and opens a session in the user's home tenant.
    ///
    /// `address` is the client's IP address, for throttling. Throws
    /// `.rateLimited` while throttled (before looking at the password) and
    /// `.unauthorized` with ``loginRejectionMessage`` otherwise.
    public func login(email: String, password: String, address: String) async throws(CortexError) -> Issued {
        // A malformed email has no account: it fails like an unknown one, after the same bcrypt run. All
        // malformed emails share one throttle bucket, so made-up keys cannot fill the limiter with long strings.
        let normalized = (try? AccountStore.normalizedEmail(email)) ?? "(malformed)"
        try throttle.check(email: normalized, address: address)
        let (accounts, sessions, hasher) = (self.accounts, self.sessions, self.hasher)
        let found = try await executor.run { () throws(CortexError) -> (UserRecord, TenantRole, String, String)? in
            let user = try accounts.user(email: normalized)
            guard hasher.verify(password, against: user?.passwordHash), let user,
                  let membership = try accounts.membership(userID: user.userID, tenant: user.homeTenant)
            else { return nil }
            let (sessionID, refreshToken) = try sessions.start(userID: user.userID, tenant: user.homeTenant)
            return (user, membership.role, sessionID, refreshToken)
        }
        guard let (user, role, sessionID, refreshToken) = found else {
            throttle.recordFailure(email: normalized, address: address)
            throw .unauthorized(Self.loginRejectionMessage)
        }
        throttle.recordSuccess(email: normalized)
        return try await issue(user: user, role: role, tenant: user.homeTenant, sessionID: sessionID, refreshToken: refreshToken)
    }

    /// Exchanges a refresh token for a new access and refresh token (rotation, ``SessionStore/rotate(_:)``).
    public func refresh(_ refreshToken: String) async throws(CortexError) -> Issued {
        let (accounts, sessions) = (self.accounts, self.sessions)
        let (user, role, tenant, sessionID, next) = try await executor.run { () throws(CortexError) in
            let (session, sessionID, next) = try sessions.rotate(refreshToken)
            // The user or their membership may have gone since login: then the session ends here.
            guard let user = try accounts.user(id: session.userID),
                  let membership = try accounts.membership(userID: user.userID, tenant: session.tenantID)
            else {
                try sessions.end(sessionID: sessionID)
                throw .unauthorized(SessionStore.rejectionMessage)
            }
            return (user, membership.role, session.tenantID, sessionID, next)
        }
        return try await issue(user: user, role: role, tenant: tenant, sessionID: sessionID, refreshToken: next)
    }

    /// Ends the caller's session: its refresh tokens and access tokens stop working. API keys have no session (`.forbidden`).
    public func logout(_ principal: Principal) async throws(CortexError) {
        guard case .user(let claims) = principal.credential else {
            throw .forbidden("logout ends a user session; an API key has none (revoke it with DELETE /api/v1/api-keys/{id})")
        }
        let sessions = self.sessions
        try await executor.run { () throws(CortexError) in try sessions.end(sessionID: claims.sessionID) }
    }

    /// The principal behind `Authorization: Bearer <credential>`: an API key (`ck_…`) or an access token.
    ///
    /// An access token also needs its session to be live and its tenant to
    /// exist. Throws `.unauthorized` with the key's or the token's rejection message.
    /// Thread: an API key is checked on the calling thread (two LMDB point reads); an access
    /// token's session lookup runs on the executor.
    public func authenticate(_ credential: String) async throws(CortexError) -> Principal {
        if credential.hasPrefix(APIKeyStore.keyPrefix) {
            // On the caller's thread, not the executor: one SHA-256 and two point reads in the small,
            // hot system environment take a few microseconds and never wait for the writer (LMDB
            // readers see a snapshot), while a trip to the executor and back wakes two threads; that
            // trip cost about 17 % of the server CPU of a Chroma query (measured with wrk, 8 connections).
            return Principal(.apiKey(try apiKeys.authenticate(credential)))
        }
        let claims = try await tokens.verify(credential)
        let (sessions, engine) = (self.sessions, self.engine)
        let live = try await executor.run { () throws(CortexError) in
            guard try sessions.isLive(sessionID: claims.sessionID) else { return false }
            return try engine.tenant(claims.tenantID) != nil
        }
        guard live else { throw .unauthorized(AccessTokens.rejectionMessage) }
        return Principal(.user(claims))
    }

    /// The session's user and all their memberships (`GET /api/v1/me`).
    public func account(_ claims: SessionClaims) async throws(CortexError) -> (user: UserRecord, memberships: [(tenant: TenantID, membership: MembershipRecord)]) {
        let accounts = self.accounts
        return try await executor.run { () throws(CortexError) in
            guard let user = try accounts.user(id: claims.userID) else { throw .unauthorized(AccessTokens.rejectionMessage) }
            return (user, try accounts.memberships(userID: user.userID))
        }
    }

    func issue(user: UserRecord, role: TenantRole, tenant: TenantID, sessionID: String, refreshToken: String) async throws(CortexError) -> Issued {
        let (token, claims) = try await tokens.issue(
            userID: user.userID, tenantID: tenant, role: role, isPlatformAdmin: user.isPlatformAdmin, sessionID: sessionID)
        return Issued(user: user, role: role, accessToken: token, claims: claims, refreshToken: refreshToken)
    }
}
