public import CortexCore
public import CortexStorage

/// Login sessions and their rotating refresh tokens (system environment).
///
/// Tables: `auth.sessions` session id → ``SessionRecord``, indexed by
/// `auth.user_sessions` ((user id, tenant id), session id) → ∅ so a removed
/// member's sessions can be ended; `auth.refresh_tokens` SHA-256(token) → ``RefreshTokenRecord``. A refresh
/// token is `crt_` + 43 base64url characters (32 random bytes), returned once
/// and never stored. Each token works once: ``rotate(_:)`` marks it used and
/// issues the next of the family; presenting a used token again ends the
/// whole session (its other tokens and its access tokens), because one of
/// the two presenters is not the user (docs/auth.md §2).
public struct SessionStore: Sendable {
    public static let tokenPrefix = "crt_"
    /// Every refresh failure says this: unknown, used, expired and ended look alike.
    public static let rejectionMessage = "invalid, expired or already used refresh token"

    let engine: StorageEngine
    let clock: any EpochClock
    let ttl: Duration
    let sessions: IndexedTable<String, SessionRecord>
    let userSessions: SecondaryIndex<KeyPair<String, String>, String>
    let tokens: Table<KeyBytes, RefreshTokenRecord>

    /// Opens the tables; the first open after an upgrade files the existing sessions in `auth.user_sessions`.
    public init(engine: StorageEngine, refreshTokenTTL: Duration, clock: any EpochClock = SystemEpochClock()) throws(CortexError) {
        self.engine = engine
        self.clock = clock
        ttl = refreshTokenTTL
        let userSessions = SecondaryIndex<KeyPair<String, String>, String>(try engine.system.table("auth.user_sessions"))
        let base: Table<String, SessionRecord> = try engine.system.table("auth.sessions")
        sessions = IndexedTable(base).indexed(by: userSessions) { [KeyPair($0.userID, $0.tenantID.rawValue)] }
        self.userSessions = userSessions
        tokens = try engine.system.table("auth.refresh_tokens")
        try userSessions.backfill(from: base, in: engine.system) { id, session in [(KeyPair(session.userID, session.tenantID.rawValue), id)] }
    }

