public import CortexCore
import CortexStorage

/// One search result.
public struct SearchHit: Sendable, Equatable {
    public var id: String
    /// Smaller is closer; see ``Metric`` for the formula.
    public var distance: Float
}

/// What an upsert did.
public struct UpsertSummary: Sendable, Equatable {
    public var inserted: Int
    public var updated: Int

    public init(inserted: Int, updated: Int) {
        self.inserted = inserted
        self.updated = updated
    }
}

/// A vector collection in one tenant environment: records with a vector,
/// optional metadata and document, searchable by an HNSW graph stored on
/// LMDB pages and read in place.
public struct VectorCollection: Sendable {
    public let store: VectorStore
    public let descriptor: CollectionDescriptor
    let cache: SnapshotCache

    init(store: VectorStore, descriptor: CollectionDescriptor) {
        self.store = store
        self.descriptor = descriptor
        cache = store.environment.attachment(SnapshotCache.attachmentKey(descriptor.id)) { SnapshotCache() }
    }

    var configuration: CollectionConfiguration { descriptor.configuration }
    var layout: GraphLayout {
        GraphLayout(dimension: configuration.dimension, m: configuration.m, pqSubquantizers: configuration.pqSubquantizers ?? 0)
    }

    // MARK: Validation

    /// Checks one vector; returns it ready to store (unit length for cosine).
    func prepared(_ vector: [Float], label: String) throws(CortexError) -> [Float] {
        guard vector.count == configuration.dimension else {
            throw .invalidInput("\(label) has \(vector.count) dimensions; collection '\(configuration.name)' expects \(configuration.dimension)")
        }
        if let bad = vector.firstIndex(where: { !$0.isFinite }) {
            throw .invalidInput("\(label) has a non-finite component (\(vector[bad])) at index \(bad)")
        }
        guard configuration.metric == .cosine else { return vector }
        // Divide by the largest magnitude first: squaring components near the
        // float32 limit would overflow the norm (and tiny ones underflow it).
        var largest: Float = 0
        for component in vector { largest = max(largest, abs(component)) }
        guard largest > 0 else { throw .invalidInput("\(label) is all zeros; cosine distance is undefined for it") }
        var norm: Float = 0
        for component in vector { norm += (component / largest) * (component / largest) }
        let length = norm.squareRoot()
        return vector.map { ($0 / largest) / length }
    }

    func validateID(_ id: String) throws(CortexError) {
        let count = id.utf8.count
        guard count > 0 else { throw .invalidInput("record id is empty") }
        guard count <= VectorLimits.recordIDByteCountMax else {
            throw .invalidInput("record id is \(count) bytes; the limit is \(VectorLimits.recordIDByteCountMax)")
        }
    }

    // MARK: Writes

