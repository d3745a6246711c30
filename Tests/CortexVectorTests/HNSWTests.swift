import CortexCore
import CortexStorage
import CortexTesting
import CortexVector
import Testing

@Suite struct HNSWTests {
    @Test(arguments: Metric.allCases)
    func recallMatchesBruteForceOnSeededClusters(_ metric: Metric) throws {
        var random = SeededGenerator.fromEnvironment()
        let data = ClusteredData(count: 3_000, queryCount: 60, dimension: 24, clusters: 40, random: &random)
        let fixture = try VectorFixture()
        defer { fixture.engine.close() }
        let collection = try fixture.store.create(CollectionConfiguration(name: "docs", dimension: 24, metric: metric, m: 12, efConstruction: 100))
        for start in stride(from: 0, to: data.base.count, by: 500) {
            let batch = (start..<min(start + 500, data.base.count)).map { VectorRecord(id: "r\($0)", vector: data.base[$0]) }
            _ = try collection.upsertSync(batch)
        }
        #expect(try collection.count() == 3_000)
        var total = 0.0
        for query in data.queries {
            let hits = try collection.query(query, k: 10, ef: 64)
            #expect(hits.count == 10)
            #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.distance <= $1.distance }, "sorted by distance")
            total += recall(hits.map(\.id), data.groundTruth(query, k: 10, metric: metric))
        }
        let mean = total / Double(data.queries.count)
        #expect(mean >= 0.95, "seed \(random.seed) metric \(metric): recall@10 \(mean)")
    }
}
