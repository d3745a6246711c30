public import CortexCore
public import CortexStorage

/// A person's account in the system environment (`auth.users`, key = user id).
///
/// The password is kept only as a bcrypt hash (`$2b$…`, salt and cost inside).
public struct UserRecord: VersionedRecord, Equatable {
    public static let recordName = "user record"
    public static let recordVersion: UInt8 = 1

    /// `usr_` + 16 hex digits; stable, not secret.
    public var userID: String
    /// Normalised: trimmed and lower-cased (``AccountStore/normalizedEmail(_:)``).
    public var email: String
    public var name: String
    public var passwordHash: String
    /// Platform administrator (all tenants); granted only by an operator (`cortex admin users promote`).
    public var isPlatformAdmin: Bool
    /// The tenant a login opens a session in: the one created at registration, or the inviting tenant for an
    /// account made by accepting an invitation.
    public var homeTenant: TenantID
    /// Epoch milliseconds.
    public var createdAt: Int64

    public init(
        userID: String, email: String, name: String, passwordHash: String, isPlatformAdmin: Bool, homeTenant: TenantID, createdAt: Int64
    ) {
        self.userID = userID
        self.email = email
        self.name = name
        self.passwordHash = passwordHash
        self.isPlatformAdmin = isPlatformAdmin
        self.homeTenant = homeTenant
        self.createdAt = createdAt
    }

    public func encode(to writer: inout BinaryWriter) {
        writer.write(userID)
        writer.write(email)
        writer.write(name)
        writer.write(passwordHash)
        writer.write(isPlatformAdmin)
        writer.write(homeTenant.rawValue)
        writer.writeVarInt(createdAt)
    }

    public static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> Self {
        let userID = try reader.readString()
        let email = try reader.readString()
        let name = try reader.readString()
        let passwordHash = try reader.readString()
        let isPlatformAdmin = try reader.readBool()
        let homeTenant = try decodeTenant(try reader.readString(), owner: "user \(userID)")
        return UserRecord(
            userID: userID, email: email, name: name, passwordHash: passwordHash, isPlatformAdmin: isPlatformAdmin,
            homeTenant: homeTenant, createdAt: try reader.readVarInt())
    }
}

/// A user's role in one tenant.
public enum TenantRole: UInt8, Sendable, CaseIterable {
    /// Created the tenant, or was invited or promoted as one; manages API keys, invitations and members, reads and writes data.
    case owner = 1
    /// Reads and writes the tenant's data and lists its members; cannot manage API keys, invitations or members.
    case member = 2

    /// The role's name in tokens and JSON (`owner`, `member`).
    public var name: String {
        switch self {
        case .owner: "owner"
        case .member: "member"
        }
    }

    /// Parses ``name``; nil for anything else.
    public init?(name: String) {
        guard let role = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = role
    }
}

/// One user's membership of one tenant (`auth.memberships`, key = (user id, tenant id)).
public struct MembershipRecord: VersionedRecord, Equatable {
    public static let recordName = "membership record"
    public static let recordVersion: UInt8 = 1

    public var role: TenantRole
    /// Epoch milliseconds.
    public var createdAt: Int64

    public init(role: TenantRole, createdAt: Int64) {
        self.role = role
        self.createdAt = createdAt
    }

    public func encode(to writer: inout BinaryWriter) {
        writer.write(role.rawValue)
        writer.writeVarInt(createdAt)
    }

    public static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> Self {
        let rawRole = try reader.readByte()
        guard let role = TenantRole(rawValue: rawRole) else { throw .corrupt("membership record has unknown role \(rawRole)") }
        return MembershipRecord(role: role, createdAt: try reader.readVarInt())
    }
}

/// A stored tenant id, re-validated; an invalid one is corruption, not input.
func decodeTenant(_ raw: String, owner: String) throws(CortexError) -> TenantID {
    do {
        return try TenantID(raw)
    } catch {
        throw .corrupt("\(owner) holds an invalid tenant id: \(error.message)")
    }
}
