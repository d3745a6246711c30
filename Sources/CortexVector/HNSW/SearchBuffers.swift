/// A binary heap of (distance, slot) pairs; `isMax` puts the largest distance on top.
///
/// Manually managed storage (two parallel arrays) so the search loop pays no
/// bounds checks, uniqueness checks or reference counting.
@safe struct DistanceHeap {
    private var distances: UnsafeMutablePointer<Float>
    private var slots: UnsafeMutablePointer<UInt32>
    private var capacity: Int
    private(set) var count = 0
    let isMax: Bool

    init(isMax: Bool, capacity: Int) {
        self.isMax = isMax
        self.capacity = max(capacity, 16)
        unsafe distances = .allocate(capacity: self.capacity)
        unsafe slots = .allocate(capacity: self.capacity)
    }

    /// Frees the storage; the heap must not be used afterwards.
    func release() {
        unsafe distances.deallocate()
        unsafe slots.deallocate()
    }

    var isEmpty: Bool { count == 0 }
    /// The top element's distance; only when non-empty.
    var topDistance: Float { unsafe distances[0] }
    var topSlot: UInt32 { unsafe slots[0] }

    mutating func removeAll() { count = 0 }

    @inline(__always)
    private func outranks(_ a: Float, _ b: Float) -> Bool { isMax ? a > b : a < b }

    @inline(__always)
    mutating func push(_ distance: Float, _ slot: UInt32) {
        if count == capacity { grow() }
        var child = count
        count += 1
        // Sift up by moving parents down into the hole; in bounds: child < count ≤ capacity.
        while child > 0 {
            let parent = (child - 1) >> 1
            let parentDistance = unsafe distances[parent]
            guard outranks(distance, parentDistance) else { break }
            unsafe distances[child] = parentDistance
            unsafe slots[child] = slots[parent]
            child = parent
        }
        unsafe distances[child] = distance
        unsafe slots[child] = slot
    }

    @discardableResult
    @inline(__always)
    mutating func pop() -> (distance: Float, slot: UInt32) {
        let top = unsafe (distances[0], slots[0])
        count -= 1
        guard count > 0 else { return top }
        let lastDistance = unsafe distances[count]
        let lastSlot = unsafe slots[count]
        var parent = 0
        // Sift down; in bounds: every index read is < count.
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            let right = left + 1
            let best = unsafe right < count && outranks(distances[right], distances[left]) ? right : left
            let bestDistance = unsafe distances[best]
            guard outranks(bestDistance, lastDistance) else { break }
            unsafe distances[parent] = bestDistance
            unsafe slots[parent] = slots[best]
            parent = best
        }
        unsafe distances[parent] = lastDistance
        unsafe slots[parent] = lastSlot
        return top
    }

    /// Elements sorted by ascending distance, ties by slot (the heap is unchanged).
    func sortedAscending() -> [(distance: Float, slot: UInt32)] {
        var items: [(distance: Float, slot: UInt32)] = []
        items.reserveCapacity(count)
        for index in 0..<count { items.append(unsafe (distances[index], slots[index])) }
        return items.sorted { $0.distance < $1.distance || ($0.distance == $1.distance && $0.slot < $1.slot) }
    }

    private mutating func grow() {
        let newCapacity = capacity * 2
        let newDistances = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity)
        let newSlots = UnsafeMutablePointer<UInt32>.allocate(capacity: newCapacity)
        unsafe newDistances.update(from: distances, count: count)
        unsafe newSlots.update(from: slots, count: count)
        release()
        unsafe distances = newDistances
        unsafe slots = newSlots
        capacity = newCapacity
    }
}

/// Which slots a search has seen, reset in O(1) by bumping an epoch.
@safe struct VisitedSet {
    private var marks: UnsafeMutablePointer<UInt16>
    private var capacity = 0
    private var epoch: UInt16 = 0

    init() { unsafe marks = .allocate(capacity: 1) }

    func release() { unsafe marks.deallocate() }

    /// Prepares for a search over `slotCount` slots.
    mutating func reset(slotCount: Int) {
        if slotCount > capacity {
            let newCapacity = max(slotCount, capacity * 2, 1024)
            unsafe marks.deallocate()
            unsafe marks = .allocate(capacity: newCapacity)
            unsafe marks.initialize(repeating: 0, count: newCapacity)
            capacity = newCapacity
            epoch = 0
        }
        if epoch == UInt16.max {
            unsafe marks.update(repeating: 0, count: capacity)
            epoch = 0
        }
        epoch += 1
    }

    /// Marks `slot`; returns true if it was not yet visited. Precondition: slot < slotCount of the last reset.
    @inline(__always)
    mutating func insert(_ slot: UInt32) -> Bool {
        let index = Int(slot)
        if unsafe marks[index] == epoch { return false }
        unsafe marks[index] = epoch
        return true
    }

    /// Address of a slot's mark, for prefetching.
    @inline(__always)
    func markAddress(_ slot: UInt32) -> UnsafeRawPointer { unsafe UnsafeRawPointer(marks + Int(slot)) }
}

/// Reusable per-search scratch space (heaps, visited marks, gather buffers).
///
/// `@unchecked Sendable`: a scratch is owned by one search at a time; it moves
/// into and out of a pool. A class so its buffers are freed exactly once.
@safe final class SearchScratch: @unchecked Sendable {
    /// Gather buffers hold one node's neighbours: at most 2 × m ≤ 2 × VectorLimits.mMax.
    static let rowCapacity = 2 * VectorLimits.mMax
    var visited = VisitedSet()
    var candidates = DistanceHeap(isMax: false, capacity: 512)
    var results = DistanceHeap(isMax: true, capacity: 512)
    let rowPointers = UnsafeMutablePointer<UnsafeRawPointer?>.allocate(capacity: rowCapacity)
    let rowInts = UnsafeMutablePointer<Int32>.allocate(capacity: rowCapacity)
    let rowSlots = UnsafeMutablePointer<UInt32>.allocate(capacity: rowCapacity)
    let rowDistances = UnsafeMutablePointer<Float>.allocate(capacity: rowCapacity)

    init() {}

    deinit {
        visited.release()
        candidates.release()
        results.release()
        unsafe rowPointers.deallocate()
        unsafe rowSlots.deallocate()
        unsafe rowDistances.deallocate()
        unsafe rowInts.deallocate()
    }
}