    /// Opens a session for the user in `tenant`; returns its id and first refresh token.
    public func start(userID: String, tenant: TenantID) throws(CortexError) -> (sessionID: String, refreshToken: String) {
        try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            try start(userID: userID, tenant: tenant, in: &transaction)
        }
    }

    /// ``start(userID:tenant:)`` inside the caller's write transaction, so a session can begin in the same commit as its account.
    func start(userID: String, tenant: TenantID, in transaction: inout WriteTransaction) throws(CortexError) -> (sessionID: String, refreshToken: String) {
        let now = clock.nowMilliseconds()
        let sessionID = SecretToken.identifier(prefix: "ses_")
        let (token, record) = newToken(sessionID: sessionID, now: now)
        let session = SessionRecord(userID: userID, tenantID: tenant, createdAt: now, expiresAt: record.expiresAt)
        try sessions.put(session, for: sessionID, in: &transaction)
        try tokens.put(record, for: KeyBytes(record.tokenHash), in: &transaction)
        return (sessionID, token)
    }

    /// Ends every live session of the user in `tenant` inside the caller's write transaction (the membership is
    /// going): their refresh and access tokens stop working with its commit. Returns how many ended.
    @discardableResult
    func endAll(userID: String, tenant: TenantID, because ending: SessionRecord.Ending, in transaction: inout WriteTransaction) throws(CortexError) -> Int {
        let now = clock.nowMilliseconds()
        var ended = 0
        for id in try userSessions.primaryKeys(for: KeyPair(userID, tenant.rawValue), in: transaction) {
            guard var session = try sessions.get(id, in: transaction), session.endedAt == nil else { continue }
            session.endedAt = now
            session.ending = ending
            try sessions.put(session, for: id, in: &transaction)
            ended += 1
        }
        return ended
    }

    /// What one refresh attempt found, decided inside the write transaction.
    enum Rotation {
        case rotated(SessionRecord, sessionID: String, token: String)
        /// The token was used before: the session has been ended (and that is committed).
        case reused
        case rejected
    }

    /// Exchanges a refresh token for the next one of its family.
    ///
    /// Returns the session and the new token. Throws `.unauthorized` with
    /// ``rejectionMessage`` for an unknown, expired or used token or an ended
    /// session; a used token also ends its session, durably, before the throw.
    public func rotate(_ presented: String) throws(CortexError) -> (session: SessionRecord, sessionID: String, refreshToken: String) {
        let bytes = Array(presented.utf8)
        guard presented.hasPrefix(Self.tokenPrefix), bytes.count <= 256 else { throw .unauthorized(Self.rejectionMessage) }
        let hash = SHA256.hash(bytes)
        let now = clock.nowMilliseconds()
        let (sessions, tokens) = (self.sessions, self.tokens)
        let fresh = newToken(sessionID: "", now: now)
        let outcome = try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> Rotation in
            guard var record = try tokens.get(KeyBytes(hash), in: transaction), SecretToken.constantTimeEqual(record.tokenHash, hash),
                  var session = try sessions.get(record.sessionID, in: transaction), session.isLive(at: now)
            else { return .rejected }
            guard record.usedAt == nil else {
                session.endedAt = now
                session.ending = .reuse
                try sessions.put(session, for: record.sessionID, in: &transaction)
                return .reused
            }
            guard now < record.expiresAt else { return .rejected }
            record.usedAt = now
            try tokens.put(record, for: KeyBytes(hash), in: &transaction)
            var next = fresh.record
            next.sessionID = record.sessionID
            try tokens.put(next, for: KeyBytes(next.tokenHash), in: &transaction)
            session.expiresAt = next.expiresAt
            try sessions.put(session, for: record.sessionID, in: &transaction)
            return .rotated(session, sessionID: record.sessionID, token: fresh.token)
        }
        switch outcome {
        case .rotated(let session, let sessionID, let token): return (session, sessionID, token)
        case .reused, .rejected: throw .unauthorized(Self.rejectionMessage)
        }
    }

    /// Ends a session (logout); its refresh and access tokens stop working. Ending an ended session changes nothing.
    public func end(sessionID: String) throws(CortexError) {
        let (sessions, now) = (self.sessions, clock.nowMilliseconds())
        try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            guard var session = try sessions.get(sessionID, in: transaction), session.endedAt == nil else { return }
            session.endedAt = now
            session.ending = .logout
            try sessions.put(session, for: sessionID, in: &transaction)
        }
    }

    /// The session, or nil if it never existed.
    public func session(id: String) throws(CortexError) -> SessionRecord? {
        try sessions.base.get(id, in: engine.system)
    }

    /// Whether the session exists, has not ended and has not expired.
    public func isLive(sessionID: String) throws(CortexError) -> Bool {
        try session(id: sessionID)?.isLive(at: clock.nowMilliseconds()) ?? false
    }

    /// Deletes refresh tokens and sessions whose expiry has passed, at most `limit` of each per call;
    /// returns how many entries went. Nothing it deletes could be accepted any more: an expired token is
    /// refused, and a session's expiry is its newest token's.
    ///
    /// Finds them in a read transaction (a full scan, which does not block writers), then deletes them in
    /// one short write transaction that checks each expiry again.
    @discardableResult
    public func sweepExpired(limit: Int = 1_000) throws(CortexError) -> Int {
        precondition(limit > 0, "a sweep deletes at least one entry")
        let (sessions, tokens, now) = (self.sessions, self.tokens, clock.nowMilliseconds())
        let (expiredTokens, expiredSessions) = try engine.system.read { transaction throws(CortexError) in
            var expiredTokens: [KeyBytes] = []
            try tokens.forEach(in: transaction) { key, record in
                if now >= record.expiresAt { expiredTokens.append(key) }
                return expiredTokens.count < limit
            }
            var expiredSessions: [String] = []
            try sessions.base.forEach(in: transaction) { id, session in
                if now >= session.expiresAt { expiredSessions.append(id) }
                return expiredSessions.count < limit
            }
            return (expiredTokens, expiredSessions)
        }
        guard !expiredTokens.isEmpty || !expiredSessions.isEmpty else { return 0 }
        return try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> Int in
            var deleted = 0
            for key in expiredTokens {
                guard let record = try tokens.get(key, in: transaction), now >= record.expiresAt else { continue }
                if try tokens.delete(key, in: &transaction) { deleted += 1 }
            }
            for id in expiredSessions {
                // A rotation since the read moved the session's expiry on: then it stays.
                guard let session = try sessions.get(id, in: transaction), now >= session.expiresAt else { continue }
                if try sessions.delete(id, in: &transaction) { deleted += 1 }
            }
            return deleted
        }
    }

    private func newToken(sessionID: String, now: Int64) -> (token: String, record: RefreshTokenRecord) {
        let token = SecretToken.make(prefix: Self.tokenPrefix)
        let record = RefreshTokenRecord(
            sessionID: sessionID, tokenHash: SHA256.hash(Array(token.utf8)), createdAt: now, expiresAt: now + ttl.wholeMilliseconds)
        return (token, record)
    }
}
