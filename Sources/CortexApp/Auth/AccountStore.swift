public import CortexCore
public import CortexStorage
import Foundation

/// Users and their tenant memberships (system environment).
///
/// Tables: `auth.users` user id → ``UserRecord``; `auth.user_emails`
/// normalised email → user id (UTF-8), which makes emails unique;
/// `auth.memberships` (user id, tenant id) → ``MembershipRecord``, indexed by
/// `auth.tenant_members` (tenant id, user id) → ∅ so a tenant's members are listed without a scan.
public struct AccountStore: Sendable {
    /// Longest email, in bytes (RFC 5321 §4.5.3.1.3: a path is at most 256 octets including the brackets).
    public static let emailByteCountMax = 254
    /// Longest display name, in bytes.
    public static let nameByteCountMax = 200

    let engine: StorageEngine
    let clock: any EpochClock
    let users: Table<String, UserRecord>
    let emails: Table<String, [UInt8]>
    let memberships: Table<KeyPair<String, String>, MembershipRecord>
    /// Tenant id → user ids; written only with ``memberships`` (``putMembership(_:userID:tenant:in:)``).
    let tenantMembers: SecondaryIndex<String, String>

    /// Opens the tables; the first open after an upgrade files the existing memberships in `auth.tenant_members`.
    public init(engine: StorageEngine, clock: any EpochClock = SystemEpochClock()) throws(CortexError) {
        self.engine = engine
        self.clock = clock
        users = try engine.system.table("auth.users")
        emails = try engine.system.table("auth.user_emails")
        memberships = try engine.system.table("auth.memberships")
        tenantMembers = SecondaryIndex(try engine.system.table("auth.tenant_members"))
        try tenantMembers.backfill(from: memberships, in: engine.system) { key, _ in [(key.second, key.first)] }
    }

