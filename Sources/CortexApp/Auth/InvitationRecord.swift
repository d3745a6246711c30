public import CortexCore
public import CortexStorage

/// An invitation to join a tenant (`auth.invitations`, key = SHA-256 of the token); the token itself is never stored.
///
/// Pending until it is accepted, revoked (by an owner, or replaced by a new
/// invitation of the same email) or expires; the record stays after that, so a
/// late token gets a precise answer, until the sweep deletes it
/// (``InvitationStore/retention`` after its expiry).
public struct InvitationRecord: VersionedRecord, Equatable {
    public static let recordName = "invitation record"
    public static let recordVersion: UInt8 = 1

    /// `inv_` + 16 hex digits; not secret, used to list and revoke.
    public var invitationID: String
    public var tenantID: TenantID
    /// Normalised (``AccountStore/normalizedEmail(_:)``): the email the new account gets.
    public var email: String
    public var role: TenantRole
    /// SHA-256 of the token's UTF-8 bytes.
    public var tokenHash: [UInt8]
    /// Epoch milliseconds.
    public var createdAt: Int64
    /// Epoch milliseconds from which the token is refused (`auth.invitation_ttl_seconds` after creation).
    public var expiresAt: Int64
    /// Epoch milliseconds and the user it made, once accepted.
    public var acceptedAt: Int64?
    public var acceptedBy: String?
    /// Epoch milliseconds, once revoked or replaced.
    public var revokedAt: Int64?

    public init(
        invitationID: String, tenantID: TenantID, email: String, role: TenantRole, tokenHash: [UInt8], createdAt: Int64, expiresAt: Int64,
        acceptedAt: Int64? = nil, acceptedBy: String? = nil, revokedAt: Int64? = nil
    ) {
        self.invitationID = invitationID
        self.tenantID = tenantID
        self.email = email
        self.role = role
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.acceptedAt = acceptedAt
        self.acceptedBy = acceptedBy
        self.revokedAt = revokedAt
    }

    /// Whether the token can still be accepted at `now` (epoch ms).
    public func isPending(at now: Int64) -> Bool { acceptedAt == nil && revokedAt == nil && now < expiresAt }

    public func encode(to writer: inout BinaryWriter) {
        writer.write(invitationID)
        writer.write(tenantID.rawValue)
        writer.write(email)
        writer.write(role.rawValue)
        writer.write(blob: tokenHash)
        writer.writeVarInt(createdAt)
        writer.writeVarInt(expiresAt)
        writer.write(acceptedAt != nil)
        if let acceptedAt, let acceptedBy {
            writer.writeVarInt(acceptedAt)
            writer.write(acceptedBy)
        }
        writer.write(revokedAt != nil)
        if let revokedAt { writer.writeVarInt(revokedAt) }
    }

    public static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> Self {
        let invitationID = try reader.readString()
        let tenantID = try decodeTenant(try reader.readString(), owner: "invitation \(invitationID)")
        let email = try reader.readString()
        let rawRole = try reader.readByte()
        guard let role = TenantRole(rawValue: rawRole) else { throw .corrupt("invitation \(invitationID) has unknown role \(rawRole)") }
        let tokenHash = try reader.readBlob()
        guard tokenHash.count == 32 else { throw .corrupt("invitation \(invitationID) has a \(tokenHash.count)-byte hash; expected 32") }
        var record = InvitationRecord(
            invitationID: invitationID, tenantID: tenantID, email: email, role: role, tokenHash: tokenHash,
            createdAt: try reader.readVarInt(), expiresAt: try reader.readVarInt())
        if try reader.readBool() {
            record.acceptedAt = try reader.readVarInt()
            record.acceptedBy = try reader.readString()
        }
        if try reader.readBool() { record.revokedAt = try reader.readVarInt() }
        return record
    }
}
