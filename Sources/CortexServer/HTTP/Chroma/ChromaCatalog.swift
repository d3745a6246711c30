import CortexCore
import CortexStorage
import Foundation

/// Chroma's tenants, databases and collections inside one Cortex tenant's environment.
///
/// Chroma names never leave the caller's Cortex tenant: every table lives in that tenant's
/// environment, so another key's tenant has other tables. Names are keyed by their SHA-256
/// (Chroma allows 512-character names; an LMDB key holds at most 511 bytes).
///
/// Tables: `chroma.tenants` H(tenant) → ``ChromaTenantRecord``; `chroma.databases`
/// H(tenant/database) → ``ChromaDatabaseRecord``; `chroma.names` H(tenant/database/name) →
/// collection id (UTF-8); `chroma.collections` id → ``ChromaCollectionRecord``; `chroma.meta`
/// `next_sequence` → creation counter. `/` cannot occur in a valid name, so the joined keys are unambiguous.
struct ChromaCatalog {
    static let defaultTenant = "default_tenant"
    static let defaultDatabase = "default_database"
    /// The id of `default_database` in `default_tenant`, as the reference server reports it.
    static let defaultDatabaseID = "00000000-0000-0000-0000-000000000000"
    /// Prefix of the Cortex collections that hold Chroma collections' records.
    static let cortexNamePrefix = "chroma."

    let environment: CortexStorage.Environment
    private let tenants: Table<KeyBytes, ChromaTenantRecord>
    private let databases: Table<KeyBytes, ChromaDatabaseRecord>
    private let names: Table<KeyBytes, [UInt8]>
    private let collections: Table<String, ChromaCollectionRecord>
    private let meta: Table<String, UInt64>

    init(environment: CortexStorage.Environment) throws(CortexError) {
        self.environment = environment
        tenants = try environment.table("chroma.tenants")
        databases = try environment.table("chroma.databases")
        names = try environment.table("chroma.names")
        collections = try environment.table("chroma.collections")
        meta = try environment.table("chroma.meta")
    }

    private static func key(_ parts: String...) -> KeyBytes { KeyBytes(SHA256.hash(Array(parts.joined(separator: "/").utf8))) }

    private func nextSequence(in transaction: inout WriteTransaction) throws(CortexError) -> UInt64 {
        let next = try meta.get("next_sequence", in: transaction) ?? 1
        try meta.put(next + 1, for: "next_sequence", in: &transaction)
        return next
    }

    // MARK: Tenants

