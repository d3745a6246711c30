/// Repairing the graph around a deleted node, so deletions do not cut paths
/// and the slot can be reused (hnswlib's `repairConnectionsForUpdate` idea,
/// applied at delete time).
extension HNSWInserter {
    /// For every live neighbour that links to `slot`, replaces that link by
    /// re-selecting (with the heuristic) among its other links and `slot`'s links.
    func repairNeighbours(ofDeleted slot: UInt32) {
        precondition(graph.isDeleted(slot), "repair only around deleted nodes")
        for level in 0...graph.nodeLevel(slot) {
            let (links, count) = unsafe graph.neighbours(slot, level: level)
            let deletedLinks = (0..<count).map { unsafe links[$0] }
            for neighbour in deletedLinks where !graph.isDeleted(neighbour) {
                relink(neighbour, droppingDeleted: slot, replacements: deletedLinks, level: level)
            }
        }
    }

    private func relink(_ node: UInt32, droppingDeleted deleted: UInt32, replacements: [UInt32], level: Int) {
        let capacity = level == 0 ? layout.m0 : layout.m
        let (countPointer, links) = unsafe mutableLinks(node, level: level)
        let count = unsafe readCount(countPointer, level: level)
        let current = (0..<count).map { unsafe links[$0] }
        guard current.contains(deleted) else { return }
        var pool = Set(current)
        pool.remove(deleted)
        for candidate in replacements where candidate != node && !graph.isDeleted(candidate) && graph.nodeLevel(candidate) >= level {
            pool.insert(candidate)
        }
        let base = unsafe graph.vector(node)
        let candidates = pool.map { (distance: unsafe distance(base, $0), slot: $0) }
            .sorted { $0.distance < $1.distance || ($0.distance == $1.distance && $0.slot < $1.slot) }
        var kept = selectNeighbours(candidates, limit: capacity)
        // The node lost a link: fill up to capacity with the nearest candidates the heuristic pruned.
        if kept.count < capacity {
            let chosen = Set(kept)
            for candidate in candidates where kept.count < capacity && !chosen.contains(candidate.slot) { kept.append(candidate.slot) }
        }
        for (index, neighbour) in kept.enumerated() { unsafe links[index] = neighbour }
        unsafe writeCount(countPointer, kept.count, level: level)
    }
}
