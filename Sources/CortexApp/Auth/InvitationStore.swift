public import CortexCore
public import CortexStorage

/// Invitations to join a tenant, and their acceptance (system environment; docs/auth.md §7).
///
/// Tables: `auth.invitations` SHA-256(token) → ``InvitationRecord``;
/// `auth.invitation_ids` (tenant, invitation id) → SHA-256(token), to revoke by id;
/// `auth.invitation_emails` (tenant, email) → SHA-256(token) of the email's newest
/// invitation while it is neither accepted nor revoked, to list pending ones and to
/// replace one on a re-invite. A token is `ci_` + 43 base64url characters
/// (32 random bytes), returned once by ``create(tenant:email:role:by:)`` and never stored.
public struct InvitationStore: Sendable {
    public static let tokenPrefix = "ci_"
    /// How long a record stays after its expiry, so a late token is told "expired" rather than "unknown".
    public static let retention: Duration = .seconds(30 * 86_400)
    /// Longest invitation id looked up; real ids have 20 bytes.
    static let invitationIDByteCountMax = 64
    /// Longest token looked up; real ones have 46 bytes.
    static let tokenByteCountMax = 256

    let engine: StorageEngine
    let clock: any EpochClock
    let ttl: Duration
    let accounts: AccountStore
    let sessions: SessionStore
    let invitations: Table<KeyBytes, InvitationRecord>
    let ids: Table<KeyPair<String, String>, [UInt8]>
    let pending: Table<KeyPair<String, String>, [UInt8]>

    public init(
        engine: StorageEngine, ttl: Duration, accounts: AccountStore, sessions: SessionStore, clock: any EpochClock = SystemEpochClock()
    ) throws(CortexError) {
        self.engine = engine
        self.clock = clock
        self.ttl = ttl
        self.accounts = accounts
        self.sessions = sessions
        invitations = try engine.system.table("auth.invitations")
        ids = try engine.system.table("auth.invitation_ids")
        pending = try engine.system.table("auth.invitation_emails")
    }

