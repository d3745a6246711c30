public import CortexCore

/// A secondary index: entries `(indexKey, primaryKey) → ∅` in their own table.
///
/// The index is maintained in the same write transaction as the primary table,
/// so the two can never disagree. One record may have several index keys
/// (e.g. one per tag); ``update(primaryKey:from:to:in:)`` applies the difference.
public struct SecondaryIndex<IndexKey: OrderedKey & Hashable, PrimaryKey: OrderedKey>: Sendable {
    public let entries: Table<KeyPair<IndexKey, PrimaryKey>, EmptyValue>

    public init(_ entries: Table<KeyPair<IndexKey, PrimaryKey>, EmptyValue>) {
        self.entries = entries
    }

    /// Replaces the index keys of `primaryKey`: removes `old` minus `new`, adds `new` minus `old`.
    public func update(
        primaryKey: PrimaryKey, from old: some Collection<IndexKey>, to new: some Collection<IndexKey>,
        in transaction: inout WriteTransaction
    ) throws(CortexError) {
        let oldSet = Set(old)
        let newSet = Set(new)
        for removed in oldSet.subtracting(newSet) {
            try entries.delete(KeyPair(removed, primaryKey), in: &transaction)
        }
        for added in newSet.subtracting(oldSet) {
            try entries.put(EmptyValue(), for: KeyPair(added, primaryKey), in: &transaction)
        }
    }

    /// Primary keys filed under `indexKey`, in primary-key order.
    public func primaryKeys(
        for indexKey: IndexKey, in transaction: borrowing some Transaction & ~Copyable, limit: Int = .max
    ) throws(CortexError) -> [PrimaryKey] {
        var found: [PrimaryKey] = []
        guard limit > 0 else { return found }
        try entries.forEach(in: transaction, prefix: indexKey) { entry, _ in
            found.append(entry.second)
            return found.count < limit
        }
        return found
    }
}

extension SecondaryIndex {
    /// Builds an index added after its table had entries: when the index is empty and `table` is not, files
    /// `entries(key, value)` of every row, in one write transaction (a full scan). Every later write keeps the
    /// index in step, so afterwards a call costs two counts. Returns how many index entries it wrote.
    @discardableResult
    public func backfill<Key: OrderedKey, Value: TableValue>(
        from table: Table<Key, Value>, in environment: Environment, entries: (Key, Value) -> [(IndexKey, PrimaryKey)]
    ) throws(CortexError) -> Int {
        let index = self.entries
        guard try index.count(in: environment) == 0, try table.count(in: environment) > 0 else { return 0 }
        return try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> Int in
            guard try index.count(in: transaction) == 0 else { return 0 }
            var pending: [(IndexKey, PrimaryKey)] = []
            try table.forEach(in: transaction) { key, value in
                pending.append(contentsOf: entries(key, value))
                return true
            }
            for (indexKey, primaryKey) in pending { try index.put(EmptyValue(), for: KeyPair(indexKey, primaryKey), in: &transaction) }
            return pending.count
        }
    }
}

/// A table whose writes keep a set of secondary indexes in step.
public struct IndexedTable<Key: OrderedKey, Value: TableValue>: Sendable {
    /// Re-files one record in one index, given its old and new value.
    public typealias Maintainer = @Sendable (Key, Value?, Value?, inout WriteTransaction) throws(CortexError) -> Void

    public let base: Table<Key, Value>
    private let maintainers: [Maintainer]

    public init(_ base: Table<Key, Value>) {
        self.base = base
        self.maintainers = []
    }

    private init(base: Table<Key, Value>, maintainers: [Maintainer]) {
        self.base = base
        self.maintainers = maintainers
    }

    /// Adds an index whose keys for a value are `indexKeys(value)`.
    public func indexed<IndexKey>(
        by index: SecondaryIndex<IndexKey, Key>, keys indexKeys: @escaping @Sendable (Value) -> [IndexKey]
    ) -> IndexedTable {
        let maintainer: Maintainer = { (key: Key, old: Value?, new: Value?, transaction: inout WriteTransaction) throws(CortexError) in
            try index.update(
                primaryKey: key, from: old.map(indexKeys) ?? [], to: new.map(indexKeys) ?? [], in: &transaction)
        }
        return IndexedTable(base: base, maintainers: maintainers + [maintainer])
    }

    public func get(_ key: Key, in transaction: borrowing some Transaction & ~Copyable) throws(CortexError) -> Value? {
        try base.get(key, in: transaction)
    }

    /// Stores `value` and re-files it in every index.
    public func put(_ value: Value, for key: Key, in transaction: inout WriteTransaction) throws(CortexError) {
        let old = try base.get(key, in: transaction)
        try base.put(value, for: key, in: &transaction)
        for maintain in maintainers { try maintain(key, old, value, &transaction) }
    }

    /// Removes `key` and its index entries; returns whether it existed.
    @discardableResult
    public func delete(_ key: Key, in transaction: inout WriteTransaction) throws(CortexError) -> Bool {
        guard let old = try base.get(key, in: transaction) else { return false }
        try base.delete(key, in: &transaction)
        for maintain in maintainers { try maintain(key, old, nil, &transaction) }
        return true
    }
}
