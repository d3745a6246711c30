public import CortexCore
import CortexStorage

extension VectorCollection {
    /// Writes records computed from the stored ones, reading and writing in one write
    /// transaction, so a read-modify-write (add-if-absent, or an update that merges metadata
    /// into the stored record) cannot interleave with another writer of the environment.
    ///
    /// `merge` is called once per id, in order, with the stored record (vector included, as
    /// stored: unit length in cosine collections) or nil when the id is absent; it returns the
    /// record to write, whose id must be the one it was called with, or nil to leave the id as
    /// it is. A replaced record keeps its place in insertion order. Everything `merge` returns
    /// is validated (ids, dimensions, finite components) before the first write, so a bad
    /// record, or an error thrown by `merge`, changes nothing.
    ///
    /// - Precondition: `recordIDs` are distinct.
    /// - Throws: `invalidInput` for a bad id or vector; `tooLarge` past ``VectorLimits/batchCountMax`` ids.
    /// - Cost: one write transaction; O(ids) lookups plus the inserts.
    public func mergeSync(
        ids recordIDs: [String], _ merge: (String, VectorRecord?) throws(CortexError) -> VectorRecord?
    ) throws(CortexError) -> UpsertSummary {
        guard recordIDs.count <= VectorLimits.batchCountMax else {
            throw .tooLarge("batch has \(recordIDs.count) records; the limit is \(VectorLimits.batchCountMax)")
        }
        precondition(Set(recordIDs).count == recordIDs.count, "mergeSync takes distinct ids")
        for recordID in recordIDs { try validateID(recordID) }
        let collection = self
        return try store.environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> UpsertSummary in
            let stored = try collection.storedRecords(recordIDs, in: transaction)
            var batch: [VectorRecord] = []
            batch.reserveCapacity(recordIDs.count)
            for (recordID, record) in zip(recordIDs, stored) {
                guard let next = try merge(recordID, record) else { continue }
                precondition(next.id == recordID, "merge returned record '\(next.id)' for id '\(recordID)'")
                batch.append(next)
            }
            let vectors = try collection.preparedBatch(batch)
            return try collection.applyUpsert(batch, vectors: vectors, keepingOrder: true, in: &transaction)
        }
    }

    /// The stored records (with vectors) of `recordIDs`, nil where absent, read inside a write
    /// transaction before it writes anything (the chunk pointers are the transaction's pages).
    private func storedRecords(_ recordIDs: [String], in transaction: borrowing WriteTransaction) throws(CortexError) -> [VectorRecord?] {
        let id = descriptor.id
        let graph = MutableGraph(
            layout: layout, collectionID: id,
            table: try ChunkResolver.resolve(in: transaction, chunks: store.chunks, collectionID: id, layout: layout))
        var found: [VectorRecord?] = []
        found.reserveCapacity(recordIDs.count)
        for recordID in recordIDs {
            guard let slot = try store.ids.get(KeyPair(id, recordID), in: transaction),
                  let record = try store.records.get(KeyPair(id, slot), in: transaction) else {
                found.append(nil)
                continue
            }
            // The slot is live (it has an id row), so its vector lies inside a stored chunk.
            let vector = unsafe Array(UnsafeBufferPointer(start: graph.vector(slot), count: configuration.dimension))
            found.append(VectorRecord(id: record.id, vector: vector, metadata: record.metadata, document: record.document))
        }
        return found
    }
}
