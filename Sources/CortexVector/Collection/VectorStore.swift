public import CortexCore
public import CortexStorage

/// The vector collections of one environment (one tenant).
///
/// Tables (shared by all collections; the collection id leads every key):
/// `vector.collections` name → descriptor, `vector.meta` counters,
/// `vector.state` id → ``GraphState``, `vector.chunks` (id, kind|level,
/// chunk) → graph chunk, `vector.ids` (id, record id) → slot,
/// `vector.records` (id, slot) → record, `vector.order` (id, sequence) → slot,
/// `vector.quantizers` id → ``ScalarQuantizer`` (int8 collections),
/// `vector.pq` id → ``ProductQuantizer`` (PQ collections, once trained),
/// `vector.free` (id, slot) → ∅: deleted, repaired slots waiting for reuse.
public struct VectorStore: Sendable {
    public let environment: Environment
    let clock: any EpochClock
    let collections: Table<String, CollectionDescriptor>
    let meta: Table<String, UInt64>
    let states: Table<UInt32, GraphState>
    let chunks: Table<KeyTriple<UInt32, UInt32, UInt32>, [UInt8]>
    let ids: Table<KeyPair<UInt32, String>, UInt32>
    let records: Table<KeyPair<UInt32, UInt32>, StoredVectorRecord>
    let order: Table<KeyPair<UInt32, UInt64>, UInt32>
    let quantizers: Table<UInt32, ScalarQuantizer>
    let productQuantizers: Table<UInt32, ProductQuantizer>
    let freeSlots: Table<KeyPair<UInt32, UInt32>, EmptyValue>

    /// Opens (creating on first use) the vector tables of `environment`.
    public init(environment: Environment, clock: any EpochClock = SystemEpochClock()) throws(CortexError) {
        self.environment = environment
        self.clock = clock
        collections = try environment.table("vector.collections")
        meta = try environment.table("vector.meta")
        states = try environment.table("vector.state")
        chunks = try environment.table("vector.chunks")
        ids = try environment.table("vector.ids")
        records = try environment.table("vector.records")
        order = try environment.table("vector.order")
        quantizers = try environment.table("vector.quantizers")
        productQuantizers = try environment.table("vector.pq")
        freeSlots = try environment.table("vector.free")
    }

    /// Creates a collection; `.conflict` if the name is taken.
    public func create(_ configuration: CollectionConfiguration) throws(CortexError) -> VectorCollection {
        try configuration.validate()
        let store = self
        let descriptor = try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> CollectionDescriptor in
            guard try store.collections.get(configuration.name, in: transaction) == nil else {
                throw .conflict("collection '\(configuration.name)' already exists")
            }
            let next = try store.meta.get("next_collection_id", in: transaction) ?? 1
            guard next < UInt64(UInt32.max) else { throw .tooLarge("collection ids exhausted in this environment") }
            try store.meta.put(next + 1, for: "next_collection_id", in: &transaction)
            let descriptor = CollectionDescriptor(id: UInt32(next), configuration: configuration, createdAt: store.clock.nowMilliseconds())
            try store.collections.put(descriptor, for: configuration.name, in: &transaction)
            try store.states.put(GraphState(), for: descriptor.id, in: &transaction)
            return descriptor
        }
        return VectorCollection(store: self, descriptor: descriptor)
    }

    /// Opens a collection by name; `.notFound` if it does not exist.
    public func collection(named name: String) throws(CortexError) -> VectorCollection {
        guard let descriptor = try collections.get(name, in: environment) else {
            throw .notFound("collection '\(name)' does not exist")
        }
        return VectorCollection(store: self, descriptor: descriptor)
    }

    /// Every collection, ordered by name.
    public func list() throws(CortexError) -> [CollectionDescriptor] {
        try environment.read { transaction throws(CortexError) in try collections.entries(in: transaction).map(\.value) }
    }

    /// Deletes a collection and all its data in one transaction (on the storage worker pool).
    public func delete(named name: String) async throws(CortexError) {
        let store = self
        let id = try await environment.write { (transaction: inout WriteTransaction) throws(CortexError) -> UInt32 in
            try store.removeCollection(named: name, in: &transaction)
        }
        environment.removeAttachment(SnapshotCache.attachmentKey(id))
    }

    /// ``delete(named:)`` on the calling thread (tools, and servers that run blocking work on their own pool).
    public func deleteSync(named name: String) throws(CortexError) {
        let store = self
        let id = try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> UInt32 in
            try store.removeCollection(named: name, in: &transaction)
        }
        environment.removeAttachment(SnapshotCache.attachmentKey(id))
    }

    /// Removes every row of the named collection; returns its id.
    private func removeCollection(named name: String, in transaction: inout WriteTransaction) throws(CortexError) -> UInt32 {
        guard let descriptor = try collections.get(name, in: transaction) else {
            throw .notFound("collection '\(name)' does not exist")
        }
        let id = descriptor.id
        try collections.delete(name, in: &transaction)
        try states.delete(id, in: &transaction)
        try quantizers.delete(id, in: &transaction)
        try productQuantizers.delete(id, in: &transaction)
        try Self.removePrefix(chunks, id, in: &transaction)
        try Self.removePrefix(ids, id, in: &transaction)
        try Self.removePrefix(records, id, in: &transaction)
        try Self.removePrefix(order, id, in: &transaction)
        try Self.removePrefix(freeSlots, id, in: &transaction)
        return id
    }

    private static func removePrefix<K: OrderedKey, V>(_ table: Table<K, V>, _ id: UInt32, in transaction: inout WriteTransaction) throws(CortexError) {
        var keys: [[UInt8]] = []
        try unsafe transaction.scan(database: table.database, range: .prefix(id.encodedKey)) { key, _ in
            keys.append(unsafe Array(key))
            return true
        }
        for key in keys { try transaction.delete(database: table.database, key: key) }
    }
}
