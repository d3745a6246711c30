import CortexCore
import CortexStorage
import CortexTesting
import CortexVector
import Foundation
import Testing

@Suite struct FilteredSearchTests {
    /// Recall@10 against exact filtered ground truth at 1 %, 10 % and 50 % selectivity.
    @Test(arguments: [("{\"bucket\": 7}", 1), ("{\"bucket\": {\"$lt\": 10}}", 10), ("{\"bucket\": {\"$lt\": 50}}", 50)])
    func filteredQueriesKeepRecallAtAnySelectivity(_ whereJSON: String, _ percent: Int) throws {
        var random = SeededGenerator.fromEnvironment()
        let data = ClusteredData(count: 5_000, queryCount: 30, dimension: 64, clusters: 40, random: &random)
        let fixture = try VectorFixture()
        defer { fixture.engine.close() }
        let collection = try fixture.store.create(CollectionConfiguration(name: "f", dimension: 64, m: 12, efConstruction: 100))
        for start in stride(from: 0, to: data.base.count, by: 1_000) {
            _ = try collection.upsertSync((start..<(start + 1_000)).map {
                VectorRecord(id: "r\($0)", vector: data.base[$0], metadata: ["bucket": .int(Int64($0 % 100))])
            })
        }
        let filter = RecordFilter(metadata: try MetadataFilter.parse(try JSONValue.parse(Data(whereJSON.utf8))))
        let allowed = Set(data.base.indices.filter { filter.metadata!.matches(["bucket": .int(Int64($0 % 100))]) })
        #expect(allowed.count == data.base.count * percent / 100)
        var total = 0.0
        for query in data.queries {
            let hits = try collection.query(query, k: 10, ef: 64, filter: filter)
            #expect(hits.count == 10)
            #expect(hits.allSatisfy { allowed.contains(Int($0.id.dropFirst())!) }, "every hit passes the filter")
            total += recall(hits.map(\.id), data.groundTruth(query, k: 10, metric: .cosine, among: allowed))
        }
        let mean = total / Double(data.queries.count)
        #expect(mean >= 0.95, "seed \(random.seed) selectivity \(percent)%: recall@10 \(mean)")
    }

    @Test func documentFiltersGetAndDeleteByFilter() throws {
        let fixture = try VectorFixture()
        defer { fixture.engine.close() }
        let collection = try fixture.store.create(CollectionConfiguration(name: "docs", dimension: 2, metric: .l2))
        _ = try collection.upsertSync([
            VectorRecord(id: "a", vector: [0, 0], metadata: ["lang": .string("en")], document: "refund policy"),
            VectorRecord(id: "b", vector: [1, 0], metadata: ["lang": .string("de")], document: "Rückgabe"),
            VectorRecord(id: "c", vector: [2, 0], document: "shipping policy"),
        ])
        let policies = RecordFilter(document: try DocumentFilter.parse(try JSONValue.parse(Data(#"{"$contains": "policy"}"#.utf8))))
        #expect(try collection.query([1.9, 0], k: 3, filter: policies).map(\.id) == ["c", "a"])
        let notEnglish = RecordFilter(metadata: try MetadataFilter.parse(try JSONValue.parse(Data(#"{"lang": {"$ne": "en"}}"#.utf8))))
        #expect(try collection.get(filter: notEnglish).map(\.id) == ["b", "c"], "$ne also matches a missing key")
        #expect(try collection.deleteSync(filter: notEnglish) == 2)
        #expect(try collection.count() == 1)
        #expect(try collection.query([0, 0], k: 5, filter: notEnglish).isEmpty)
        #expect(throws: CortexError.invalidInput("delete needs ids or a non-empty filter")) { try collection.deleteSync(filter: RecordFilter()) }
    }
}
