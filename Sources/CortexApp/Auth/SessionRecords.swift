public import CortexCore
public import CortexStorage

/// One login session: the family of refresh tokens that descend from one
/// register or login (`auth.sessions`, key = session id).
///
/// Access tokens carry the session id (`sid`), so revoking the session ends
/// its access tokens at once, not only when they expire.
public struct SessionRecord: VersionedRecord, Equatable {
    public static let recordName = "session record"
    public static let recordVersion: UInt8 = 1

    /// Why a session ended.
    public enum Ending: UInt8, Sendable {
        /// The user logged out.
        case logout = 1
        /// A refresh token was presented a second time: it may have been stolen, so the whole family ends.
        case reuse = 2
        /// The user's membership of the tenant was removed (by an owner, or the user left).
        case removed = 3
    }

    public var userID: String
    public var tenantID: TenantID
    /// Epoch milliseconds.
    public var createdAt: Int64
    /// Epoch milliseconds: the expiry of the family's newest refresh token (each rotation moves it on).
    /// Past it the session is over; nothing of it is accepted any more.
    public var expiresAt: Int64
    /// Epoch milliseconds and reason, once ended.
    public var endedAt: Int64?
    public var ending: Ending?

    public init(userID: String, tenantID: TenantID, createdAt: Int64, expiresAt: Int64, endedAt: Int64? = nil, ending: Ending? = nil) {
        self.userID = userID
        self.tenantID = tenantID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.endedAt = endedAt
        self.ending = ending
    }

    /// Whether tokens of this session are accepted at `now` (epoch ms).
    public func isLive(at now: Int64) -> Bool { endedAt == nil && now < expiresAt }

    public func encode(to writer: inout BinaryWriter) {
        writer.write(userID)
        writer.write(tenantID.rawValue)
        writer.writeVarInt(createdAt)
        writer.writeVarInt(expiresAt)
        writer.write(endedAt != nil)
        if let endedAt, let ending {
            writer.writeVarInt(endedAt)
            writer.write(ending.rawValue)
        }
    }

    public static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> Self {
        let userID = try reader.readString()
        let tenantID = try decodeTenant(try reader.readString(), owner: "session of \(userID)")
        var record = SessionRecord(userID: userID, tenantID: tenantID, createdAt: try reader.readVarInt(), expiresAt: try reader.readVarInt())
        if try reader.readBool() {
            record.endedAt = try reader.readVarInt()
            let rawEnding = try reader.readByte()
            guard let ending = Ending(rawValue: rawEnding) else { throw .corrupt("session of \(userID) has unknown ending \(rawEnding)") }
            record.ending = ending
        }
        return record
    }
}

/// One refresh token (`auth.refresh_tokens`, key = SHA-256 of the token); the token itself is never stored.
public struct RefreshTokenRecord: VersionedRecord, Equatable {
    public static let recordName = "refresh token record"
    public static let recordVersion: UInt8 = 1

    /// The session (token family) this token belongs to.
    public var sessionID: String
    /// SHA-256 of the token's UTF-8 bytes.
    public var tokenHash: [UInt8]
    /// Epoch milliseconds.
    public var createdAt: Int64
    /// Epoch milliseconds after which the token is refused (`auth.refresh_token_ttl_seconds` after creation).
    public var expiresAt: Int64
    /// Epoch milliseconds, once exchanged for a new pair; a second use ends the session.
    public var usedAt: Int64?

    public init(sessionID: String, tokenHash: [UInt8], createdAt: Int64, expiresAt: Int64, usedAt: Int64? = nil) {
        self.sessionID = sessionID
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }

    public func encode(to writer: inout BinaryWriter) {
        writer.write(sessionID)
        writer.write(blob: tokenHash)
        writer.writeVarInt(createdAt)
        writer.writeVarInt(expiresAt)
        writer.write(usedAt != nil)
        if let usedAt { writer.writeVarInt(usedAt) }
    }

    public static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> Self {
        let sessionID = try reader.readString()
        let tokenHash = try reader.readBlob()
        guard tokenHash.count == 32 else { throw .corrupt("refresh token of \(sessionID) has a \(tokenHash.count)-byte hash; expected 32") }
        let createdAt = try reader.readVarInt()
        let expiresAt = try reader.readVarInt()
        let usedAt = try reader.readBool() ? try reader.readVarInt() : nil
        return RefreshTokenRecord(sessionID: sessionID, tokenHash: tokenHash, createdAt: createdAt, expiresAt: expiresAt, usedAt: usedAt)
    }
}