    /// Invites `email` (normalised) into `tenant` as `role`; returns the token (shown once) and the record.
    ///
    /// A pending invitation of the same email is revoked in the same transaction (its token stops working).
    /// `.conflict` if the email belongs to a member of the tenant; `.tooLarge` past
    /// ``Limits/tenantInvitationCountMax``; `.forbidden` if `manager` is no longer an owner.
    public func create(tenant: TenantID, email: String, role: TenantRole, by manager: TenantManager) throws(CortexError) -> (token: String, record: InvitationRecord) {
        guard try engine.tenant(tenant) != nil else { throw .notFound("tenant '\(tenant)' does not exist") }
        let token = SecretToken.make(prefix: Self.tokenPrefix)
        let now = clock.nowMilliseconds()
        let record = InvitationRecord(
            invitationID: SecretToken.identifier(prefix: "inv_"), tenantID: tenant, email: email, role: role,
            tokenHash: SHA256.hash(Array(token.utf8)), createdAt: now, expiresAt: now + ttl.wholeMilliseconds)
        let accounts = self.accounts
        try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            try accounts.requireOwner(manager, tenant: tenant, subject: "invitations", in: transaction)
            if let userID = try accounts.emails.get(email, in: transaction),
               try accounts.memberships.contains(KeyPair(String(decoding: userID, as: UTF8.self), tenant.rawValue), in: transaction) {
                throw .conflict("\(email) is already a member of this tenant")
            }
            let stored = try ids.count(in: transaction, prefix: tenant.rawValue)
            guard stored < Limits.tenantInvitationCountMax else {
                throw .tooLarge(
                    "tenant '\(tenant)' has \(stored) invitations stored, the limit (\(Limits.tenantInvitationCountMax)); "
                        + "revoke pending ones, or wait for old ones to be swept")
            }
            if let previous = try pending.get(KeyPair(tenant.rawValue, email), in: transaction) {
                try markRevoked(hash: previous, at: now, in: &transaction)
            }
            try invitations.put(record, for: KeyBytes(record.tokenHash), in: &transaction)
            try ids.put(record.tokenHash, for: KeyPair(tenant.rawValue, record.invitationID), in: &transaction)
            try pending.put(record.tokenHash, for: KeyPair(tenant.rawValue, email), in: &transaction)
        }
        return (token, record)
    }

    /// The tenant's pending invitations (unexpired, unused, unrevoked), ordered by email; never the tokens.
    public func list(tenant: TenantID) throws(CortexError) -> [InvitationRecord] {
        let now = clock.nowMilliseconds()
        return try engine.system.read { transaction throws(CortexError) -> [InvitationRecord] in
            var found: [InvitationRecord] = []
            try pending.forEach(in: transaction, prefix: tenant.rawValue) { _, hash throws(CortexError) in
                guard let record = try invitations.get(KeyBytes(hash), in: transaction) else {
                    throw .corrupt("invitation index of tenant '\(tenant)' names an invitation that does not exist")
                }
                if record.isPending(at: now) { found.append(record) }
                return true
            }
            return found
        }
    }

    /// Revokes one of the tenant's pending invitations: its token stops working. `.notFound` if the tenant has no
    /// such invitation; `.conflict` if it was accepted, revoked or has expired.
    @discardableResult
    public func revoke(tenant: TenantID, invitationID: String, by manager: TenantManager) throws(CortexError) -> InvitationRecord {
        let notFound = CortexError.notFound("tenant '\(tenant)' has no invitation '\(invitationID.prefix(Self.invitationIDByteCountMax))'")
        guard invitationID.utf8.count <= Self.invitationIDByteCountMax else { throw notFound }
        let (accounts, now) = (self.accounts, clock.nowMilliseconds())
        return try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> InvitationRecord in
            try accounts.requireOwner(manager, tenant: tenant, subject: "invitations", in: transaction)
            guard let hash = try ids.get(KeyPair(tenant.rawValue, invitationID), in: transaction),
                  let record = try invitations.get(KeyBytes(hash), in: transaction) else { throw notFound }
            guard record.isPending(at: now) else { throw .conflict("invitation '\(invitationID)' is no longer pending (\(Self.state(of: record)))") }
            return try markRevoked(hash: hash, at: now, in: &transaction)
        }
    }

    /// The pending invitation behind `token`; the refusals of ``refusal(_:at:)`` otherwise. A read, for checks
    /// made before the slow password hash; ``accept(_:name:passwordHash:)`` checks again in its transaction.
    public func pendingInvitation(_ token: String) throws(CortexError) -> InvitationRecord {
        guard let hash = Self.hash(of: token) else { throw Self.unknownToken }
        let record = try invitations.get(KeyBytes(hash), in: engine.system)
        return try checked(record, hash: hash, at: clock.nowMilliseconds())
    }

    /// Accepts an invitation: creates the account (the invitation's email and role, `name`, the password's bcrypt
    /// hash) in the inviting tenant, marks the invitation used and opens a session, all in one transaction.
    /// Returns the user, its role, and the session id and first refresh token.
    ///
    /// Throws the token refusals of ``pendingInvitation(_:)``, `.conflict` if the email has an account,
    /// and `.gone` (`invitation_revoked`) if the tenant has been deleted.
    public func accept(_ token: String, name: String, passwordHash: String) throws(CortexError) -> (user: UserRecord, role: TenantRole, sessionID: String, refreshToken: String) {
        let invitation = try pendingInvitation(token)
        guard try engine.tenant(invitation.tenantID) != nil else {
            throw .gone("the tenant that sent this invitation no longer exists", reason: "invitation_revoked")
        }
        let hash = invitation.tokenHash
        let (accounts, sessions, now) = (self.accounts, self.sessions, clock.nowMilliseconds())
        return try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            // Checked again: the same token may have been accepted since the read above.
            var record = try checked(try invitations.get(KeyBytes(hash), in: transaction), hash: hash, at: now)
            guard try !accounts.emails.contains(record.email, in: transaction) else { throw Self.accountExists(record.email) }
            let user = UserRecord(
                userID: SecretToken.identifier(prefix: "usr_"), email: record.email, name: name, passwordHash: passwordHash,
                isPlatformAdmin: false, homeTenant: record.tenantID, createdAt: now)
            try accounts.insert(user, role: record.role, in: &transaction)
            record.acceptedAt = now
            record.acceptedBy = user.userID
            try invitations.put(record, for: KeyBytes(hash), in: &transaction)
            try forgetPending(record, in: &transaction)
            let (sessionID, refreshToken) = try sessions.start(userID: user.userID, tenant: record.tenantID, in: &transaction)
            return (user, record.role, sessionID, refreshToken)
        }
    }

    /// Deletes invitations that expired more than ``retention`` ago, at most `limit` per call (found in a read
    /// transaction, deleted in one short write transaction that checks each again); returns how many went.
    @discardableResult
    public func sweepExpired(limit: Int = 1_000) throws(CortexError) -> Int {
        precondition(limit > 0, "a sweep deletes at least one entry")
        let cutoff = clock.nowMilliseconds() - Self.retention.wholeMilliseconds
        let stale = try engine.system.read { transaction throws(CortexError) -> [KeyBytes] in
            var stale: [KeyBytes] = []
            try invitations.forEach(in: transaction) { key, record in
                if record.expiresAt <= cutoff { stale.append(key) }
                return stale.count < limit
            }
            return stale
        }
        guard !stale.isEmpty else { return 0 }
        return try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> Int in
            var deleted = 0
            for key in stale {
                guard let record = try invitations.get(key, in: transaction), record.expiresAt <= cutoff else { continue }
                try forgetPending(record, in: &transaction)
                try ids.delete(KeyPair(record.tenantID.rawValue, record.invitationID), in: &transaction)
                if try invitations.delete(key, in: &transaction) { deleted += 1 }
            }
            return deleted
        }
    }

    // MARK: Refusals

    /// An unknown or malformed token (never issued, or swept): 400 `invitation_invalid`.
    static let unknownToken = CortexError(.invalidInput, "unknown invitation token", reason: "invitation_invalid")

    /// Why `record` cannot be accepted at `now`, or nil while it is pending.
    static func refusal(_ record: InvitationRecord, at now: Int64) -> CortexError? {
        if record.acceptedAt != nil {
            return .gone("this invitation has already been accepted; log in instead", reason: "invitation_used")
        }
        if record.revokedAt != nil {
            return .gone("this invitation was revoked or replaced by a newer one; ask the tenant's owner for a new one", reason: "invitation_revoked")
        }
        if now >= record.expiresAt {
            return .gone("this invitation has expired; ask the tenant's owner for a new one", reason: "invitation_expired")
        }
        return nil
    }

    /// The invited email has an account already (in this or another tenant).
    static func accountExists(_ email: String) -> CortexError {
        .conflict("an account with the email \(email) already exists, and an account belongs to one tenant; it cannot accept this invitation")
    }

    static func state(of record: InvitationRecord) -> String {
        record.acceptedAt != nil ? "accepted" : record.revokedAt != nil ? "revoked" : "expired"
    }

    // MARK: Helpers

    /// SHA-256 of a well-formed token; nil for one that cannot be ours.
    static func hash(of token: String) -> [UInt8]? {
        let bytes = Array(token.utf8)
        guard token.hasPrefix(tokenPrefix), bytes.count <= tokenByteCountMax else { return nil }
        return SHA256.hash(bytes)
    }

    private func checked(_ record: InvitationRecord?, hash: [UInt8], at now: Int64) throws(CortexError) -> InvitationRecord {
        guard let record, SecretToken.constantTimeEqual(record.tokenHash, hash) else { throw Self.unknownToken }
        if let refusal = Self.refusal(record, at: now) { throw refusal }
        return record
    }

    /// Marks the invitation behind `hash` revoked (if still open) and drops it from the pending index.
    @discardableResult
    private func markRevoked(hash: [UInt8], at now: Int64, in transaction: inout WriteTransaction) throws(CortexError) -> InvitationRecord {
        guard var record = try invitations.get(KeyBytes(hash), in: transaction) else {
            throw .corrupt("invitation index names an invitation that does not exist")
        }
        // An expired one stays expired, so its token keeps getting that answer.
        if record.isPending(at: now) {
            record.revokedAt = now
            try invitations.put(record, for: KeyBytes(hash), in: &transaction)
        }
        try forgetPending(record, in: &transaction)
        return record
    }

    /// Removes the email's pending entry if it still names this invitation (a re-invite may have replaced it).
    private func forgetPending(_ record: InvitationRecord, in transaction: inout WriteTransaction) throws(CortexError) {
        let key = KeyPair(record.tenantID.rawValue, record.email)
        guard try pending.get(key, in: transaction) == record.tokenHash else { return }
        try pending.delete(key, in: &transaction)
    }
}
