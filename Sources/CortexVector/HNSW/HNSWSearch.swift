import CVectorKernels

/// Layer searches of HNSW (Malkov & Yashunin, 2018, Algorithms 2 and 5)
/// over any ``GraphMemory`` (a committed snapshot or a batch being written)
/// with any ``DistanceOracle`` (exact float32 or int8 codes).
struct HNSWSearch<Memory: GraphMemory, Oracle: DistanceOracle> {
    let memory: Memory
    let oracle: Oracle

    /// Greedy walk on `level` (ef = 1): moves to a closer neighbour until none is closer.
    func greedyClosest(from start: (distance: Float, slot: UInt32), level: Int) -> (distance: Float, slot: UInt32) {
        var best = start
        var improved = true
        while improved {
            improved = false
            let (links, count) = unsafe memory.neighbours(best.slot, level: level)
            for index in 0..<count {
                let candidate = unsafe links[index]
                let candidateDistance = oracle.distance(to: candidate)
                if candidateDistance < best.distance {
                    best = (candidateDistance, candidate)
                    improved = true
                }
            }
        }
        return best
    }

    /// Descends from the entry point to level `target + 1` greedily; returns the entry for level `target`.
    func descend(state: GraphState, to target: Int) -> (distance: Float, slot: UInt32) {
        var current = (oracle.distance(to: state.entryPoint), state.entryPoint)
        var level = Int(state.maxLevel)
        while level > target {
            current = greedyClosest(from: current, level: level)
            level -= 1
        }
        return current
    }

    /// Beam search on `level` from `entries`, keeping the `ef` closest in
    /// `scratch.results` (a max-heap). With `skipDeleted`, deleted nodes are
    /// traversed but never returned; with `allowed` (a bitset over slots that
    /// excludes deleted ones), only allowed nodes are returned.
    func searchLayer(
        entries: [(distance: Float, slot: UInt32)], ef: Int, level: Int,
        slotCount: Int, skipDeleted: Bool, allowed: SlotSet? = nil, scratch: SearchScratch
    ) {
        // Work on local copies of the scratch structs (they hold only pointers and
        // counts): class-property access in the loop would pay exclusivity checks.
        var visited = scratch.visited
        var candidates = scratch.candidates
        var results = scratch.results
        defer {
            scratch.visited = visited
            scratch.candidates = candidates
            scratch.results = results
        }
        visited.reset(slotCount: slotCount)
        candidates.removeAll()
        results.removeAll()
        @inline(__always) func returnable(_ slot: UInt32) -> Bool {
            if let allowed { return allowed.contains(slot) }
            return !skipDeleted || !memory.isDeleted(slot)
        }
        for entry in entries where visited.insert(entry.slot) {
            candidates.push(entry.distance, entry.slot)
            if returnable(entry.slot) { results.push(entry.distance, entry.slot) }
        }
        let rowPointers = unsafe scratch.rowPointers
        let rowSlots = unsafe scratch.rowSlots
        let rowDistances = unsafe scratch.rowDistances
        let rowInts = unsafe scratch.rowInts
        var lowerBound = results.isEmpty ? Float.infinity : results.topDistance
        while !candidates.isEmpty {
            let nearest = candidates.topDistance
            if nearest > lowerBound && results.count >= ef { break }
            let current = candidates.pop().slot
            // The next node to expand is likely the new top: start loading its links now.
            if !candidates.isEmpty {
                unsafe ck_prefetch(memory.record(.level0, level: 0, index: candidates.topSlot))
            }
            let gathered = unsafe gatherUnvisited(current, level: level, visited: &visited, slots: rowSlots, rows: rowPointers)
            guard gathered > 0 else { continue }
            unsafe oracle.distances(rows: rowPointers, count: gathered, into: rowDistances, ints: rowInts)
            for index in 0..<gathered {
                let candidateDistance = unsafe rowDistances[index]
                guard results.count < ef || candidateDistance < lowerBound else { continue }
                let slot = unsafe rowSlots[index]
                candidates.push(candidateDistance, slot)
                if returnable(slot) {
                    results.push(candidateDistance, slot)
                    if results.count > ef { results.pop() }
                }
                if !results.isEmpty { lowerBound = results.topDistance }
            }
        }
    }

    /// Collects the not-yet-visited neighbours of `slot` and their rows into
    /// the scratch buffers; returns how many.
    @inline(__always)
    private func gatherUnvisited(
        _ slot: UInt32, level: Int, visited: inout VisitedSet, slots: UnsafeMutablePointer<UInt32>,
        rows: UnsafeMutablePointer<UnsafeRawPointer?>
    ) -> Int {
        let (links, count) = unsafe memory.neighbours(slot, level: level)
        precondition(count <= SearchScratch.rowCapacity, "node \(slot) has \(count) links; the limit is \(SearchScratch.rowCapacity)")
        for index in 0..<count { unsafe ck_prefetch(visited.markAddress(links[index])) }
        var gathered = 0
        for index in 0..<count {
            let neighbour = unsafe links[index]
            guard visited.insert(neighbour) else { continue }
            // In bounds: gathered ≤ count ≤ rowCapacity.
            unsafe slots[gathered] = neighbour
            unsafe rows[gathered] = oracle.row(neighbour)
            gathered += 1
        }
        return gathered
    }

    /// The `ef` best live candidates on level 0 after a greedy descent (approximate distances).
    func candidates(state: GraphState, ef: Int, allowed: SlotSet? = nil, scratch: SearchScratch) -> [(distance: Float, slot: UInt32)] {
        guard state.entryPoint != GraphLayout.noNode else { return [] }
        let entry = descend(state: state, to: 0)
        searchLayer(
            entries: [entry], ef: ef, level: 0, slotCount: Int(state.slotCount), skipDeleted: true, allowed: allowed, scratch: scratch)
        return scratch.results.sortedAscending()
    }
}
