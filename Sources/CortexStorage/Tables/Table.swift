public import CortexCore

/// A named LMDB database with typed keys and values.
///
/// Obtain one with ``Environment/table(_:key:value:)`` before starting
/// transactions; the handle stays valid while the environment is open.
public struct Table<Key: OrderedKey, Value: TableValue>: Sendable {
    public let name: String
    /// The LMDB database handle (`MDB_dbi`).
    public let database: UInt32

    init(name: String, database: UInt32) {
        self.name = name
        self.database = database
    }

    public func get(_ key: Key, in transaction: borrowing some Transaction & ~Copyable) throws(CortexError) -> Value? {
        guard let bytes = try transaction.value(database: database, key: key.encodedKey) else { return nil }
        return try Value.decodeValue(bytes)
    }

    /// Reads one value in its own read transaction.
    public func get(_ key: Key, in environment: Environment) throws(CortexError) -> Value? {
        try environment.read { transaction throws(CortexError) in try get(key, in: transaction) }
    }

    public func contains(_ key: Key, in transaction: borrowing some Transaction & ~Copyable) throws(CortexError) -> Bool {
        try unsafe transaction.withValue(database: database, key: key.encodedKey) { (bytes: UnsafeRawBufferPointer?) -> Bool in
            unsafe bytes != nil
        }
    }

    public func put(_ value: Value, for key: Key, in transaction: inout WriteTransaction) throws(CortexError) {
        try transaction.put(database: database, key: key.encodedKey, value: value.encodedValue())
    }

    /// Removes `key`; returns whether it was present.
    @discardableResult
    public func delete(_ key: Key, in transaction: inout WriteTransaction) throws(CortexError) -> Bool {
        try transaction.delete(database: database, key: key.encodedKey)
    }

    /// Number of entries, O(1).
    public func count(in transaction: borrowing some Transaction & ~Copyable) throws(CortexError) -> Int {
        try transaction.entryCount(database: database)
    }

    /// Visits entries with keys in `range`, in key order (or reversed); `body` returns false to stop.
    public func forEach(
        in transaction: borrowing some Transaction & ~Copyable,
        range: KeyRange<Key> = .all, reverse: Bool = false,
        _ body: (Key, Value) throws(CortexError) -> Bool
    ) throws(CortexError) {
        try forEach(in: transaction, byteRange: range.byteRange, reverse: reverse, body)
    }

    /// Visits entries whose key starts with `prefix` (the leading components of a tuple key).
    public func forEach(
        in transaction: borrowing some Transaction & ~Copyable,
        prefix: some OrderedKey, reverse: Bool = false,
        _ body: (Key, Value) throws(CortexError) -> Bool
    ) throws(CortexError) {
        try forEach(in: transaction, byteRange: .prefix(prefix.encodedKey), reverse: reverse, body)
    }

    /// Collects up to `limit` entries of `range`.
    public func entries(
        in transaction: borrowing some Transaction & ~Copyable,
        range: KeyRange<Key> = .all, reverse: Bool = false, limit: Int = .max
    ) throws(CortexError) -> [(key: Key, value: Value)] {
        var collected: [(key: Key, value: Value)] = []
        guard limit > 0 else { return collected }
        try forEach(in: transaction, range: range, reverse: reverse) { key, value in
            collected.append((key, value))
            return collected.count < limit
        }
        return collected
    }

    /// The first (or last) entry of `range`.
    public func first(
        in transaction: borrowing some Transaction & ~Copyable, range: KeyRange<Key> = .all, reverse: Bool = false
    ) throws(CortexError) -> (key: Key, value: Value)? {
        try entries(in: transaction, range: range, reverse: reverse, limit: 1).first
    }

    /// Number of entries whose key starts with `prefix` (a cursor walk, O(matches)).
    public func count(in transaction: borrowing some Transaction & ~Copyable, prefix: some OrderedKey) throws(CortexError) -> Int {
        var count = 0
        try unsafe transaction.scan(database: database, range: .prefix(prefix.encodedKey)) { _, _ in
            count += 1
            return true
        }
        return count
    }

    /// Number of entries, read in its own transaction.
    public func count(in environment: Environment) throws(CortexError) -> Int {
        try environment.read { transaction throws(CortexError) in try count(in: transaction) }
    }

    /// Removes every entry, keeping the table.
    public func removeAll(in transaction: inout WriteTransaction) throws(CortexError) {
        try transaction.removeAll(database: database)
    }

    private func forEach(
        in transaction: borrowing some Transaction & ~Copyable, byteRange: ByteRange, reverse: Bool,
        _ body: (Key, Value) throws(CortexError) -> Bool
    ) throws(CortexError) {
        try unsafe transaction.scan(database: database, range: byteRange, reverse: reverse) { keyBytes, valueBytes throws(CortexError) in
            let key = try Key.decodeKey(unsafe Array(keyBytes))
            let value = try Value.decodeValue(unsafe Array(valueBytes))
            return try body(key, value)
        }
    }
}

/// A range of typed keys for scans.
public struct KeyRange<Key: OrderedKey>: Sendable {
    let byteRange: ByteRange

    /// Every key.
    public static var all: KeyRange { KeyRange(byteRange: .all) }

    /// `lower ..< upper`; either end may be nil for unbounded.
    public static func from(_ lower: Key?, below upper: Key?) -> KeyRange {
        KeyRange(byteRange: ByteRange(
            lower: lower.map { .including($0.encodedKey) } ?? .unbounded,
            upper: upper.map { .excluding($0.encodedKey) } ?? .unbounded))
    }

    /// `lower ... upper`; either end may be nil for unbounded.
    public static func from(_ lower: Key?, through upper: Key?) -> KeyRange {
        KeyRange(byteRange: ByteRange(
            lower: lower.map { .including($0.encodedKey) } ?? .unbounded,
            upper: upper.map { .including($0.encodedKey) } ?? .unbounded))
    }

    /// Keys strictly after `lower` (for pagination from a last-seen key).
    public static func after(_ lower: Key) -> KeyRange {
        KeyRange(byteRange: ByteRange(lower: .excluding(lower.encodedKey)))
    }
}

extension Environment {
    /// Opens (creating on first use) the named table with typed keys and values.
    ///
    /// Call outside transaction bodies; the first call for a name runs a short
    /// write transaction. Names are the caller's schema: opening one name with
    /// two different types is a bug the stored bytes will reveal as `.corrupt`.
    public func table<Key: OrderedKey, Value: TableValue>(
        _ name: String, key: Key.Type = Key.self, value: Value.Type = Value.self
    ) throws(CortexError) -> Table<Key, Value> {
        Table(name: name, database: try databaseHandle(named: name))
    }
}
