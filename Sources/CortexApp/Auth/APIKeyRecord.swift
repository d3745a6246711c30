public import CortexCore
public import CortexStorage
import Foundation

/// What an API key may do. Raw values are the scope bits of the wire HELLO and of stored records; never renumber.
public struct APIKeyScopes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Everything the key's tenant may do.
    public static let admin = APIKeyScopes(rawValue: 1)
    /// Writes: create and drop collections, upsert, delete.
    public static let ingest = APIKeyScopes(rawValue: 2)
    /// Reads: collection info, query, get, count.
    public static let query = APIKeyScopes(rawValue: 4)
    /// The public chat widget of one chatbot (no vector or analytics access).
    public static let widget = APIKeyScopes(rawValue: 8)

    public static let named: [(name: String, scope: APIKeyScopes)] = [
        ("admin", .admin), ("ingest", .ingest), ("query", .query), ("widget", .widget),
    ]

    /// Parses `query,ingest`; throws `.invalidInput` naming an unknown scope or an empty list.
    public init(parsing list: String) throws(CortexError) {
        var scopes: APIKeyScopes = []
        for part in list.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased()
            guard let scope = Self.named.first(where: { $0.name == name })?.scope else {
                throw .invalidInput("unknown scope '\(name)'; use admin, ingest, query or widget")
            }
            scopes.insert(scope)
        }
        guard !scopes.isEmpty else { throw .invalidInput("a key needs at least one scope (admin, ingest, query, widget)") }
        self = scopes
    }

    /// Scope names in a fixed order.
    public var names: [String] { Self.named.filter { contains($0.scope) }.map(\.name) }

    /// Whether these scopes allow a read (`query`) or a write (`ingest`) of vector data.
    public func allows(write: Bool) -> Bool {
        contains(.admin) || contains(write ? .ingest : .query)
    }
}

/// One API key as stored in the system environment (`auth.api_keys`, key = SHA-256 of the key).
///
/// The key itself is never stored: only its hash, so a copy of the data folder
/// does not leak usable keys.
public struct APIKeyRecord: VersionedRecord, Equatable {
    public static let recordName = "API key record"
    public static let recordVersion: UInt8 = 1

    /// `key_` + 16 hex digits; not secret, used to list and revoke.
    public var keyID: String
    public var tenantID: TenantID
    public var name: String
    public var scopes: APIKeyScopes
    /// Epoch milliseconds.
    public var createdAt: Int64
    /// Epoch milliseconds, once revoked.
    public var revokedAt: Int64?
    /// SHA-256 of the key's UTF-8 bytes.
    public var keyHash: [UInt8]

    public init(keyID: String, tenantID: TenantID, name: String, scopes: APIKeyScopes, createdAt: Int64, revokedAt: Int64?, keyHash: [UInt8]) {
        self.keyID = keyID
        self.tenantID = tenantID
        self.name = name
        self.scopes = scopes
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.keyHash = keyHash
    }

    public func encode(to writer: inout BinaryWriter) {
        writer.write(keyID)
        writer.write(tenantID.rawValue)
        writer.write(name)
        writer.write(scopes.rawValue)
        writer.writeVarInt(createdAt)
        writer.write(revokedAt != nil)
        if let revokedAt { writer.writeVarInt(revokedAt) }
        writer.write(blob: keyHash)
    }

    public static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> Self {
        let keyID = try reader.readString()
        let rawTenant = try reader.readString()
        let tenantID: TenantID
        do { tenantID = try TenantID(rawTenant) } catch { throw .corrupt("API key \(keyID) holds an invalid tenant id: \(error.message)") }
        let name = try reader.readString()
        let scopes = APIKeyScopes(rawValue: try reader.readByte())
        let createdAt = try reader.readVarInt()
        let revokedAt = try reader.readBool() ? try reader.readVarInt() : nil
        let keyHash = try reader.readBlob()
        guard keyHash.count == 32 else { throw .corrupt("API key \(keyID) has a \(keyHash.count)-byte hash; expected 32") }
        return APIKeyRecord(
            keyID: keyID, tenantID: tenantID, name: name, scopes: scopes, createdAt: createdAt, revokedAt: revokedAt, keyHash: keyHash)
    }
}

extension APIKeyScopes {
    /// Parses a list of scope names (`["query", "ingest"]`); throws `.invalidInput` naming an unknown one or an empty list.
    public init(names: [String]) throws(CortexError) {
        var scopes: APIKeyScopes = []
        for name in names {
            guard let scope = Self.named.first(where: { $0.name == name })?.scope else {
                throw .invalidInput("unknown scope '\(name.prefix(40))'; use admin, ingest, query or widget")
            }
            scopes.insert(scope)
        }
        guard !scopes.isEmpty else { throw .invalidInput("a key needs at least one scope (admin, ingest, query, widget)") }
        self = scopes
    }
}
