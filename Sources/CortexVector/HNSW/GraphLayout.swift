/// Byte layout of one collection's graph: fixed-size records in chunks.
///
/// Every per-node array is cut into chunks of ``slotsPerChunk`` records; a
/// chunk is one LMDB value (key `(collection, kind, chunk)` in
/// `vector.chunks`), which LMDB stores in contiguous overflow pages, so a
/// record is found by arithmetic from the chunk's base pointer:
/// `base[slot >> shift] + (slot & mask) * stride`.
///
/// Records (all little-endian):
/// - vectors: `[dimension] float32`;
/// - level 0: `[u32 header][u32 upperIndex][m0 × u32 neighbour slot]`, header
///   bits 0–15 neighbour count, 16–23 node level, 24–31 flags (bit 0: deleted);
///   `upperIndex` numbers the nodes with level ≥ 1 densely (`UInt32.max` if none);
/// - level l ≥ 1: `[u32 count][m × u32 neighbour slot]`, indexed by upperIndex,
///   one chunk array per level;
/// - codes (collections navigated by int8): `[dimension] int8`, the vector
///   quantized by the collection's ``ScalarQuantizer``;
/// - PQ codes (collections with PQ): `[pqSubquantizers] uint8`, one centroid index per subspace.
struct GraphLayout: Sendable, Equatable {
    static let slotsPerChunkShift = 8
    static let slotsPerChunk = 1 << slotsPerChunkShift
    static let slotMask = UInt32(slotsPerChunk - 1)
    static let noNode = UInt32.max
    static let deletedFlag: UInt32 = 1 << 24

    let dimension: Int
    /// Links per node on levels ≥ 1.
    let m: Int
    /// Links per node on level 0.
    let m0: Int
    /// PQ code bytes per vector (0 without PQ).
    let pqSubquantizers: Int

    init(dimension: Int, m: Int, pqSubquantizers: Int = 0) {
        precondition(dimension > 0 && m >= 2, "layout needs a positive dimension and m ≥ 2")
        self.dimension = dimension
        self.m = m
        self.m0 = 2 * m
        self.pqSubquantizers = pqSubquantizers
    }

    var vectorStride: Int { dimension * MemoryLayout<Float>.size }
    var level0Stride: Int { 8 + 4 * m0 }
    var upperStride: Int { 4 + 4 * m }
    var codeStride: Int { dimension }

    func chunkByteCount(_ kind: ChunkKind) -> Int {
        switch kind {
        case .vectors: Self.slotsPerChunk * vectorStride
        case .level0: Self.slotsPerChunk * level0Stride
        case .upper: Self.slotsPerChunk * upperStride
        case .codes: Self.slotsPerChunk * codeStride
        case .pqCodes: Self.slotsPerChunk * max(pqSubquantizers, 1)
        }
    }

    func stride(_ kind: ChunkKind) -> Int {
        switch kind {
        case .vectors: vectorStride
        case .level0: level0Stride
        case .upper: upperStride
        case .codes: codeStride
        case .pqCodes: pqSubquantizers
        }
    }
}

/// The per-node arrays of a graph. Raw values are part of the on-disk key.
enum ChunkKind: UInt32, Sendable, CaseIterable {
    case vectors = 1
    case level0 = 2
    case upper = 3
    case codes = 4
    case pqCodes = 5

    /// The second key component: kind in bits 8+, level (for `upper`) in bits 0–7.
    func keyComponent(level: Int = 0) -> UInt32 { rawValue << 8 | UInt32(level) }
}
