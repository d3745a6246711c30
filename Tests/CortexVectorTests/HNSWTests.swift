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

@Suite struct QuantizedSearchTests {
    private func build(_ data: ClusteredData, metric: Metric, quantization: VectorQuantization) throws -> (VectorFixture, VectorCollection) {
        let fixture = try VectorFixture()
        let dimension = data.base[0].count
        let collection = try fixture.store.create(CollectionConfiguration(
            name: "q", dimension: dimension, metric: metric, m: 12, efConstruction: 100, quantization: quantization))
        for start in stride(from: 0, to: data.base.count, by: 1_000) {
            _ = try collection.upsertSync((start..<min(start + 1_000, data.base.count)).map { VectorRecord(id: "r\($0)", vector: data.base[$0]) })
        }
        return (fixture, collection)
    }

    private func meanRecall(_ collection: VectorCollection, _ data: ClusteredData, metric: Metric, ef: Int) throws -> Double {
        var total = 0.0
        for query in data.queries {
            total += recall(try collection.query(query, k: 10, ef: ef).map(\.id), data.groundTruth(query, k: 10, metric: metric))
        }
        return total / Double(data.queries.count)
    }

    @Test(arguments: Metric.allCases)
    func int8NavigationWithRerankKeepsRecall(_ metric: Metric) throws {
        var random = SeededGenerator.fromEnvironment()
        let data = ClusteredData(count: 2_000, queryCount: 40, dimension: 96, clusters: 30, random: &random)
        let (fixture, collection) = try build(data, metric: metric, quantization: .int8)
        defer { fixture.engine.close() }
        #expect(collection.descriptor.configuration.quantization == .int8)
        let mean = try meanRecall(collection, data, metric: metric, ef: 64)
        #expect(mean >= 0.95, "seed \(random.seed) metric \(metric): recall@10 \(mean)")
        // Distances reported are exact (re-ranked), not quantized.
        let query = data.queries[0]
        let hit = try #require(try collection.query(query, k: 1, ef: 64).first)
        let stored = try #require(try collection.get(ids: [hit.id], includeVectors: true).first).vector
        let exact = FloatReference.distance(metric, query, stored)
        #expect(abs(Double(hit.distance) - exact) < 1e-4, "reported \(hit.distance), exact \(exact)")
    }

    /// Delete 30 % and insert them again: recall at the same ef may drop by at most 0.01.
    @Test func deleteAndReinsertChurnKeepsRecall() throws {
        var random = SeededGenerator.fromEnvironment()
        let data = ClusteredData(count: 3_000, queryCount: 60, dimension: 64, clusters: 40, random: &random)
        let (fixture, collection) = try build(data, metric: .cosine, quantization: .int8)
        defer { fixture.engine.close() }
        let before = try meanRecall(collection, data, metric: .cosine, ef: 32)
        let churned = Array(data.base.indices.shuffled(using: &random).prefix(900))
        #expect(try collection.deleteSync(ids: churned.map { "r\($0)" }) == 900)
        #expect(try collection.count() == 2_100)
        _ = try collection.upsertSync(churned.map { VectorRecord(id: "r\($0)", vector: data.base[$0]) })
        #expect(try collection.count() == 3_000)
        let report = try collection.verify()
        #expect(report.slotCount <= 3_001, "deleted slots are reused: \(report.slotCount) slots for 3,000 records")
        let after = try meanRecall(collection, data, metric: .cosine, ef: 32)
        #expect(after >= before - 0.01, "seed \(random.seed): recall@10 at ef 32 went from \(before) to \(after)")
        // Updates reuse the record's own slot and keep the graph whole.
        _ = try collection.upsertSync(churned.prefix(300).map { VectorRecord(id: "r\($0)", vector: data.base[$0]) })
        #expect(try collection.verify().slotCount == report.slotCount)
        #expect(try meanRecall(collection, data, metric: .cosine, ef: 32) >= before - 0.01)
    }
}

/// Double-precision reference distances with Chroma's conventions.
enum FloatReference {
    static func distance(_ metric: Metric, _ a: [Float], _ b: [Float]) -> Double {
        let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        switch metric {
        case .l2: return zip(a, b).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
        case .ip: return 1 - dot
        case .cosine:
            let normA = a.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            let normB = b.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            return 1 - dot / (normA * normB)
        }
    }
}

@Suite struct ProductQuantizationTests {
    @Test func pqTrainsAtTheThresholdAndKeepsRecallAfterRerank() throws {
        var random = SeededGenerator.fromEnvironment()
        let data = ClusteredData(count: VectorLimits.pqTrainingCount + 400, queryCount: 40, dimension: 32, clusters: 30, random: &random)
        let fixture = try VectorFixture()
        defer { fixture.engine.close() }
        let collection = try fixture.store.create(CollectionConfiguration(
            name: "pq", dimension: 32, metric: .l2, m: 12, efConstruction: 100, pqSubquantizers: 8))
        _ = try collection.upsertSync((0..<2_000).map { VectorRecord(id: "r\($0)", vector: data.base[$0]) })
        #expect(try collection.verify().navigation == "float32", "not trained below \(VectorLimits.pqTrainingCount) vectors")
        for start in stride(from: 2_000, to: data.base.count, by: 1_000) {
            _ = try collection.upsertSync((start..<min(start + 1_000, data.base.count)).map { VectorRecord(id: "r\($0)", vector: data.base[$0]) })
        }
        #expect(try collection.verify().navigation == "pq")
        var total = 0.0
        for query in data.queries {
            let hits = try collection.query(query, k: 10, ef: 128)
            total += recall(hits.map(\.id), data.groundTruth(query, k: 10, metric: .l2))
        }
        let mean = total / Double(data.queries.count)
        #expect(mean >= 0.95, "seed \(random.seed): recall@10 after re-rank \(mean)")
        let budget: Double = 8 + 8 * 12 + 8 + 5  // level-0 record, 8 code bytes, upper-level share
        #expect(collection.navigationBytesPerVector < budget)
        #expect(throws: CortexError.invalidInput("pq_m must divide the dimension 32; got 5")) {
            try fixture.store.create(CollectionConfiguration(name: "bad", dimension: 32, pqSubquantizers: 5))
        }
    }
}