    /// Inserts or replaces records (matched by id) in one transaction.
    ///
    /// The whole batch is validated first: a bad record fails the call and changes nothing.
    public func upsertSync(_ batch: [VectorRecord]) throws(CortexError) -> UpsertSummary {
        let vectors = try preparedBatch(batch)
        let collection = self
        return try store.environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> UpsertSummary in
            try collection.applyUpsert(batch, vectors: vectors, in: &transaction)
        }
    }

    /// ``upsertSync(_:)`` with the transaction on the storage worker pool.
    public func upsert(_ batch: [VectorRecord]) async throws(CortexError) -> UpsertSummary {
        let vectors = try preparedBatch(batch)
        let collection = self
        return try await store.environment.write { (transaction: inout WriteTransaction) throws(CortexError) -> UpsertSummary in
            try collection.applyUpsert(batch, vectors: vectors, in: &transaction)
        }
    }

    /// Validates a batch; returns its vectors ready to store.
    func preparedBatch(_ batch: [VectorRecord]) throws(CortexError) -> [[Float]] {
        guard batch.count <= VectorLimits.batchCountMax else {
            throw .tooLarge("batch has \(batch.count) records; the limit is \(VectorLimits.batchCountMax)")
        }
        var seen = Set<String>()
        var vectors: [[Float]] = []
        vectors.reserveCapacity(batch.count)
        for (index, record) in batch.enumerated() {
            try validateID(record.id)
            guard seen.insert(record.id).inserted else { throw .invalidInput("record id '\(record.id)' appears twice in the batch") }
            vectors.append(try prepared(record.vector, label: "vector of record \(index) ('\(record.id)')"))
        }
        return vectors
    }

    /// Writes a validated batch. With `keepingOrder`, a replaced record keeps its place in
    /// insertion order (its sequence); otherwise it moves to the end, as a new record does.
    func applyUpsert(
        _ batch: [VectorRecord], vectors: [[Float]], keepingOrder: Bool = false, in transaction: inout WriteTransaction
    ) throws(CortexError) -> UpsertSummary {
        let id = descriptor.id
        var state = try store.states.get(id, in: transaction) ?? GraphState()
        let table = try ChunkResolver.resolve(in: transaction, chunks: store.chunks, collectionID: id, layout: layout)
        let graph = MutableGraph(layout: layout, collectionID: id, table: table)
        if configuration.quantization == .int8, !vectors.isEmpty, try store.quantizers.get(id, in: transaction) == nil {
            let fitted = ScalarQuantizer.fit(vectors, metric: configuration.metric, dimension: configuration.dimension)
            try store.quantizers.put(fitted, for: id, in: &transaction)
        }
        let productQuantizer = try store.productQuantizers.get(id, in: transaction)
        var summary = UpsertSummary(inserted: 0, updated: 0)
        // One inserter (and one scratch space) for the whole batch; the state travels with it.
        var inserter = try makeInserter(graph: graph, state: state, in: transaction)
        for (record, vector) in zip(batch, vectors) {
            var keptSequence: UInt64?
            if let oldSlot = try store.ids.get(KeyPair(id, record.id), in: transaction) {
                if keepingOrder { keptSequence = try store.records.get(KeyPair(id, oldSlot), in: transaction)?.sequence }
                try removeRecord(slot: oldSlot, inserter: &inserter, in: &transaction)
                summary.updated += 1
            } else {
                summary.inserted += 1
            }
            let free = try store.freeSlots.first(in: transaction, range: .from(KeyPair(id, 0), through: KeyPair(id, UInt32.max)))?.key
            if let free { try store.freeSlots.delete(free, in: &transaction) }
            let slot = unsafe vector.withUnsafeBufferPointer { unsafe inserter.insert($0.baseAddress!, reusing: free?.second) }
            let sequence: UInt64
            if let keptSequence {
                sequence = keptSequence
            } else {
                sequence = inserter.state.nextSequence
                inserter.state.nextSequence += 1
            }
            try store.ids.put(slot, for: KeyPair(id, record.id), in: &transaction)
            try store.records.put(
                StoredVectorRecord(id: record.id, sequence: sequence, metadata: record.metadata, document: record.document),
                for: KeyPair(id, slot), in: &transaction)
            try store.order.put(slot, for: KeyPair(id, sequence), in: &transaction)
        }
        state = inserter.state
        if productQuantizer == nil, let pq = configuration.pqSubquantizers, state.liveCount >= UInt32(VectorLimits.pqTrainingCount) {
            try trainProductQuantizer(subquantizers: pq, graph: graph, state: state, in: &transaction)
        }
        try graph.flush(into: store.chunks, transaction: &transaction)
        try store.states.put(state, for: id, in: &transaction)
        return summary
    }

    /// Trains PQ on an even sample of the live vectors and encodes every slot
    /// (deleted ones too, so the code arrays have no holes).
    private func trainProductQuantizer(
        subquantizers: Int, graph: MutableGraph, state: GraphState, in transaction: inout WriteTransaction
    ) throws(CortexError) {
        let dimension = configuration.dimension
        let live = (0..<state.slotCount).filter { !graph.isDeleted($0) }
        let step = max(1, live.count / VectorLimits.pqTrainingSampleMax)
        let sample = stride(from: 0, to: live.count, by: step).map { index in
            unsafe Array(UnsafeBufferPointer(start: graph.vector(live[index]), count: dimension))
        }
        let quantizer = ProductQuantizer.train(sample: sample, m: subquantizers, seed: UInt64(descriptor.id))
        for slot in 0..<state.slotCount {
            let codes = unsafe graph.mutableRecord(.pqCodes, index: slot).bindMemory(to: UInt8.self, capacity: subquantizers)
            unsafe quantizer.encode(graph.vector(slot), into: codes)
        }
        try store.productQuantizers.put(quantizer, for: descriptor.id, in: &transaction)
    }

    /// Marks a slot deleted, repairs its neighbours' links, drops its record
    /// rows (not its id row) and files the slot for reuse.
    private func removeRecord(slot: UInt32, inserter: inout HNSWInserter, in transaction: inout WriteTransaction) throws(CortexError) {
        let id = descriptor.id
        if let record = try store.records.get(KeyPair(id, slot), in: transaction) {
            try store.order.delete(KeyPair(id, record.sequence), in: &transaction)
        }
        try store.records.delete(KeyPair(id, slot), in: &transaction)
        let header = unsafe inserter.graph.mutableRecord(.level0, index: slot)
        unsafe header.storeBytes(of: header.load(as: UInt32.self) | GraphLayout.deletedFlag, as: UInt32.self)
        inserter.state.liveCount -= 1
        inserter.repairNeighbours(ofDeleted: slot)
        // The entry point keeps routing searches even when deleted, so it is never reused.
        if slot != inserter.state.entryPoint {
            try store.freeSlots.put(EmptyValue(), for: KeyPair(id, slot), in: &transaction)
        }
    }

    /// An inserter over `graph` for this collection's settings.
    private func makeInserter(graph: MutableGraph, state: GraphState, in transaction: borrowing WriteTransaction) throws(CortexError) -> HNSWInserter {
        var inserter = HNSWInserter(
            graph: graph, metric: configuration.metric, efConstruction: configuration.efConstruction, state: state,
            levelSeed: UInt64(descriptor.id) &* 0x2545_F491_4F6C_DD1D,
            quantizer: try store.quantizers.get(descriptor.id, in: transaction))
        inserter.productQuantizer = try store.productQuantizers.get(descriptor.id, in: transaction)
        return inserter
    }

    /// Deletes records by id; returns how many existed.
    public func deleteSync(ids recordIDs: [String]) throws(CortexError) -> Int {
        for recordID in recordIDs { try validateID(recordID) }
        let collection = self
        return try store.environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> Int in
            let id = collection.descriptor.id
            let state = try collection.store.states.get(id, in: transaction) ?? GraphState()
            let table = try ChunkResolver.resolve(in: transaction, chunks: collection.store.chunks, collectionID: id, layout: collection.layout)
            let graph = MutableGraph(layout: collection.layout, collectionID: id, table: table)
            var inserter = try collection.makeInserter(graph: graph, state: state, in: transaction)
            var removed = 0
            for recordID in Set(recordIDs).sorted() {
                guard let slot = try collection.store.ids.get(KeyPair(id, recordID), in: transaction) else { continue }
                try collection.removeRecord(slot: slot, inserter: &inserter, in: &transaction)
                try collection.store.ids.delete(KeyPair(id, recordID), in: &transaction)
                removed += 1
            }
            try graph.flush(into: collection.store.chunks, transaction: &transaction)
            try collection.store.states.put(inserter.state, for: id, in: &transaction)
            return removed
        }
    }

    // MARK: Reads

    /// Live records.
    public func count() throws(CortexError) -> Int {
        Int((try store.states.get(descriptor.id, in: store.environment) ?? GraphState()).liveCount)
    }

    /// The `k` nearest live records to `vector` that pass `filter`, closest first.
    ///
    /// Unfiltered and broad filters search the graph; a filter that matches
    /// few records (≤ 20 % of them, or ≤ 2,048) is answered exactly over the
    /// matching set, so recall does not depend on selectivity.
    public func query(_ vector: [Float], k: Int, ef: Int? = nil, filter: RecordFilter? = nil) throws(CortexError) -> [SearchHit] {
        guard (1...VectorLimits.kMax).contains(k) else { throw .invalidInput("k must be 1-\(VectorLimits.kMax); got \(k)") }
        let ef = ef ?? configuration.efSearch
        guard (1...VectorLimits.efMax).contains(ef) else { throw .invalidInput("ef must be 1-\(VectorLimits.efMax); got \(ef)") }
        let query = try prepared(vector, label: "query vector")
        let collection = self
        return try store.environment.read { (transaction: borrowing ReadTransaction) throws(CortexError) -> [SearchHit] in
            let graph = try collection.cache.graph(in: transaction, store: collection.store, descriptor: collection.descriptor)
            var allowed: SlotSet?
            if let filter, !filter.isEmpty {
                let set = try collection.matchingSlots(filter, in: transaction, graph: graph)
                guard set.count > 0 else { return [] }
                allowed = set
            }
            let scratch = collection.cache.takeScratch()
            let nearest = unsafe query.withUnsafeBufferPointer { buffer in
                unsafe collection.nearest(buffer.baseAddress!, in: graph, k: k, ef: ef, allowed: allowed, scratch: scratch)
            }
            collection.cache.returnScratch(scratch)
            var hits: [SearchHit] = []
            hits.reserveCapacity(nearest.count)
            for (distance, slot) in nearest {
                guard let record = try collection.store.records.get(KeyPair(collection.descriptor.id, slot), in: transaction) else {
                    throw .corrupt("collection '\(collection.configuration.name)': live slot \(slot) has no record")
                }
                hits.append(SearchHit(id: record.id, distance: distance))
            }
            return hits
        }
    }

    /// The k nearest live slots: navigate (on int8 codes when the collection
    /// has them), then re-rank the ef candidates with exact float32 distances.
    private func nearest(
        _ query: UnsafePointer<Float>, in graph: SnapshotGraph, k: Int, ef requestedEF: Int, allowed: SlotSet?, scratch: SearchScratch
    ) -> [(distance: Float, slot: UInt32)] {
        let exact = unsafe FloatOracle(memory: graph, metric: configuration.metric, query: query)
        var ef = requestedEF
        if let allowed {
            let live = max(Int(graph.state.liveCount), 1)
            if allowed.count <= max(2_048, live / 5) { return exactNearest(exact, among: allowed, k: k) }
            // A broad filter: widen the beam by the inverse selectivity so ef results still pass it.
            ef = min(VectorLimits.efMax, (requestedEF * live + allowed.count - 1) / allowed.count)
        }
        if let productQuantizer = graph.productQuantizer {
            let oracle = unsafe ProductQuantizationOracle(
                memory: graph, metric: configuration.metric, table: productQuantizer.byteTable(for: query, metric: configuration.metric))
            let candidates = HNSWSearch(memory: graph, oracle: oracle).candidates(
                state: graph.state, ef: max(ef, k), allowed: allowed, scratch: scratch)
            return rerank(candidates, exact: exact, k: k)
        }
        guard let quantizer = graph.quantizer else {
            return Array(HNSWSearch(memory: graph, oracle: exact)
                .candidates(state: graph.state, ef: max(ef, k), allowed: allowed, scratch: scratch).prefix(k))
        }
        var codes = [Int8](repeating: 0, count: configuration.dimension)
        unsafe codes.withUnsafeMutableBufferPointer { unsafe quantizer.encode(query, dimension: configuration.dimension, into: $0.baseAddress!) }
        let candidates = unsafe codes.withUnsafeBufferPointer { buffer in
            let oracle = unsafe Int8Oracle(
                memory: graph, metric: configuration.metric, query: buffer.baseAddress!, scaleSquared: quantizer.scale * quantizer.scale)
            return HNSWSearch(memory: graph, oracle: oracle).candidates(state: graph.state, ef: max(ef, k), allowed: allowed, scratch: scratch)
        }
        return rerank(candidates, exact: exact, k: k)
    }

    /// Exact k nearest among `allowed` (brute force with the gathered float32 kernel).
    private func exactNearest(_ exact: FloatOracle<SnapshotGraph>, among allowed: SlotSet, k: Int) -> [(distance: Float, slot: UInt32)] {
        var best = DistanceHeap(isMax: true, capacity: k + 1)
        defer { best.release() }
        let chunk = SearchScratch.rowCapacity
        let rows = UnsafeMutablePointer<UnsafeRawPointer?>.allocate(capacity: chunk)
        let distances = UnsafeMutablePointer<Float>.allocate(capacity: chunk)
        let ints = UnsafeMutablePointer<Int32>.allocate(capacity: chunk)
        defer {
            unsafe rows.deallocate()
            unsafe distances.deallocate()
            unsafe ints.deallocate()
        }
        var start = 0
        while start < allowed.count {
            let count = min(chunk, allowed.count - start)
            for index in 0..<count { unsafe rows[index] = exact.row(allowed.slots[start + index]) }
            unsafe exact.distances(rows: rows, count: count, into: distances, ints: ints)
            for index in 0..<count {
                let distance = unsafe distances[index]
                guard best.count < k || distance < best.topDistance else { continue }
                best.push(distance, allowed.slots[start + index])
                if best.count > k { best.pop() }
            }
            start += count
        }
        return best.sortedAscending()
    }

    /// The live slots passing `filter` in this snapshot (cached per snapshot and filter).
    func matchingSlots(
        _ filter: RecordFilter, in transaction: borrowing ReadTransaction, graph: SnapshotGraph
    ) throws(CortexError) -> SlotSet {
        if let cached = cache.filters.lookup(snapshotID: graph.snapshotID, filter: filter) { return cached }
        var slots: [UInt32] = []
        try store.records.forEach(in: transaction, prefix: descriptor.id) { key, record in
            if filter.matches(record) { slots.append(key.second) }
            return true
        }
        let set = SlotSet(slots: slots, slotCount: Int(graph.state.slotCount))
        cache.filters.store(snapshotID: graph.snapshotID, filter: filter, set: set)
        return set
    }

    /// Exact float32 distances for the navigation's candidates (gathered,
    /// with prefetch: the vectors are cold); the k best.
    private func rerank(
        _ candidates: [(distance: Float, slot: UInt32)], exact: FloatOracle<SnapshotGraph>, k: Int
    ) -> [(distance: Float, slot: UInt32)] {
        let count = candidates.count
        let rows = UnsafeMutablePointer<UnsafeRawPointer?>.allocate(capacity: max(count, 1))
        let distances = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        let ints = UnsafeMutablePointer<Int32>.allocate(capacity: max(count, 1))
        defer {
            unsafe rows.deallocate()
            unsafe distances.deallocate()
            unsafe ints.deallocate()
        }
        for index in 0..<count { unsafe rows[index] = exact.row(candidates[index].slot) }
        unsafe exact.distances(rows: rows, count: count, into: distances, ints: ints)
        var reranked: [(distance: Float, slot: UInt32)] = []
        reranked.reserveCapacity(count)
        for index in 0..<count {
            let distance: Float = unsafe distances[index]
            reranked.append((distance: distance, slot: candidates[index].slot))
        }
        reranked.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.slot < $1.slot) }
        return Array(reranked.prefix(k))
    }

    /// Records by id (missing ids are skipped), in the order asked, optionally with vectors.
    public func get(ids recordIDs: [String], includeVectors: Bool = false) throws(CortexError) -> [VectorRecord] {
        let collection = self
        return try store.environment.read { (transaction: borrowing ReadTransaction) throws(CortexError) -> [VectorRecord] in
            let graph = try collection.cache.graph(in: transaction, store: collection.store, descriptor: collection.descriptor)
            var found: [VectorRecord] = []
            for recordID in recordIDs {
                guard let slot = try collection.store.ids.get(KeyPair(collection.descriptor.id, recordID), in: transaction),
                      let record = try collection.store.records.get(KeyPair(collection.descriptor.id, slot), in: transaction) else { continue }
                let vector = includeVectors
                    ? unsafe Array(UnsafeBufferPointer(start: graph.vector(slot), count: collection.configuration.dimension)) : []
                found.append(VectorRecord(id: record.id, vector: vector, metadata: record.metadata, document: record.document))
            }
            return found
        }
    }
}

