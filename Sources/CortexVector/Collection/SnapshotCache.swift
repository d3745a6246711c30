import CortexCore
import CortexStorage
import Synchronization

/// Per collection: the chunk pointers of the latest snapshot read, shared by
/// every query of that snapshot (resolving costs one cursor pass over the
/// chunk keys, so it happens once per committed change, not per query).
final class SnapshotCache: Sendable {
    private let latest = Mutex<SnapshotGraph?>(nil)
    /// Filters evaluated recently, per snapshot.
    let filters = FilterCache()
    /// Scratch buffers reused across queries (one per concurrent query).
    private let scratchPool = Mutex<[SearchScratch]>([])

    static func attachmentKey(_ collectionID: UInt32) -> String { "vector.snapshot.\(collectionID)" }

    /// The graph as of `transaction`'s snapshot; resolves it if the cached one is older.
    func graph(
        in transaction: borrowing some Transaction & ~Copyable, store: VectorStore, descriptor: CollectionDescriptor
    ) throws(CortexError) -> SnapshotGraph {
        let snapshotID = transaction.snapshotID
        if let cached = latest.withLock({ $0 }), cached.snapshotID == snapshotID { return cached }
        let state = try store.states.get(descriptor.id, in: transaction) ?? GraphState()
        let layout = GraphLayout(
            dimension: descriptor.configuration.dimension, m: descriptor.configuration.m,
            pqSubquantizers: descriptor.configuration.pqSubquantizers ?? 0)
        let table = try ChunkResolver.resolve(in: transaction, chunks: store.chunks, collectionID: descriptor.id, layout: layout)
        let quantizer = try store.quantizers.get(descriptor.id, in: transaction)
        let productQuantizer = try store.productQuantizers.get(descriptor.id, in: transaction)
        let graph = SnapshotGraph(
            layout: layout, snapshotID: snapshotID, state: state, quantizer: quantizer, productQuantizer: productQuantizer, table: table)
        latest.withLock { current in
            if current == nil || current!.snapshotID < snapshotID { current = graph }
        }
        return graph
    }

    func takeScratch() -> SearchScratch {
        scratchPool.withLock { $0.popLast() } ?? SearchScratch()
    }

    func returnScratch(_ scratch: SearchScratch) {
        scratchPool.withLock { pool in if pool.count < 64 { pool.append(scratch) } }
    }
}

/// Reads the base pointers of a collection's chunks in one cursor pass.
enum ChunkResolver {
    static func resolve(
        in transaction: borrowing some Transaction & ~Copyable, chunks: Table<KeyTriple<UInt32, UInt32, UInt32>, [UInt8]>,
        collectionID: UInt32, layout: GraphLayout
    ) throws(CortexError) -> ChunkTable {
        var table = ChunkTable(capacity: 64)
        var failure: CortexError?
        try unsafe transaction.scan(database: chunks.database, range: .prefix(collectionID.encodedKey)) { key, value in
            // Key layout: 3 × big-endian UInt32 (collection, kind << 8 | level, chunk) = 12 bytes.
            guard key.count == 12 else {
                failure = .corrupt("vector chunk key of collection \(collectionID) has \(key.count) bytes")
                return false
            }
            let component = unsafe bigEndianUInt32(key, at: 4)
            let chunk = Int(unsafe bigEndianUInt32(key, at: 8))
            guard let kind = ChunkKind(rawValue: component >> 8) else {
                failure = .corrupt("vector chunk of collection \(collectionID) has unknown kind \(component >> 8)")
                return false
            }
            let level = Int(component & 0xFF)
            guard value.count == layout.chunkByteCount(kind) else {
                failure = .corrupt("vector chunk \(kind) \(chunk) of collection \(collectionID) is \(value.count) bytes; expected \(layout.chunkByteCount(kind))")
                return false
            }
            guard kind != .upper || (1...30).contains(level) else {
                failure = .corrupt("vector chunk of collection \(collectionID) has level \(level)")
                return false
            }
            unsafe table.set(row: ChunkTable.row(kind, level: level), chunk: chunk, value.baseAddress)
            return true
        }
        if let failure {
            table.release()
            throw failure
        }
        return table
    }

    private static func bigEndianUInt32(_ buffer: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        var value: UInt32 = 0
        for index in offset..<(offset + 4) { value = value << 8 | UInt32(unsafe buffer[index]) }
        return value
    }
}
