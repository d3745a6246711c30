import CortexCore
import CortexStorage
import CortexTesting
import CortexVector
import Synchronization
import Testing

@Suite struct ConcurrentSearchTests {
    /// Readers on several threads while a writer upserts: every query sees one
    /// committed snapshot (hits always resolve to records, never a torn state).
    @Test func queriesDuringWritesSeeConsistentSnapshots() async throws {
        var random = SeededGenerator.fromEnvironment()
        let data = ClusteredData(count: 2_400, queryCount: 30, dimension: 64, clusters: 20, random: &random)
        let fixture = try VectorFixture()
        defer { fixture.engine.close() }
        let collection = try fixture.store.create(CollectionConfiguration(name: "live", dimension: 64, m: 8, efConstruction: 64))
        _ = try collection.upsertSync((0..<200).map { VectorRecord(id: "r\($0)", vector: data.base[$0]) })
        let progress = Progress()
        try await withThrowingTaskGroup(of: Void.self) { group in
            let base = data.base
            group.addTask {
                defer { progress.finished.store(true, ordering: .releasing) }
                for start in stride(from: 200, to: data.base.count, by: 200) {
                    _ = try await collection.upsert((start..<(start + 200)).map { VectorRecord(id: "r\($0)", vector: base[$0]) })
                }
            }
            let queries = data.queries
            for reader in 0..<3 {
                group.addTask {
                    var index = reader
                    while !progress.finished.load(ordering: .acquiring) {
                        let hits = try collection.query(queries[index % queries.count], k: 10, ef: 32)
                        #expect(hits.count == 10)
                        #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.distance <= $1.distance })
                        progress.queries.add(1, ordering: .relaxed)
                        index += 3
                        await Task.yield()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(progress.queries.load(ordering: .relaxed) > 0)
        #expect(try collection.count() == 2_400)
        _ = try collection.verify()
    }
}

private final class Progress: Sendable {
    let finished = Atomic<Bool>(false)
    let queries = Atomic<Int>(0)
}