extension VectorCollection {
    /// Checks the graph's structure and that every live slot has its record
    /// and id; throws `.corrupt` naming the first inconsistency. Cost: O(slots).
    public func verify() throws(CortexError) -> CollectionVerification {
        let collection = self
        return try store.environment.read { (transaction: borrowing ReadTransaction) throws(CortexError) -> CollectionVerification in
            let graph = try collection.cache.graph(in: transaction, store: collection.store, descriptor: collection.descriptor)
            let report = try GraphVerifier(graph: graph).verify(collectionName: collection.configuration.name)
            let id = collection.descriptor.id
            var idCount = 0
            var failure: CortexError?
            try collection.store.ids.forEach(in: transaction, prefix: id) { key, slot in
                idCount += 1
                guard slot < graph.state.slotCount, !graph.isDeleted(slot) else {
                    failure = .corrupt("collection '\(collection.configuration.name)': id '\(key.second)' points to slot \(slot), which is not live")
                    return false
                }
                return true
            }
            if let failure { throw failure }
            guard idCount == report.liveCount else {
                throw .corrupt("collection '\(collection.configuration.name)': \(idCount) ids for \(report.liveCount) live nodes")
            }
            try collection.store.freeSlots.forEach(in: transaction, prefix: id) { key, _ in
                guard key.second < graph.state.slotCount, graph.isDeleted(key.second), key.second != graph.state.entryPoint else {
                    failure = .corrupt("collection '\(collection.configuration.name)': free slot \(key.second) is live, the entry point or out of range")
                    return false
                }
                return true
            }
            if let failure { throw failure }
            let recordCount = try collection.store.records.count(in: transaction, prefix: id)
            guard recordCount == report.liveCount else {
                throw .corrupt("collection '\(collection.configuration.name)': \(recordCount) records for \(report.liveCount) live nodes")
            }
            return report
        }
    }
}

