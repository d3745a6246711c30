/// A flat table of chunk base pointers: `rows` arrays (vectors, level 0,
/// upper levels 1…) of up to `capacity` chunks each, in one allocation, so a
/// record lookup is two loads and no reference counting.
///
/// Row index: vectors 0, level 0 1, upper level l at 1 + l (l ≤ 30), codes 32, PQ codes 33.
@safe struct ChunkTable: @unchecked Sendable {
    // Invariant for @unchecked Sendable: owned by one SnapshotGraph (immutable
    // after it is built) or one MutableGraph (one writer); freed by `release()`.
    static let rowCount = 34
    private(set) var capacity: Int
    private var storage: UnsafeMutablePointer<UnsafeRawPointer?>

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        unsafe storage = .allocate(capacity: Self.rowCount * self.capacity)
        unsafe storage.initialize(repeating: nil, count: Self.rowCount * self.capacity)
    }

    static func row(_ kind: ChunkKind, level: Int) -> Int {
        switch kind {
        case .vectors: 0
        case .level0: 1
        case .upper: 1 + level
        case .codes: 32
        case .pqCodes: 33
        }
    }

    /// The inverse of ``row(_:level:)``.
    static func kind(ofRow row: Int) -> (ChunkKind, level: Int) {
        switch row {
        case 0: (.vectors, 0)
        case 1: (.level0, 0)
        case 32: (.codes, 0)
        case 33: (.pqCodes, 0)
        default: (.upper, row - 1)
        }
    }

    @inline(__always)
    func base(row: Int, chunk: Int) -> UnsafeRawPointer? {
        guard chunk < capacity else { return nil }
        // In bounds: row < rowCount (levels are capped at 30) and chunk < capacity.
        return unsafe storage[row * capacity + chunk]
    }

    /// Stores a base pointer, growing every row when `chunk` is beyond the capacity.
    mutating func set(row: Int, chunk: Int, _ pointer: UnsafeRawPointer?) {
        precondition(row < Self.rowCount, "chunk row \(row) out of range")
        if chunk >= capacity { grow(toFit: chunk) }
        unsafe storage[row * capacity + chunk] = pointer
    }

    private mutating func grow(toFit chunk: Int) {
        let newCapacity = max(chunk + 1, capacity * 2)
        let grown = UnsafeMutablePointer<UnsafeRawPointer?>.allocate(capacity: Self.rowCount * newCapacity)
        unsafe grown.initialize(repeating: nil, count: Self.rowCount * newCapacity)
        for row in 0..<Self.rowCount {
            unsafe (grown + row * newCapacity).update(from: storage + row * capacity, count: capacity)
        }
        unsafe storage.deallocate()
        unsafe storage = grown
        capacity = newCapacity
    }

    /// Frees the table; the value must not be used afterwards.
    func release() { unsafe storage.deallocate() }
}
