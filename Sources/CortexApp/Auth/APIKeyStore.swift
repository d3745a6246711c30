public import CortexCore
public import CortexStorage
import Foundation

/// Creates, authenticates, lists and revokes API keys (system environment).
///
/// Tables: `auth.api_keys` SHA-256(key) → ``APIKeyRecord``;
/// `auth.api_key_ids` (tenant, key id) → SHA-256(key), for listing and revoking.
/// A key is `ck_` + 43 base64url characters (32 random bytes); it is returned
/// once by ``create(tenant:name:scopes:)`` and never stored.
public struct APIKeyStore: Sendable {
    public static let keyPrefix = "ck_"
    /// Longest key name, in bytes.
    public static let nameByteCountMax = 100
    /// Longest key id looked up; real ids have 20 bytes.
    static let keyIDByteCountMax = 64
    /// Every authentication failure gives this one message, so a caller cannot tell an unknown key from a revoked one.
    public static let rejectionMessage = "invalid or revoked API key"

    let engine: StorageEngine
    let clock: any EpochClock
    let keys: Table<KeyBytes, APIKeyRecord>
    let ids: Table<KeyPair<String, String>, [UInt8]>

    public init(engine: StorageEngine, clock: any EpochClock = SystemEpochClock()) throws(CortexError) {
        self.engine = engine
        self.clock = clock
        keys = try engine.system.table("auth.api_keys")
        ids = try engine.system.table("auth.api_key_ids")
    }

    /// Mints a key for an existing tenant; returns the plain key (shown once) and its record.
    public func create(tenant: TenantID, name: String, scopes: APIKeyScopes) throws(CortexError) -> (key: String, record: APIKeyRecord) {
        let nameByteCount = name.utf8.count
        guard (1...Self.nameByteCountMax).contains(nameByteCount) else {
            throw .invalidInput("key name must be 1-\(Self.nameByteCountMax) bytes; got \(nameByteCount)")
        }
        guard !scopes.isEmpty else { throw .invalidInput("a key needs at least one scope (admin, ingest, query, widget)") }
        guard try engine.tenant(tenant) != nil else { throw .notFound("tenant '\(tenant)' does not exist") }
        let key = SecretToken.make(prefix: Self.keyPrefix)
        let keyID = SecretToken.identifier(prefix: "key_")
        let record = APIKeyRecord(
            keyID: keyID, tenantID: tenant, name: name, scopes: scopes, createdAt: clock.nowMilliseconds(), revokedAt: nil,
            keyHash: SHA256.hash(Array(key.utf8)))
        let (keys, ids) = (self.keys, self.ids)
        try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            try keys.put(record, for: KeyBytes(record.keyHash), in: &transaction)
            try ids.put(record.keyHash, for: KeyPair(tenant.rawValue, keyID), in: &transaction)
        }
        return (key, record)
    }

    /// The record of a valid, unrevoked key whose tenant still exists; `.unauthorized` otherwise.
    ///
    /// The lookup is by SHA-256 of the presented key, so the B-tree search
    /// reveals nothing usable about stored keys; the stored hash is then
    /// compared in constant time. Cost: one hash, two point reads.
    public func authenticate(_ key: String) throws(CortexError) -> APIKeyRecord {
        let bytes = Array(key.utf8)
        guard key.hasPrefix(Self.keyPrefix), bytes.count <= Limits.wireAPIKeyByteCountMax else {
            throw .unauthorized(Self.rejectionMessage)
        }
        let hash = SHA256.hash(bytes)
        guard let record = try keys.get(KeyBytes(hash), in: engine.system),
              SecretToken.constantTimeEqual(record.keyHash, hash),
              record.revokedAt == nil,
              try engine.tenant(record.tenantID) != nil
        else {
            throw .unauthorized(Self.rejectionMessage)
        }
        return record
    }

    /// The tenant's keys (revoked ones included), ordered by key id; never the keys themselves.
    public func list(tenant: TenantID) throws(CortexError) -> [APIKeyRecord] {
        let (keys, ids) = (self.keys, self.ids)
        return try engine.system.read { transaction throws(CortexError) -> [APIKeyRecord] in
            var records: [APIKeyRecord] = []
            try ids.forEach(in: transaction, prefix: tenant.rawValue) { _, hash throws(CortexError) in
                guard let record = try keys.get(KeyBytes(hash), in: transaction) else {
                    throw .corrupt("API key index names a key that does not exist")
                }
                records.append(record)
                return true
            }
            return records
        }
    }

    /// Revokes one of the tenant's keys; `.notFound` if the tenant has no such key, `.conflict` if already revoked.
    @discardableResult
    public func revoke(tenant: TenantID, keyID: String) throws(CortexError) -> APIKeyRecord {
        // Ids are `key_` + 16 hex digits; a longer one names no key (and would not fit an LMDB key).
        guard keyID.utf8.count <= Self.keyIDByteCountMax else {
            throw .notFound("tenant '\(tenant)' has no API key '\(keyID.prefix(Self.keyIDByteCountMax))…'")
        }
        let (keys, ids, now) = (self.keys, self.ids, clock.nowMilliseconds())
        return try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> APIKeyRecord in
            guard let hash = try ids.get(KeyPair(tenant.rawValue, keyID), in: transaction),
                  var record = try keys.get(KeyBytes(hash), in: transaction) else {
                throw .notFound("tenant '\(tenant)' has no API key '\(keyID)'")
            }
            guard record.revokedAt == nil else { throw .conflict("API key '\(keyID)' is already revoked") }
            record.revokedAt = now
            try keys.put(record, for: KeyBytes(hash), in: &transaction)
            return record
        }
    }
}
