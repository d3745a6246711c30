import CortexCore

/// Inserts nodes into a ``MutableGraph`` (Malkov & Yashunin, Algorithm 1,
/// with the neighbour-selection heuristic of Algorithm 4 as in hnswlib).
struct HNSWInserter {
    let graph: MutableGraph
    let metric: Metric
    let efConstruction: Int
    /// mL = 1 / ln(m): level of a node = floor(−ln(U) · mL).
    let levelMultiplier: Double
    let levelSeed: UInt64
    /// When set, every inserted node also gets int8 codes.
    let quantizer: ScalarQuantizer?
    /// When set, every inserted node also gets PQ codes.
    var productQuantizer: ProductQuantizer?
    var state: GraphState
    let scratch = SearchScratch()

    init(graph: MutableGraph, metric: Metric, efConstruction: Int, state: GraphState, levelSeed: UInt64, quantizer: ScalarQuantizer?) {
        self.graph = graph
        self.metric = metric
        self.efConstruction = efConstruction
        self.state = state
        self.levelSeed = levelSeed
        self.quantizer = quantizer
        levelMultiplier = 1 / Foundation_log(Double(graph.layout.m))
    }

    var layout: GraphLayout { graph.layout }

    /// Construction navigates on exact vectors (graph quality), whatever the queries use.
    private func search(from query: UnsafePointer<Float>) -> HNSWSearch<MutableGraph, FloatOracle<MutableGraph>> {
        unsafe HNSWSearch(memory: graph, oracle: FloatOracle(memory: graph, metric: metric, query: query))
    }

    @inline(__always)
    func distance(_ vector: UnsafePointer<Float>, _ slot: UInt32) -> Float {
        unsafe DistanceKernels.distance(metric, vector, graph.vector(slot), dimension: layout.dimension)
    }

    /// Adds a node holding `vector` (already normalised for cosine) and links it; returns its slot.
    ///
    /// With `freeSlot` (a deleted slot whose neighbours were repaired) the node
    /// reuses it, keeping its level and upper index, so churn does not grow the
    /// graph; otherwise a new slot is appended.
    mutating func insert(_ vector: UnsafePointer<Float>, reusing freeSlot: UInt32? = nil) -> UInt32 {
        let slot: UInt32
        let level: Int
        var upperIndex = GraphLayout.noNode
        if let freeSlot {
            precondition(graph.isDeleted(freeSlot) && freeSlot != state.entryPoint, "slot \(freeSlot) is not free")
            slot = freeSlot
            level = graph.nodeLevel(slot)
            upperIndex = graph.upperIndex(slot)
        } else {
            slot = state.slotCount
            state.slotCount += 1
            level = randomLevel(for: slot)
            if level > 0 {
                upperIndex = state.upperCount
                state.upperCount += 1
            }
        }
        state.liveCount += 1
        unsafe graph.mutableRecord(.vectors, index: slot).copyMemory(from: vector, byteCount: layout.vectorStride)
        if let quantizer {
            let codes = unsafe graph.mutableRecord(.codes, index: slot).bindMemory(to: Int8.self, capacity: layout.dimension)
            unsafe quantizer.encode(vector, dimension: layout.dimension, into: codes)
        }
        if let productQuantizer {
            let codes = unsafe graph.mutableRecord(.pqCodes, index: slot).bindMemory(to: UInt8.self, capacity: layout.pqSubquantizers)
            unsafe productQuantizer.encode(vector, into: codes)
        }
        // Header: no links yet, the level, no flags (a reused slot is live again).
        let header = unsafe graph.mutableRecord(.level0, index: slot)
        unsafe header.storeBytes(of: UInt32(level) << 16, as: UInt32.self)
        if level > 0 {
            for upperLevel in 1...level {
                unsafe graph.mutableRecord(.upper, level: upperLevel, index: upperIndex).storeBytes(of: 0, as: UInt32.self)
            }
        }
        unsafe header.storeBytes(of: upperIndex, toByteOffset: 4, as: UInt32.self)
        link(slot, level: level)
        return slot
    }

