import CortexCore
import CortexStorage

/// What ``VectorCollection/verify()`` checked.
public struct CollectionVerification: Sendable, Equatable {
    /// What the search navigates on now: `float32`, `int8` or `pq`.
    public var navigation: String
    public var slotCount: Int
    public var liveCount: Int
    public var deletedCount: Int
    public var linkCount: Int
}

/// Structural checks of a graph snapshot (STYLE.md §8): every invariant the
/// search relies on, so tests, the crash test and `cortex admin verify` can
/// tell a consistent collection from a damaged one.
struct GraphVerifier {
    let graph: SnapshotGraph

    func verify(collectionName name: String) throws(CortexError) -> CollectionVerification {
        let state = graph.state
        let layout = graph.layout
        let slotCount = state.slotCount
        func fail(_ message: String) -> CortexError { .corrupt("collection '\(name)': \(message)") }
        if slotCount == 0 {
            guard state.entryPoint == GraphLayout.noNode else { throw fail("empty graph has entry point \(state.entryPoint)") }
            return CollectionVerification(navigation: navigation, slotCount: 0, liveCount: 0, deletedCount: 0, linkCount: 0)
        }
        guard state.entryPoint < slotCount else { throw fail("entry point \(state.entryPoint) ≥ slot count \(slotCount)") }
        guard graph.nodeLevel(state.entryPoint) == Int(state.maxLevel) else {
            throw fail("entry point level \(graph.nodeLevel(state.entryPoint)) differs from max level \(state.maxLevel)")
        }
        var deleted = 0
        var links = 0
        var upperNodes = 0
        for slot in 0..<slotCount {
            guard unsafe graph.chunkBase(.vectors, level: 0, chunk: Int(slot) >> GraphLayout.slotsPerChunkShift) != nil,
                  unsafe graph.chunkBase(.level0, level: 0, chunk: Int(slot) >> GraphLayout.slotsPerChunkShift) != nil else {
                throw fail("slot \(slot) has no vector or link chunk")
            }
            if graph.isDeleted(slot) { deleted += 1 }
            let level = graph.nodeLevel(slot)
            guard level <= Int(state.maxLevel) else { throw fail("slot \(slot) has level \(level) > max level \(state.maxLevel)") }
            if level > 0 {
                upperNodes += 1
                guard graph.upperIndex(slot) < state.upperCount else { throw fail("slot \(slot) has upper index \(graph.upperIndex(slot))") }
            }
            for currentLevel in 0...level {
                let (neighbours, count) = unsafe graph.neighbours(slot, level: currentLevel)
                let capacity = currentLevel == 0 ? layout.m0 : layout.m
                guard count <= capacity else { throw fail("slot \(slot) has \(count) links on level \(currentLevel); capacity \(capacity)") }
                for index in 0..<count {
                    let neighbour = unsafe neighbours[index]
                    guard neighbour < slotCount, neighbour != slot else {
                        throw fail("slot \(slot) links to \(neighbour) on level \(currentLevel)")
                    }
                    guard graph.nodeLevel(neighbour) >= currentLevel else {
                        throw fail("slot \(slot) links on level \(currentLevel) to \(neighbour), whose level is \(graph.nodeLevel(neighbour))")
                    }
                }
                links += count
            }
        }
        guard UInt32(upperNodes) == state.upperCount else { throw fail("\(upperNodes) nodes above level 0; state says \(state.upperCount)") }
        guard Int(slotCount) - deleted == Int(state.liveCount) else {
            throw fail("\(Int(slotCount) - deleted) live slots; state says \(state.liveCount)")
        }
        let lastChunk = Int(slotCount - 1) >> GraphLayout.slotsPerChunkShift
        if graph.quantizer != nil {
            for chunk in 0...lastChunk where unsafe graph.chunkBase(.codes, level: 0, chunk: chunk) == nil {
                throw fail("int8 code chunk \(chunk) is missing")
            }
        }
        if graph.productQuantizer != nil {
            for chunk in 0...lastChunk where unsafe graph.chunkBase(.pqCodes, level: 0, chunk: chunk) == nil {
                throw fail("PQ code chunk \(chunk) is missing")
            }
        }
        return CollectionVerification(
            navigation: navigation, slotCount: Int(slotCount), liveCount: Int(state.liveCount), deletedCount: deleted, linkCount: links)
    }

    private var navigation: String {
        graph.productQuantizer != nil ? "pq" : (graph.quantizer != nil ? "int8" : "float32")
    }
}
