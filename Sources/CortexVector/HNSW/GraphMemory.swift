/// Read access to a graph's records by arithmetic on chunk base pointers.
///
/// Implementations resolve each chunk once (per snapshot or per write batch);
/// record accessors are then pointer arithmetic only. Pointers are valid
/// while the transaction the memory was built in is open.
protocol GraphMemory {
    var layout: GraphLayout { get }
    func chunkBase(_ kind: ChunkKind, level: Int, chunk: Int) -> UnsafeRawPointer?
}

extension GraphMemory {
    @inline(__always)
    func record(_ kind: ChunkKind, level: Int = 0, index: UInt32) -> UnsafeRawPointer {
        let chunk = Int(index >> UInt32(GraphLayout.slotsPerChunkShift))
        guard let base = unsafe chunkBase(kind, level: level, chunk: chunk) else {
            preconditionFailure("graph record \(kind) level \(level) index \(index) has no chunk: state and chunks disagree")
        }
        // In bounds: the chunk holds slotsPerChunk records of `stride` bytes and index & mask < slotsPerChunk.
        return unsafe base + Int(index & GraphLayout.slotMask) * layout.stride(kind)
    }

    @inline(__always)
    func vector(_ slot: UInt32) -> UnsafePointer<Float> {
        unsafe record(.vectors, index: slot).assumingMemoryBound(to: Float.self)
    }

    /// Level-0 header word: count | level << 16 | flags << 24.
    @inline(__always)
    func level0Header(_ slot: UInt32) -> UInt32 {
        unsafe record(.level0, index: slot).loadUnaligned(as: UInt32.self)
    }

    @inline(__always)
    func nodeLevel(_ slot: UInt32) -> Int { Int((level0Header(slot) >> 16) & 0xFF) }

    @inline(__always)
    func isDeleted(_ slot: UInt32) -> Bool { level0Header(slot) & GraphLayout.deletedFlag != 0 }

    @inline(__always)
    func upperIndex(_ slot: UInt32) -> UInt32 {
        unsafe record(.level0, index: slot).loadUnaligned(fromByteOffset: 4, as: UInt32.self)
    }

    /// The neighbour list of `slot` on `level`: (pointer to the first u32 slot, count).
    @inline(__always)
    func neighbours(_ slot: UInt32, level: Int) -> (UnsafePointer<UInt32>, Int) {
        if level == 0 {
            let base = unsafe record(.level0, index: slot)
            let count = Int(unsafe base.loadUnaligned(as: UInt32.self) & 0xFFFF)
            return unsafe ((base + 8).assumingMemoryBound(to: UInt32.self), count)
        }
        let base = unsafe record(.upper, level: level, index: upperIndex(slot))
        let count = Int(unsafe base.loadUnaligned(as: UInt32.self))
        return unsafe ((base + 4).assumingMemoryBound(to: UInt32.self), count)
    }
}

/// The chunk base pointers of one graph in one snapshot.
///
/// Built by scanning the collection's chunk keys once; shared by every query
/// that reads the same snapshot (`snapshotID`), which keeps the pages alive.
@safe final class SnapshotGraph: GraphMemory, @unchecked Sendable {
    // Invariant for @unchecked Sendable: immutable after init; the pointers
    // are only dereferenced inside read transactions of the same snapshot.
    let layout: GraphLayout
    let snapshotID: Int
    let state: GraphState
    /// Set for collections navigated by int8 codes (once they hold data).
    let quantizer: ScalarQuantizer?
    /// Set for PQ collections once trained; takes precedence over `quantizer`.
    let productQuantizer: ProductQuantizer?
    private let table: ChunkTable

    init(
        layout: GraphLayout, snapshotID: Int, state: GraphState, quantizer: ScalarQuantizer?,
        productQuantizer: ProductQuantizer?, table: ChunkTable
    ) {
        self.layout = layout
        self.snapshotID = snapshotID
        self.state = state
        self.quantizer = quantizer
        self.productQuantizer = productQuantizer
        self.table = table
    }

    deinit { table.release() }

    @inline(__always)
    func chunkBase(_ kind: ChunkKind, level: Int, chunk: Int) -> UnsafeRawPointer? {
        unsafe table.base(row: ChunkTable.row(kind, level: level), chunk: chunk)
    }
}
