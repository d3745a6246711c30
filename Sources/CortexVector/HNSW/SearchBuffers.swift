/// A binary heap of (distance, slot) pairs; `isMax` orders the worst (largest) first.
///
/// Storage is two parallel arrays so distances stay contiguous for comparisons.
struct DistanceHeap {
    private(set) var distances: [Float] = []
    private(set) var slots: [UInt32] = []
    let isMax: Bool

    init(isMax: Bool, capacity: Int) {
        self.isMax = isMax
        distances.reserveCapacity(capacity)
        slots.reserveCapacity(capacity)
    }

    var count: Int { distances.count }
    var isEmpty: Bool { distances.isEmpty }
    /// The top element's distance (max or min); only when non-empty.
    var topDistance: Float { distances[0] }
    var topSlot: UInt32 { slots[0] }

    mutating func removeAll() {
        distances.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private func outranks(_ a: Float, _ b: Float) -> Bool { isMax ? a > b : a < b }

    @inline(__always)
    mutating func push(_ distance: Float, _ slot: UInt32) {
        distances.append(distance)
        slots.append(slot)
        var child = distances.count - 1
        while child > 0 {
            let parent = (child - 1) >> 1
            guard outranks(distances[child], distances[parent]) else { break }
            distances.swapAt(child, parent)
            slots.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    @inline(__always)
    mutating func pop() -> (distance: Float, slot: UInt32) {
        let top = (distances[0], slots[0])
        let lastDistance = distances.removeLast()
        let lastSlot = slots.removeLast()
        let count = distances.count
        guard count > 0 else { return top }
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            let right = left + 1
            let best = right < count && outranks(distances[right], distances[left]) ? right : left
            guard outranks(distances[best], lastDistance) else { break }
            distances[parent] = distances[best]
            slots[parent] = slots[best]
            parent = best
        }
        distances[parent] = lastDistance
        slots[parent] = lastSlot
        return top
    }

    /// Elements sorted by ascending distance (consumes nothing).
    func sortedAscending() -> [(distance: Float, slot: UInt32)] {
        zip(distances, slots).map { ($0, $1) }.sorted { $0.distance < $1.distance || ($0.distance == $1.distance && $0.slot < $1.slot) }
    }
}

/// Which slots a search has seen, reset in O(1) by bumping an epoch.
struct VisitedSet {
    private var marks: [UInt16] = []
    private var epoch: UInt16 = 0

    /// Prepares for a search over `slotCount` slots.
    mutating func reset(slotCount: Int) {
        if marks.count < slotCount { marks.append(contentsOf: repeatElement(0, count: slotCount - marks.count)) }
        if epoch == UInt16.max {
            for index in marks.indices { marks[index] = 0 }
            epoch = 0
        }
        epoch += 1
    }

    /// Marks `slot`; returns true if it was not yet visited.
    @inline(__always)
    mutating func insert(_ slot: UInt32) -> Bool {
        let index = Int(slot)
        if marks[index] == epoch { return false }
        marks[index] = epoch
        return true
    }
}

/// Reusable per-search scratch space (heaps, visited marks, gather buffers).
///
/// `@unchecked Sendable`: a scratch is owned by one search at a time; it moves
/// into and out of a pool, and the row pointers it holds are cleared before reuse.
@safe struct SearchScratch: @unchecked Sendable {
    var visited = VisitedSet()
    var candidates = DistanceHeap(isMax: false, capacity: 512)
    var results = DistanceHeap(isMax: true, capacity: 512)
    var rowPointers: [UnsafePointer<Float>?] = unsafe []
    var rowSlots: [UInt32] = []
    var rowDistances: [Float] = []

    init() {
        unsafe rowPointers.reserveCapacity(256)
    }
}
