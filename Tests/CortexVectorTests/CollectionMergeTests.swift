import CortexCore
import CortexStorage
import CortexTesting
import CortexVector
import Foundation
import Testing

/// `VectorCollection.mergeSync`: read-modify-write in one transaction (Chroma's add, upsert and update).
@Suite struct CollectionMergeTests {
    private func collection(_ fixture: VectorFixture) throws -> VectorCollection {
        let collection = try fixture.store.create(CollectionConfiguration(name: "merge", dimension: 2, metric: .l2, m: 4, efConstruction: 32))
        _ = try collection.upsertSync([
            VectorRecord(id: "a", vector: [1, 0], metadata: ["k": .int(1)], document: "doc a"),
            VectorRecord(id: "b", vector: [0, 1]),
            VectorRecord(id: "c", vector: [1, 1]),
        ])
        return collection
    }

    @Test func mergeSeesStoredRecordsWithVectorsAndKeepsInsertionOrder() throws {
        let fixture = try VectorFixture()
        defer { fixture.engine.close() }
        let collection = try collection(fixture)
        var seen: [String: VectorRecord?] = [:]
        let summary = try collection.mergeSync(ids: ["a", "new"]) { id, stored in
            seen[id] = stored
            guard var record = stored else { return VectorRecord(id: id, vector: [5, 5]) }
            record.metadata?["j"] = .int(2)
            return record
        }
        #expect(summary == UpsertSummary(inserted: 1, updated: 1))
        #expect(seen["a"] == VectorRecord(id: "a", vector: [1, 0], metadata: ["k": .int(1)], document: "doc a"))
        #expect(seen["new"] == .some(nil))
        #expect(try collection.list().map(\.id) == ["a", "b", "c", "new"], "the updated record keeps its place")
        #expect(try collection.get(ids: ["a"]).first?.metadata == ["k": .int(1), "j": .int(2)])
        #expect(try collection.query([1, 0], k: 1).map(\.id) == ["a"], "the graph still finds the rewritten record")
    }

    @Test func returningNilLeavesRecordsUntouched() throws {
        let fixture = try VectorFixture()
        defer { fixture.engine.close() }
        let collection = try collection(fixture)
        let summary = try collection.mergeSync(ids: ["a", "b", "zz"]) { _, _ in nil }
        #expect(summary == UpsertSummary(inserted: 0, updated: 0))
        #expect(try collection.count() == 3)
        #expect(try collection.get(ids: ["zz"]).isEmpty)
    }

    @Test func aBadRecordOrAThrownErrorChangesNothing() throws {
        let fixture = try VectorFixture()
        defer { fixture.engine.close() }
        let collection = try collection(fixture)
        let wrongDimension = #expect(throws: CortexError.self) {
            try collection.mergeSync(ids: ["a", "d"]) { id, stored in
                id == "a" ? VectorRecord(id: id, vector: [9, 9], document: "changed") : VectorRecord(id: id, vector: [1, 2, 3])
            }
        }
        #expect(wrongDimension?.code == .invalidInput)
        let thrown = #expect(throws: CortexError.self) {
            try collection.mergeSync(ids: ["b", "c"]) { (id: String, _: VectorRecord?) throws(CortexError) -> VectorRecord? in
                guard id == "b" else { throw .invalidInput("refused \(id)") }
                return VectorRecord(id: id, vector: [7, 7])
            }
        }
        #expect(thrown == .invalidInput("refused c"))
        #expect(try collection.get(ids: ["a", "b"], includeVectors: true) == [
            VectorRecord(id: "a", vector: [1, 0], metadata: ["k": .int(1)], document: "doc a"),
            VectorRecord(id: "b", vector: [0, 1]),
        ])
        #expect(try collection.count() == 3)
    }
}
