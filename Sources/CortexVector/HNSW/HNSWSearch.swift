import CVectorKernels

/// Layer searches of HNSW (Malkov & Yashunin, 2018, Algorithms 2 and 5)
/// over any ``GraphMemory``: a committed snapshot or a batch being written.
struct HNSWSearch<Memory: GraphMemory> {
    let memory: Memory
    let metric: Metric

    var dimension: Int { memory.layout.dimension }

    @inline(__always)
    func distance(_ query: UnsafePointer<Float>, _ slot: UInt32) -> Float {
        unsafe DistanceKernels.distance(metric, query, memory.vector(slot), dimension: dimension)
    }

    /// Greedy walk on `level` (ef = 1): moves to a closer neighbour until none is closer.
    func greedyClosest(_ query: UnsafePointer<Float>, from start: (distance: Float, slot: UInt32), level: Int) -> (distance: Float, slot: UInt32) {
        var best = start
        var improved = true
        while improved {
            improved = false
            let (links, count) = unsafe memory.neighbours(best.slot, level: level)
            for index in 0..<count {
                let candidate = unsafe links[index]
                let candidateDistance = unsafe distance(query, candidate)
                if candidateDistance < best.distance {
                    best = (candidateDistance, candidate)
                    improved = true
                }
            }
        }
        return best
    }

    /// Descends from the entry point to level `target + 1` greedily; returns the entry for level `target`.
    func descend(_ query: UnsafePointer<Float>, state: GraphState, to target: Int) -> (distance: Float, slot: UInt32) {
        var current = unsafe (distance(query, state.entryPoint), state.entryPoint)
        var level = Int(state.maxLevel)
        while level > target {
            current = unsafe greedyClosest(query, from: current, level: level)
            level -= 1
        }
        return current
    }

    /// Beam search on `level` from `entries`, keeping the `ef` closest in
    /// `scratch.results` (a max-heap). With `skipDeleted`, deleted nodes are
    /// traversed but never returned.
    func searchLayer(
        _ query: UnsafePointer<Float>, entries: [(distance: Float, slot: UInt32)], ef: Int, level: Int,
        slotCount: Int, skipDeleted: Bool, scratch: SearchScratch
    ) {
        scratch.visited.reset(slotCount: slotCount)
        scratch.candidates.removeAll()
        scratch.results.removeAll()
        for entry in entries where scratch.visited.insert(entry.slot) {
            scratch.candidates.push(entry.distance, entry.slot)
            if !skipDeleted || !memory.isDeleted(entry.slot) { scratch.results.push(entry.distance, entry.slot) }
        }
        var lowerBound = scratch.results.isEmpty ? Float.infinity : scratch.results.topDistance
        while !scratch.candidates.isEmpty {
            let nearest = scratch.candidates.topDistance
            if nearest > lowerBound && scratch.results.count >= ef { break }
            let current = scratch.candidates.pop().slot
            // The next node to expand is likely the new top: start loading its links now.
            if !scratch.candidates.isEmpty {
                unsafe ck_prefetch(memory.record(.level0, level: 0, index: scratch.candidates.topSlot))
            }
            let gathered = gatherUnvisited(current, level: level, scratch: scratch)
            guard gathered > 0 else { continue }
            unsafe DistanceKernels.distances(
                metric, query, rows: scratch.rowPointers, count: gathered, dimension: dimension, into: scratch.rowDistances)
            for index in 0..<gathered {
                let candidateDistance = unsafe scratch.rowDistances[index]
                guard scratch.results.count < ef || candidateDistance < lowerBound else { continue }
                let slot = unsafe scratch.rowSlots[index]
                scratch.candidates.push(candidateDistance, slot)
                if !skipDeleted || !memory.isDeleted(slot) {
                    scratch.results.push(candidateDistance, slot)
                    if scratch.results.count > ef { scratch.results.pop() }
                }
                if !scratch.results.isEmpty { lowerBound = scratch.results.topDistance }
            }
        }
    }

    /// Collects the not-yet-visited neighbours of `slot` and their vector
    /// pointers into the scratch rows; returns how many.
    @inline(__always)
    private func gatherUnvisited(_ slot: UInt32, level: Int, scratch: SearchScratch) -> Int {
        let (links, count) = unsafe memory.neighbours(slot, level: level)
        precondition(count <= SearchScratch.rowCapacity, "node \(slot) has \(count) links; the limit is \(SearchScratch.rowCapacity)")
        for index in 0..<count { unsafe ck_prefetch(scratch.visited.markAddress(links[index])) }
        var gathered = 0
        for index in 0..<count {
            let neighbour = unsafe links[index]
            guard scratch.visited.insert(neighbour) else { continue }
            // In bounds: gathered ≤ count ≤ rowCapacity.
            unsafe scratch.rowSlots[gathered] = neighbour
            unsafe scratch.rowPointers[gathered] = memory.vector(neighbour)
            gathered += 1
        }
        return gathered
    }

    /// k nearest live nodes: greedy descent, then a beam of width max(ef, k) on level 0.
    func nearest(_ query: UnsafePointer<Float>, state: GraphState, k: Int, ef: Int, scratch: SearchScratch) -> [(distance: Float, slot: UInt32)] {
        guard state.entryPoint != GraphLayout.noNode else { return [] }
        let entry = unsafe descend(query, state: state, to: 0)
        unsafe searchLayer(
            query, entries: [entry], ef: max(ef, k), level: 0, slotCount: Int(state.slotCount), skipDeleted: true, scratch: scratch)
        return Array(scratch.results.sortedAscending().prefix(k))
    }
}