    /// Trims and lower-cases an email, then checks its shape: `local@domain`,
    /// at most 254 bytes, no spaces or control characters. Throws `.invalidInput`.
    public static func normalizedEmail(_ email: String) throws(CortexError) -> String {
        let normalized = email.trimmingCharacters(in: .whitespaces).lowercased()
        let byteCount = normalized.utf8.count
        guard (3...emailByteCountMax).contains(byteCount) else {
            throw .invalidInput("email must be 3-\(emailByteCountMax) bytes; got \(byteCount)")
        }
        let parts = normalized.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              normalized.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7f })
        else {
            throw .invalidInput("email must look like name@example.com")
        }
        return normalized
    }

    /// Checks a display name: 1–200 bytes after trimming, no control characters.
    public static func checkedName(_ name: String) throws(CortexError) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        let byteCount = trimmed.utf8.count
        guard (1...nameByteCountMax).contains(byteCount) else {
            throw .invalidInput("name must be 1-\(nameByteCountMax) bytes; got \(byteCount)")
        }
        guard trimmed.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7f }) else {
            throw .invalidInput("name must not contain control characters")
        }
        return trimmed
    }

    /// Stores a new user as the owner of `homeTenant`, in one transaction.
    /// `email` must be normalised. Throws `.conflict` if the email is taken.
    public func create(email: String, name: String, passwordHash: String, homeTenant: TenantID) throws(CortexError) -> UserRecord {
        let user = UserRecord(
            userID: SecretToken.identifier(prefix: "usr_"), email: email, name: name, passwordHash: passwordHash, isPlatformAdmin: false,
            homeTenant: homeTenant, createdAt: clock.nowMilliseconds())
        try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            try insert(user, role: .owner, in: &transaction)
        }
        return user
    }

    /// Stores a new user (its email normalised) with the role `role` in its home tenant, inside the caller's
    /// write transaction. Throws `.conflict` if the email is taken.
    func insert(_ user: UserRecord, role: TenantRole, in transaction: inout WriteTransaction) throws(CortexError) {
        guard try !emails.contains(user.email, in: transaction) else { throw Self.emailTaken }
        try users.put(user, for: user.userID, in: &transaction)
        try emails.put(Array(user.userID.utf8), for: user.email, in: &transaction)
        try putMembership(MembershipRecord(role: role, createdAt: user.createdAt), userID: user.userID, tenant: user.homeTenant, in: &transaction)
    }

    /// Writes a membership and files it under its tenant.
    func putMembership(_ record: MembershipRecord, userID: String, tenant: TenantID, in transaction: inout WriteTransaction) throws(CortexError) {
        try memberships.put(record, for: KeyPair(userID, tenant.rawValue), in: &transaction)
        try tenantMembers.update(primaryKey: userID, from: [], to: [tenant.rawValue], in: &transaction)
    }

    /// Deletes a membership and its index entry.
    func deleteMembership(userID: String, tenant: String, in transaction: inout WriteTransaction) throws(CortexError) {
        try memberships.delete(KeyPair(userID, tenant), in: &transaction)
        try tenantMembers.update(primaryKey: userID, from: [tenant], to: [], in: &transaction)
    }

    /// Removes a user, its email and its memberships (undoes ``create(email:name:passwordHash:homeTenant:)``).
    public func remove(userID: String) throws(CortexError) {
        try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            guard let user = try users.get(userID, in: transaction) else { return }
            var tenants: [String] = []
            try memberships.forEach(in: transaction, prefix: userID) { key, _ in
                tenants.append(key.second)
                return true
            }
            for tenant in tenants { try deleteMembership(userID: userID, tenant: tenant, in: &transaction) }
            try deleteUser(user, in: &transaction)
        }
    }

    /// Deletes the user and its email (not its memberships).
    func deleteUser(_ user: UserRecord, in transaction: inout WriteTransaction) throws(CortexError) {
        try emails.delete(user.email, in: &transaction)
        try users.delete(user.userID, in: &transaction)
    }

    static let emailTaken = CortexError.conflict("an account with this email already exists")

    /// Whether the (normalised) email has an account.
    public func isTaken(email: String) throws(CortexError) -> Bool {
        try emails.get(email, in: engine.system) != nil
    }

    /// The user with this normalised email, or nil.
    public func user(email: String) throws(CortexError) -> UserRecord? {
        let (users, emails) = (self.users, self.emails)
        return try engine.system.read { transaction throws(CortexError) -> UserRecord? in
            guard let id = try emails.get(email, in: transaction) else { return nil }
            guard let user = try users.get(String(decoding: id, as: UTF8.self), in: transaction) else {
                throw .corrupt("email index names a user that does not exist")
            }
            return user
        }
    }

    /// The user with this id, or nil.
    public func user(id: String) throws(CortexError) -> UserRecord? {
        try users.get(id, in: engine.system)
    }

    /// The user's role in `tenant`, or nil when not a member (or the tenant is gone).
    public func membership(userID: String, tenant: TenantID) throws(CortexError) -> MembershipRecord? {
        guard try engine.tenant(tenant) != nil else { return nil }
        return try memberships.get(KeyPair(userID, tenant.rawValue), in: engine.system)
    }

    /// Every tenant the user belongs to, ordered by tenant id.
    public func memberships(userID: String) throws(CortexError) -> [(tenant: TenantID, membership: MembershipRecord)] {
        let memberships = self.memberships
        return try engine.system.read { transaction throws(CortexError) in
            var found: [(tenant: TenantID, membership: MembershipRecord)] = []
            try memberships.forEach(in: transaction, prefix: userID) { key, record throws(CortexError) in
                found.append((try decodeTenant(key.second, owner: "membership of \(userID)"), record))
                return true
            }
            return found
        }
    }

    /// Grants or withdraws the platform administrator role; `.notFound` for an unknown email.
    @discardableResult
    public func setPlatformAdmin(email: String, _ isAdmin: Bool) throws(CortexError) -> UserRecord {
        let normalized = try Self.normalizedEmail(email)
        let (users, emails) = (self.users, self.emails)
        return try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> UserRecord in
            guard let id = try emails.get(normalized, in: transaction),
                  var user = try users.get(String(decoding: id, as: UTF8.self), in: transaction) else {
                throw .notFound("no account has the email \(normalized)")
            }
            user.isPlatformAdmin = isAdmin
            try users.put(user, for: user.userID, in: &transaction)
            return user
        }
    }
}