extension VectorCollection {
    /// Live records in insertion order, skipping `offset`, at most `limit`.
    public func list(offset: Int = 0, limit: Int = 100, includeVectors: Bool = false) throws(CortexError) -> [VectorRecord] {
        try checkPage(offset: offset, limit: limit)
        let collection = self
        return try store.environment.read { (transaction: borrowing ReadTransaction) throws(CortexError) -> [VectorRecord] in
            let graph = try collection.cache.graph(in: transaction, store: collection.store, descriptor: collection.descriptor)
            return try collection.recordsInOrder(
                in: transaction, graph: graph, offset: offset, limit: limit, includeVectors: includeVectors) { _ in true }
        }
    }

    private func checkPage(offset: Int, limit: Int) throws(CortexError) {
        guard offset >= 0 else { throw .invalidInput("offset must be ≥ 0; got \(offset)") }
        guard (0...VectorLimits.batchCountMax).contains(limit) else {
            throw .invalidInput("limit must be 0-\(VectorLimits.batchCountMax); got \(limit)")
        }
    }

    /// Walks `vector.order` (insertion order), keeping the slots `accept` admits,
    /// skipping `offset` of them and returning at most `limit` records.
    private func recordsInOrder(
        in transaction: borrowing ReadTransaction, graph: SnapshotGraph, offset: Int, limit: Int, includeVectors: Bool,
        accept: (UInt32) -> Bool
    ) throws(CortexError) -> [VectorRecord] {
        guard limit > 0 else { return [] }
        var skipped = 0
        var found: [VectorRecord] = []
        var failure: CortexError?
        try store.order.forEach(in: transaction, prefix: descriptor.id) { _, slot in
            guard accept(slot) else { return true }
            guard skipped >= offset else {
                skipped += 1
                return true
            }
            do throws(CortexError) {
                guard let record = try store.records.get(KeyPair(descriptor.id, slot), in: transaction) else {
                    failure = .corrupt("collection '\(configuration.name)': listed slot \(slot) has no record")
                    return false
                }
                let vector = includeVectors ? unsafe Array(UnsafeBufferPointer(start: graph.vector(slot), count: configuration.dimension)) : []
                found.append(VectorRecord(id: record.id, vector: vector, metadata: record.metadata, document: record.document))
            } catch {
                failure = error
                return false
            }
            return found.count < limit
        }
        if let failure { throw failure }
        return found
    }
}

