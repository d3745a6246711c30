import CortexCore
import CortexStorage

/// A graph being changed inside one write transaction.
///
/// Clean chunks are read in place from the transaction; the first write to a
/// chunk copies it into a private buffer (copy-on-write), and ``flush(into:)``
/// stores every dirty chunk with `MDB_RESERVE` before the commit. So a batch
/// of inserts rewrites each touched chunk once, however many records in it change.
@safe final class MutableGraph: GraphMemory {
    let layout: GraphLayout
    let collectionID: UInt32
    private var table: ChunkTable
    /// Dirty buffers by (row of `table`, chunk); each owns `chunkByteCount` bytes.
    private var dirty: [ChunkAddress: UnsafeMutableRawPointer] = unsafe [:]

    struct ChunkAddress: Hashable {
        let row: Int
        let chunk: Int
    }

    init(layout: GraphLayout, collectionID: UInt32, table: ChunkTable) {
        self.layout = layout
        self.collectionID = collectionID
        self.table = table
    }

    deinit {
        for unsafe buffer in unsafe dirty.values { unsafe buffer.deallocate() }
        table.release()
    }

    @inline(__always)
    func chunkBase(_ kind: ChunkKind, level: Int, chunk: Int) -> UnsafeRawPointer? {
        unsafe table.base(row: ChunkTable.row(kind, level: level), chunk: chunk)
    }

    /// A writable pointer to a record, making its chunk dirty (and creating it zeroed if new).
    func mutableRecord(_ kind: ChunkKind, level: Int = 0, index: UInt32) -> UnsafeMutableRawPointer {
        let chunk = Int(index >> UInt32(GraphLayout.slotsPerChunkShift))
        let row = ChunkTable.row(kind, level: level)
        let address = ChunkAddress(row: row, chunk: chunk)
        let buffer: UnsafeMutableRawPointer
        if let existing = unsafe dirty[address] {
            unsafe buffer = existing
        } else {
            unsafe buffer = makeDirty(address, kind: kind)
        }
        // In bounds: index & mask < slotsPerChunk records of `stride` bytes.
        return unsafe buffer + Int(index & GraphLayout.slotMask) * layout.stride(kind)
    }

    private func makeDirty(_ address: ChunkAddress, kind: ChunkKind) -> UnsafeMutableRawPointer {
        let byteCount = layout.chunkByteCount(kind)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        if let clean = unsafe table.base(row: address.row, chunk: address.chunk) {
            unsafe buffer.copyMemory(from: clean, byteCount: byteCount)
        } else {
            unsafe buffer.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        }
        unsafe table.set(row: address.row, chunk: address.chunk, UnsafeRawPointer(buffer))
        unsafe dirty[address] = buffer
        return unsafe buffer
    }

    /// Stores every dirty chunk in `table` (key `(collection, kind|level, chunk)`).
    func flush(into table: Table<KeyTriple<UInt32, UInt32, UInt32>, [UInt8]>, transaction: inout WriteTransaction) throws(CortexError) {
        for unsafe (address, buffer) in unsafe dirty {
            let (kind, level) = ChunkTable.kind(ofRow: address.row)
            let key = KeyTriple(collectionID, kind.keyComponent(level: level), UInt32(address.chunk))
            let byteCount = layout.chunkByteCount(kind)
            try unsafe transaction.putReserved(database: table.database, key: key.encodedKey, byteCount: byteCount) { target in
                unsafe target.baseAddress!.copyMemory(from: buffer, byteCount: byteCount)
            }
        }
    }

    /// Number of chunks written so far (for tests and statistics).
    var dirtyChunkCount: Int { unsafe dirty.count }
}
