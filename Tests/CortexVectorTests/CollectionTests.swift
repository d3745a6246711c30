import CortexCore
import CortexStorage
import CortexTesting
import CortexVector
import Foundation
import Testing

@Suite struct CollectionTests {
    private func smallCollection(_ fixture: VectorFixture, metric: Metric = .l2) throws -> VectorCollection {
        try fixture.store.create(CollectionConfiguration(name: "small", dimension: 3, metric: metric, m: 4, efConstruction: 32))
    }

    @Test func upsertGetAndQueryRoundTripMetadataAndDocuments() throws {
        let fixture = try VectorFixture()
        defer { fixture.engine.close() }
        let collection = try smallCollection(fixture)
        let summary = try collection.upsertSync([
            VectorRecord(id: "a", vector: [0, 0, 0], metadata: ["lang": .string("en"), "year": .int(2024), "tags": .stringList(["x", "y"])], document: "alpha"),
            VectorRecord(id: "b", vector: [1, 0, 0], metadata: ["score": .double(0.5), "ok": .bool(true)]),
            VectorRecord(id: "c", vector: [5, 5, 5], document: "gamma"),
        ])
        #expect(summary == UpsertSummary(inserted: 3, updated: 0))
        let records = try collection.get(ids: ["c", "missing", "a"], includeVectors: true)
        #expect(records == [
            VectorRecord(id: "c", vector: [5, 5, 5], document: "gamma"),
            VectorRecord(id: "a", vector: [0, 0, 0], metadata: ["lang": .string("en"), "year": .int(2024), "tags": .stringList(["x", "y"])], document: "alpha"),
        ])
        let hits = try collection.query([0.9, 0, 0], k: 2)
        #expect(hits.map(\.id) == ["b", "a"])
        #expect(abs(hits[0].distance - 0.01) < 1e-6, "squared L2")
    }

    @Test func updatesReplaceVectorsAndDeletesRemoveRecords() throws {
        let fixture = try VectorFixture()
        defer { fixture.engine.close() }
        let collection = try smallCollection(fixture)
        _ = try collection.upsertSync((0..<50).map { VectorRecord(id: "p\($0)", vector: [Float($0), 0, 0]) })
        let updated = try collection.upsertSync([VectorRecord(id: "p10", vector: [100, 0, 0], document: "moved")])
        #expect(updated == UpsertSummary(inserted: 0, updated: 1))
        #expect(try collection.count() == 50)
        #expect(try collection.query([100, 0, 0], k: 1).map(\.id) == ["p10"])
        #expect(try collection.query([10, 0, 0], k: 1).map(\.id) != ["p10"], "the old vector is gone")
        #expect(try collection.deleteSync(ids: ["p0", "p1", "nope", "p1"]) == 2)
        #expect(try collection.count() == 48)
        let nearest = try collection.query([0, 0, 0], k: 3).map(\.id)
        #expect(nearest == ["p2", "p3", "p4"])
        #expect(try collection.get(ids: ["p0"]).isEmpty)
    }

    @Test func listPagesThroughRecordsInInsertionOrder() throws {
        let fixture = try VectorFixture()
        defer { fixture.engine.close() }
        let collection = try smallCollection(fixture)
        _ = try collection.upsertSync((0..<10).map { VectorRecord(id: "n\($0)", vector: [Float($0), 1, 2]) })
        _ = try collection.upsertSync([VectorRecord(id: "n3", vector: [3, 3, 3])])  // an update moves n3 to the end
        #expect(try collection.deleteSync(ids: ["n5"]) == 1)
        #expect(try collection.list(offset: 0, limit: 4).map(\.id) == ["n0", "n1", "n2", "n4"])
        #expect(try collection.list(offset: 4, limit: 4).map(\.id) == ["n6", "n7", "n8", "n9"])
        #expect(try collection.list(offset: 8, limit: 4, includeVectors: true).map(\.vector) == [[3, 3, 3]])
        #expect(try collection.list(offset: 20).isEmpty)
        #expect(throws: CortexError.invalidInput("offset must be ≥ 0; got -1")) { try collection.list(offset: -1) }
    }

    @Test func collectionsSurviveReopeningTheEngine() throws {
        let directory = TemporaryDirectory("cortex-vector")
        let options = Engines.options(directory.child("data"))
        let tenant = try TenantID("t")
        var random = SeededGenerator(seed: 7)
        let vectors = (0..<500).map { _ in (0..<16).map { _ in Float.random(in: -1...1, using: &random) } }
        var before: [[SearchHit]] = []
        do {
            let engine = try StorageEngine(options: options)
            try engine.createTenant(tenant)
            try engine.withTenantSync(tenant) { (environment: Environment) throws(CortexError) in
                let collection = try VectorStore(environment: environment).create(CollectionConfiguration(name: "persist", dimension: 16))
                _ = try collection.upsertSync(vectors.enumerated().map { VectorRecord(id: "v\($0.offset)", vector: $0.element) })
                before = try vectors.prefix(20).map { vector throws(CortexError) in try collection.query(vector, k: 5) }
            }
            engine.close()
        }
        let engine = try StorageEngine(options: options)
        defer { engine.close() }
        try engine.withTenantSync(tenant) { (environment: Environment) throws(CortexError) in
            let store = try VectorStore(environment: environment)
            #expect(try store.list().map(\.configuration.name) == ["persist"])
            let collection = try store.collection(named: "persist")
            #expect(try collection.count() == 500)
            let after = try vectors.prefix(20).map { vector throws(CortexError) in try collection.query(vector, k: 5) }
            #expect(after == before)
        }
    }

    /// Components near the float32 limit would overflow a naive norm; the stored vector is still the unit direction.
    @Test func cosineNormalisesVectorsOfAnyMagnitude() throws {
        let fixture = try VectorFixture()
        defer { fixture.engine.close() }
        let collection = try smallCollection(fixture, metric: .cosine)
        _ = try collection.upsertSync([
            VectorRecord(id: "huge", vector: [3e38, -3e38, 0]),
            VectorRecord(id: "tiny", vector: [0, 1e-30, 1e-30]),
            VectorRecord(id: "plain", vector: [1, 0, 0]),
        ])
        let stored = try collection.get(ids: ["huge", "tiny"], includeVectors: true).map(\.vector)
        let half = Float(0.5).squareRoot()
        #expect(stored.count == 2)
        for (vector, expected) in zip(stored, [[half, -half, 0], [0, half, half]] as [[Float]]) {
            #expect(zip(vector, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(vector)")
        }
        #expect(try collection.query([1, -1, 0], k: 1).map(\.id) == ["huge"])
    }

    @Test func badInputIsRejectedAndChangesNothing() throws {
        let fixture = try VectorFixture()
        defer { fixture.engine.close() }
        let collection = try smallCollection(fixture, metric: .cosine)
        _ = try collection.upsertSync([VectorRecord(id: "keep", vector: [1, 2, 3])])
        #expect(throws: CortexError.invalidInput("vector of record 1 ('short') has 2 dimensions; collection 'small' expects 3")) {
            try collection.upsertSync([VectorRecord(id: "ok", vector: [1, 1, 1]), VectorRecord(id: "short", vector: [1, 2])])
        }
        #expect(throws: CortexError.invalidInput("vector of record 0 ('nan') has a non-finite component (nan) at index 1")) {
            try collection.upsertSync([VectorRecord(id: "nan", vector: [1, .nan, 3])])
        }
        #expect(throws: CortexError.invalidInput("vector of record 0 ('inf') has a non-finite component (inf) at index 2")) {
            try collection.upsertSync([VectorRecord(id: "inf", vector: [1, 1, .infinity])])
        }
        #expect(throws: CortexError.invalidInput("record id is empty")) { try collection.upsertSync([VectorRecord(id: "", vector: [1, 1, 1])]) }
        #expect(throws: CortexError.invalidInput("record id 'd' appears twice in the batch")) {
            try collection.upsertSync([VectorRecord(id: "d", vector: [1, 1, 1]), VectorRecord(id: "d", vector: [2, 1, 1])])
        }
        #expect(throws: CortexError.invalidInput("vector of record 0 ('zero') is all zeros; cosine distance is undefined for it")) {
            try collection.upsertSync([VectorRecord(id: "zero", vector: [0, 0, 0])])
        }
        #expect(throws: CortexError.invalidInput("k must be 1-4096; got 0")) { try collection.query([1, 1, 1], k: 0) }
        #expect(throws: CortexError.invalidInput("k must be 1-4096; got 5000")) { try collection.query([1, 1, 1], k: 5_000) }
        #expect(throws: CortexError.invalidInput("query vector has 4 dimensions; collection 'small' expects 3")) {
            try collection.query([1, 1, 1, 1], k: 1)
        }
        #expect(throws: CortexError.invalidInput("unknown metric 'manhattan'; use l2, ip or cosine")) { try Metric(parsing: "manhattan") }
        #expect(throws: CortexError.invalidInput("dimension must be 1-4096; got 0")) {
            try fixture.store.create(CollectionConfiguration(name: "bad", dimension: 0))
        }
        #expect(throws: CortexError.invalidInput("collection name 'a b' may contain only A-Z a-z 0-9 . _ -")) {
            try fixture.store.create(CollectionConfiguration(name: "a b", dimension: 3))
        }
        #expect(throws: CortexError.conflict("collection 'small' already exists")) {
            try fixture.store.create(CollectionConfiguration(name: "small", dimension: 3))
        }
        #expect(try collection.count() == 1)
        #expect(try collection.query([1, 2, 3], k: 5).map(\.id) == ["keep"])
    }

    @Test func deletingACollectionRemovesAllItsData() async throws {
        let fixture = try VectorFixture()
        defer { fixture.engine.close() }
        let doomed = try fixture.store.create(CollectionConfiguration(name: "doomed", dimension: 3))
        let kept = try fixture.store.create(CollectionConfiguration(name: "kept", dimension: 3))
        _ = try doomed.upsertSync([VectorRecord(id: "x", vector: [1, 2, 3])])
        _ = try kept.upsertSync([VectorRecord(id: "x", vector: [3, 2, 1])])
        try await fixture.store.delete(named: "doomed")
        #expect(try fixture.store.list().map(\.configuration.name) == ["kept"])
        #expect(throws: CortexError.notFound("collection 'doomed' does not exist")) { try fixture.store.collection(named: "doomed") }
        let stored = try #require(try kept.get(ids: ["x"], includeVectors: true).first).vector
        let expected: [Float] = [3, 2, 1].map { Float($0 / 14.0.squareRoot()) }
        #expect(zip(stored, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "cosine vectors are stored normalised: \(stored)")
        // Recreated under the same name, it starts empty.
        let reborn = try fixture.store.create(CollectionConfiguration(name: "doomed", dimension: 3))
        #expect(try reborn.count() == 0)
        #expect(try reborn.get(ids: ["x"]).isEmpty)
    }
}