extension VectorCollection {
    /// Bytes per vector of what the graph search reads while navigating: the
    /// level-0 links, the upper levels (expected share) and the navigation
    /// representation (float32 vectors, or int8 codes). Exact float32
    /// vectors read only to re-rank the final candidates are not counted.
    public var navigationBytesPerVector: Double {
        let layout = self.layout
        let upperLevelsPerNode = 1 / Double(configuration.m - 1)  // E[levels ≥ 1] for mL = 1/ln m
        let representation = configuration.pqSubquantizers
            ?? (configuration.quantization == .int8 ? layout.codeStride : layout.vectorStride)
        return Double(layout.level0Stride + representation) + upperLevelsPerNode * Double(layout.upperStride)
    }
}

extension VectorCollection {
    /// Records passing `filter`, in insertion order, skipping `offset`, at most `limit`.
    public func get(filter: RecordFilter, offset: Int = 0, limit: Int = 100, includeVectors: Bool = false) throws(CortexError) -> [VectorRecord] {
        try checkPage(offset: offset, limit: limit)
        let collection = self
        return try store.environment.read { (transaction: borrowing ReadTransaction) throws(CortexError) -> [VectorRecord] in
            let graph = try collection.cache.graph(in: transaction, store: collection.store, descriptor: collection.descriptor)
            let allowed = try collection.matchingSlots(filter, in: transaction, graph: graph)
            guard allowed.count > offset else { return [] }
            return try collection.recordsInOrder(
                in: transaction, graph: graph, offset: offset, limit: limit, includeVectors: includeVectors) { allowed.contains($0) }
        }
    }

    /// Deletes every record passing `filter` (an empty filter is refused: use ids); returns how many.
    /// Works in transactions of up to ``VectorLimits/batchCountMax`` records until none match.
    public func deleteSync(filter: RecordFilter) throws(CortexError) -> Int {
        guard !filter.isEmpty else { throw .invalidInput("delete needs ids or a non-empty filter") }
        var removed = 0
        while true {
            let ids = try get(filter: filter, limit: VectorLimits.batchCountMax).map(\.id)
            guard !ids.isEmpty else { return removed }
            removed += try deleteSync(ids: ids)
        }
    }
}