    private mutating func link(_ slot: UInt32, level: Int) {
        guard state.entryPoint != GraphLayout.noNode else {
            state.entryPoint = slot
            state.maxLevel = UInt32(level)
            return
        }
        let search = unsafe search(from: graph.vector(slot))
        let topLevel = Int(state.maxLevel)
        var entry = search.descend(state: state, to: level)
        for currentLevel in stride(from: min(level, topLevel), through: 0, by: -1) {
            // Deleted nodes still route the search but never become neighbours;
            // a reused slot can be reached through old links, but never links to itself.
            search.searchLayer(
                entries: [entry], ef: efConstruction, level: currentLevel,
                slotCount: Int(state.slotCount), skipDeleted: true, scratch: scratch)
            let candidates = scratch.results.sortedAscending().filter { $0.slot != slot }
            guard !candidates.isEmpty else { continue }
            let selected = selectNeighbours(candidates, limit: layout.m)
            setNeighbours(slot, level: currentLevel, selected)
            for neighbour in selected { addBackLink(from: neighbour, to: slot, level: currentLevel) }
            entry = candidates[0]
        }
        if level > topLevel {
            state.entryPoint = slot
            state.maxLevel = UInt32(level)
        }
    }

    /// hnswlib's heuristic: keep a candidate only if it is closer to the base
    /// than to every neighbour kept so far (spreads links across directions).
    func selectNeighbours(_ candidates: [(distance: Float, slot: UInt32)], limit: Int) -> [UInt32] {
        guard candidates.count > limit else { return candidates.map(\.slot) }
        var kept: [UInt32] = []
        kept.reserveCapacity(limit)
        for candidate in candidates {
            guard kept.count < limit else { break }
            let vector = unsafe graph.vector(candidate.slot)
            let dominated = kept.contains { other in unsafe distance(vector, other) < candidate.distance }
            if !dominated { kept.append(candidate.slot) }
        }
        return kept
    }

    private func setNeighbours(_ slot: UInt32, level: Int, _ neighbours: [UInt32]) {
        let (countPointer, links) = unsafe mutableLinks(slot, level: level)
        for (index, neighbour) in neighbours.enumerated() { unsafe links[index] = neighbour }
        unsafe writeCount(countPointer, neighbours.count, level: level)
    }

    private func addBackLink(from node: UInt32, to newNode: UInt32, level: Int) {
        let capacity = level == 0 ? layout.m0 : layout.m
        let (countPointer, links) = unsafe mutableLinks(node, level: level)
        let count = unsafe readCount(countPointer, level: level)
        if count < capacity {
            unsafe links[count] = newNode
            unsafe writeCount(countPointer, count + 1, level: level)
            return
        }
        // Full: re-select among the old links plus the new node, by distance from `node`.
        let base = unsafe graph.vector(node)
        var candidates = [(distance: unsafe distance(base, newNode), slot: newNode)]
        for index in 0..<count { candidates.append(unsafe (distance(base, links[index]), links[index])) }
        candidates.sort { $0.distance < $1.distance }
        let kept = selectNeighbours(candidates, limit: capacity)
        for (index, neighbour) in kept.enumerated() { unsafe links[index] = neighbour }
        unsafe writeCount(countPointer, kept.count, level: level)
    }

    /// (header word pointer, first link pointer) of a node's list on `level`, made writable.
    func mutableLinks(_ slot: UInt32, level: Int) -> (UnsafeMutableRawPointer, UnsafeMutablePointer<UInt32>) {
        if level == 0 {
            let record = unsafe graph.mutableRecord(.level0, index: slot)
            return unsafe (record, (record + 8).bindMemory(to: UInt32.self, capacity: layout.m0))
        }
        let record = unsafe graph.mutableRecord(.upper, level: level, index: graph.upperIndex(slot))
        return unsafe (record, (record + 4).bindMemory(to: UInt32.self, capacity: layout.m))
    }

    func readCount(_ header: UnsafeMutableRawPointer, level: Int) -> Int {
        let word = unsafe header.load(as: UInt32.self)
        return Int(level == 0 ? word & 0xFFFF : word)
    }

    func writeCount(_ header: UnsafeMutableRawPointer, _ count: Int, level: Int) {
        if level == 0 {
            let word = unsafe header.load(as: UInt32.self)
            unsafe header.storeBytes(of: (word & 0xFFFF_0000) | UInt32(count), as: UInt32.self)
        } else {
            unsafe header.storeBytes(of: UInt32(count), as: UInt32.self)
        }
    }

    /// Deterministic per slot (SplitMix64 of seed ⊕ slot), so rebuilding gives the same graph.
    private func randomLevel(for slot: UInt32) -> Int {
        var mixed = levelSeed ^ (UInt64(slot) &* 0x9E37_79B9_7F4A_7C15)
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        mixed ^= mixed >> 31
        let uniform = (Double(mixed >> 11) + 0.5) / Double(1 << 53)  // in (0, 1)
        return min(Int(-Foundation_log(uniform) * levelMultiplier), 30)
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func Foundation_log(_ x: Double) -> Double { Glibc.log(x) }
#endif