    func createTenant(_ name: String) throws(CortexError) {
        try ChromaNames.check(name)
        let catalog = self
        try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            guard try !catalog.tenantExists(name, in: transaction) else { throw .conflict("Tenant [\(name)] already exists") }
            try catalog.tenants.put(ChromaTenantRecord(name: name), for: Self.key(name), in: &transaction)
        }
    }

    /// Throws `notFound` unless the tenant exists.
    func requireTenant(_ name: String) throws(CortexError) {
        let catalog = self
        let exists = try environment.read { transaction throws(CortexError) in try catalog.tenantExists(name, in: transaction) }
        guard exists else { throw .notFound("Tenant [\(name)] not found") }
    }

    private func tenantExists(_ name: String, in transaction: borrowing some Transaction & ~Copyable) throws(CortexError) -> Bool {
        if name == Self.defaultTenant { return true }
        return try tenants.contains(Self.key(name), in: transaction)
    }

    // MARK: Databases

    func createDatabase(tenant: String, name: String) throws(CortexError) {
        try ChromaNames.check(name)
        let catalog = self
        try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            guard try catalog.tenantExists(tenant, in: transaction) else { throw .notFound("Tenant [\(tenant)] not found") }
            guard try catalog.database(tenant: tenant, name: name, in: transaction) == nil else {
                throw .conflict("Database [\(name)] already exists")
            }
            let record = ChromaDatabaseRecord(
                id: UUID().uuidString.lowercased(), tenant: tenant, name: name, sequence: try catalog.nextSequence(in: &transaction))
            try catalog.databases.put(record, for: Self.key(tenant, name), in: &transaction)
        }
    }

    /// The database; `notFound` naming it when it (or its tenant) does not exist.
    func database(tenant: String, name: String) throws(CortexError) -> ChromaDatabaseRecord {
        let catalog = self
        let found = try environment.read { transaction throws(CortexError) in try catalog.database(tenant: tenant, name: name, in: transaction) }
        guard let found else { throw .notFound("Database [\(name)] not found. Are you sure it exists?") }
        return found
    }

    private func database(
        tenant: String, name: String, in transaction: borrowing some Transaction & ~Copyable
    ) throws(CortexError) -> ChromaDatabaseRecord? {
        if tenant == Self.defaultTenant, name == Self.defaultDatabase {
            return ChromaDatabaseRecord(id: Self.defaultDatabaseID, tenant: tenant, name: name, sequence: 0)
        }
        return try databases.get(Self.key(tenant, name), in: transaction)
    }

    /// The tenant's databases in creation order (`default_database` first in `default_tenant`).
    func databases(tenant: String) throws(CortexError) -> [ChromaDatabaseRecord] {
        try requireTenant(tenant)
        let catalog = self
        var found = try environment.read { transaction throws(CortexError) in
            try catalog.databases.entries(in: transaction).map(\.value).filter { $0.tenant == tenant }
        }
        if tenant == Self.defaultTenant {
            found.append(ChromaDatabaseRecord(id: Self.defaultDatabaseID, tenant: tenant, name: Self.defaultDatabase, sequence: 0))
        }
        return found.sorted { $0.sequence < $1.sequence }
    }

    /// Deletes a database and its collections' catalog entries; returns those collections, whose
    /// Cortex collections the caller deletes next. `default_database` cannot be deleted.
    func deleteDatabase(tenant: String, name: String) throws(CortexError) -> [ChromaCollectionRecord] {
        guard tenant != Self.defaultTenant || name != Self.defaultDatabase else {
            throw .invalidInput("Database [\(name)] of tenant [\(tenant)] always exists and cannot be deleted")
        }
        let catalog = self
        return try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> [ChromaCollectionRecord] in
            guard try catalog.databases.delete(Self.key(tenant, name), in: &transaction) else {
                throw .notFound("Database [\(name)] not found. Are you sure it exists?")
            }
            let removed = try catalog.collections(tenant: tenant, database: name, in: transaction)
            for collection in removed { try catalog.removeCollection(collection, in: &transaction) }
            return removed
        }
    }

    // MARK: Collections

    /// The collections of a database in creation order. Cost: O(collections of the Cortex tenant).
    func collections(tenant: String, database: String) throws(CortexError) -> [ChromaCollectionRecord] {
        _ = try self.database(tenant: tenant, name: database)
        let catalog = self
        return try environment.read { transaction throws(CortexError) in
            try catalog.collections(tenant: tenant, database: database, in: transaction)
        }
    }

    private func collections(
        tenant: String, database: String, in transaction: borrowing some Transaction & ~Copyable
    ) throws(CortexError) -> [ChromaCollectionRecord] {
        try collections.entries(in: transaction).map(\.value)
            .filter { $0.tenant == tenant && $0.database == database }
            .sorted { $0.sequence < $1.sequence }
    }

    /// The collection named `name`; `notFound` in Chroma's words otherwise.
    func collection(tenant: String, database: String, name: String) throws(CortexError) -> ChromaCollectionRecord {
        let catalog = self
        let found = try environment.read { transaction throws(CortexError) -> ChromaCollectionRecord? in
            try catalog.collection(tenant: tenant, database: database, name: name, in: transaction)
        }
        guard let found else { throw .notFound("Collection [\(name)] does not exist") }
        return found
    }

    private func collection(
        tenant: String, database: String, name: String, in transaction: borrowing some Transaction & ~Copyable
    ) throws(CortexError) -> ChromaCollectionRecord? {
        guard let id = try names.get(Self.key(tenant, database, name), in: transaction) else { return nil }
        return try collections.get(String(decoding: id, as: UTF8.self), in: transaction)
    }

    /// The collection with `id` in this tenant and database; `notFound` otherwise.
    func collection(tenant: String, database: String, id: String) throws(CortexError) -> ChromaCollectionRecord {
        guard let found = try collections.get(id, in: environment), found.tenant == tenant, found.database == database else {
            throw .notFound("Collection [\(id)] does not exist.")
        }
        return found
    }

    /// Creates `draft` (its id, tenant, database, name and settings; the sequence is assigned
    /// here), or with `getOrCreate` returns the existing collection of that name unchanged.
    /// Throws `notFound` for a missing database and `conflict` for a taken name.
    func createCollection(_ draft: ChromaCollectionRecord, getOrCreate: Bool) throws(CortexError) -> ChromaCollectionRecord {
        try ChromaNames.check(draft.name)
        let catalog = self
        return try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> ChromaCollectionRecord in
            guard try catalog.database(tenant: draft.tenant, name: draft.database, in: transaction) != nil else {
                throw .notFound("Database [\(draft.database)] not found. Are you sure it exists?")
            }
            if let existing = try catalog.collection(tenant: draft.tenant, database: draft.database, name: draft.name, in: transaction) {
                guard getOrCreate else { throw .conflict("Collection [\(draft.name)] already exists") }
                return existing
            }
            var record = draft
            record.sequence = try catalog.nextSequence(in: &transaction)
            try catalog.collections.put(record, for: record.id, in: &transaction)
            try catalog.names.put(Array(record.id.utf8), for: Self.key(record.tenant, record.database, record.name), in: &transaction)
            return record
        }
    }

    /// Replaces the stored record of `updated.id` (same tenant and database), moving its name
    /// entry when the name changed; `conflict` when the new name is taken.
    func updateCollection(_ updated: ChromaCollectionRecord) throws(CortexError) {
        let catalog = self
        try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            guard let current = try catalog.collections.get(updated.id, in: transaction),
                  current.tenant == updated.tenant, current.database == updated.database else {
                throw .notFound("Collection [\(updated.id)] does not exist.")
            }
            if current.name != updated.name {
                try ChromaNames.check(updated.name)
                let newKey = Self.key(updated.tenant, updated.database, updated.name)
                guard try catalog.names.get(newKey, in: transaction) == nil else {
                    throw .conflict("Collection [\(updated.name)] already exists")
                }
                try catalog.names.delete(Self.key(current.tenant, current.database, current.name), in: &transaction)
                try catalog.names.put(Array(updated.id.utf8), for: newKey, in: &transaction)
            }
            try catalog.collections.put(updated, for: updated.id, in: &transaction)
        }
    }

    /// Removes the named collection's catalog entries and returns it; its Cortex collection is the caller's to delete.
    func deleteCollection(tenant: String, database: String, name: String) throws(CortexError) -> ChromaCollectionRecord {
        let catalog = self
        return try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> ChromaCollectionRecord in
            guard let found = try catalog.collection(tenant: tenant, database: database, name: name, in: transaction) else {
                throw .notFound("Collection [\(name)] does not exist")
            }
            try catalog.removeCollection(found, in: &transaction)
            return found
        }
    }

    private func removeCollection(_ record: ChromaCollectionRecord, in transaction: inout WriteTransaction) throws(CortexError) {
        try collections.delete(record.id, in: &transaction)
        try names.delete(Self.key(record.tenant, record.database, record.name), in: &transaction)
    }
}

/// Chroma's rule for tenant, database and collection names.
enum ChromaNames {
    /// 3-512 characters from `[a-zA-Z0-9._-]`, starting and ending with a letter or digit;
    /// `invalidInput` with the reference server's message otherwise.
    static func check(_ name: String) throws(CortexError) {
        let bytes = Array(name.utf8)
        let alphanumeric: (UInt8) -> Bool = { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        }
        let allowed: (UInt8) -> Bool = { alphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
        guard (3...512).contains(bytes.count), bytes.allSatisfy(allowed), alphanumeric(bytes[0]), alphanumeric(bytes[bytes.count - 1]) else {
            throw .invalidInput(
                "Expected a name containing 3-512 characters from [a-zA-Z0-9._-], starting and ending with a character in [a-zA-Z0-9]. Got: \(name.prefix(512))")
        }
    }
}
