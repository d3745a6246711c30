import CortexClient
import CortexTesting
import CortexWire
import Foundation
import Testing

@Suite struct WireClientTests {
    @Test func aClientCreatesUpsertsQueriesGetsDeletesAndCountsOverTheWire() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey()
        try fixture.start()
        let client = try await fixture.connect(key.key)
        #expect(client.hello.tenantID == "acme")
        #expect(client.hello.keyID == key.id)
        #expect(client.hello.limits.batchCountMax == 10_000)

        let info = try await client.createCollection(CollectionSpec(name: "docs", dimension: 16, metric: .l2))
        #expect(info.spec.dimension == 16 && info.spec.quantization == .none && info.spec.m == 16 && info.count == 0)
        let data = VectorData(count: 1_000, dimension: 16, seed: 7)
        let first = try await client.upsert(collection: "docs", records: data.records(0..<500))
        let second = try await client.upsert(collection: "docs", records: data.records(500..<1_000))
        #expect(first.inserted == 500 && second.inserted == 500 && first.updated + second.updated == 0)
        #expect(try await client.count(collection: "docs") == 1_000)

        let queries = VectorData(count: 20, dimension: 16, seed: 99).vectors
        for query in queries {
            // ef ≥ the collection size makes the graph search exhaustive, so the answer is exact.
            let hits = try await client.query(collection: "docs", vector: query, k: 10, ef: 1_000)
            #expect(hits.map(\.record.id) == data.nearest(query, k: 10))
            #expect(hits.map(\.distance) == hits.map(\.distance).sorted())
        }

        let records = try await client.get(collection: "docs", ids: ["3", "missing", "42"])
        #expect(records.map(\.id) == ["3", "42"])
        #expect(records[0].vector == data.vectors[3])
        #expect(records[0].document == "document 3")
        #expect(records[0].metadata.map { String(decoding: $0, as: UTF8.self) } == #"{"group":3}"#)

        let filtered = try await client.query(QueryRequest(
            collection: "docs", vector: queries[0], k: 5, ef: 1_000, include: [.metadata], whereFilter: Array(#"{"group": 4}"#.utf8)))
        #expect(filtered.map(\.record.id) == data.nearest(queries[0], k: 5, among: Set((0..<1_000).filter { $0 % 10 == 4 })))
        #expect(filtered.allSatisfy { $0.record.metadata == Array(#"{"group":4}"#.utf8) })

        #expect(try await client.delete(collection: "docs", ids: ["0", "1", "2", "nope"]) == 3)
        #expect(try await client.delete(DeleteRequest(collection: "docs", whereFilter: Array(#"{"group": 9}"#.utf8))) == 100)
        #expect(try await client.count(collection: "docs") == 897)
        #expect(try await client.collectionInfo("docs").count == 897)
        #expect(try await client.listCollections().map(\.spec.name) == ["docs"])
        let page = try await client.get(GetRequest(collection: "docs", include: [], offset: 0, limit: 5))
        #expect(page.map(\.id) == ["3", "4", "5", "6", "7"])
        try await client.dropCollection("docs")
        #expect(await caught { try await client.count(collection: "docs") } == WireError(.notFound, "collection 'docs' does not exist"))
        await client.close()
    }

    @Test func manyConcurrentQueriesShareOneConnectionAndEachGetsItsOwnAnswer() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey()
        try fixture.start()
        let client = try await fixture.connect(key.key)
        _ = try await client.createCollection(CollectionSpec(name: "docs", dimension: 8, metric: .l2))
        let data = VectorData(count: 300, dimension: 8, seed: 3)
        _ = try await client.upsert(collection: "docs", records: data.records(0..<300))
        let queries = VectorData(count: 200, dimension: 8, seed: 4).vectors
        // More requests than the server's in-flight limit (64), so back-pressure is exercised too.
        let answers = try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
            for (index, query) in queries.enumerated() {
                group.addTask { (index, try await client.query(collection: "docs", vector: query, k: 5, ef: 300).map(\.record.id)) }
            }
            var answers = [[String]](repeating: [], count: queries.count)
            for try await (index, ids) in group { answers[index] = ids }
            return answers
        }
        for (index, query) in queries.enumerated() {
            #expect(answers[index] == data.nearest(query, k: 5), "query \(index)")
        }
        await client.close()
    }

    @Test func wrongAndRevokedKeysAreRefusedAndScopesAreEnforced() async throws {
        let fixture = try WireFixture()
        let good = try fixture.mintKey(scopes: "ingest,query")
        let revoked = try fixture.mintKey()
        let reader = try fixture.mintKey(scopes: "query")
        let widget = try fixture.mintKey(scopes: "widget")
        try fixture.revoke(id: revoked.id)
        try fixture.start()
        let rejection = WireError(.unauthorized, "invalid or revoked API key")
        #expect(await caught { try await fixture.connect("ck_" + String(repeating: "x", count: 43)) } == rejection)
        #expect(await caught { try await fixture.connect(revoked.key) } == rejection)
        #expect(await caught { try await fixture.connect("hunter2") } == rejection)

        let writer = try await fixture.connect(good.key)
        _ = try await writer.createCollection(CollectionSpec(name: "docs", dimension: 2))
        let readOnly = try await fixture.connect(reader.key)
        #expect(try await readOnly.count(collection: "docs") == 0)
        #expect(await caught { try await readOnly.upsert(collection: "docs", records: [WireRecord(id: "a", vector: [1, 0])]) } == WireError(.forbidden, "API key \(reader.id) lacks the ingest scope that UPSERT needs"))
        let widgetOnly = try await fixture.connect(widget.key)
        #expect(try await widgetOnly.ping([1, 2]) == [1, 2], "any key may ping")
        #expect(await caught { try await widgetOnly.count(collection: "docs") } == WireError(.forbidden, "API key \(widget.id) lacks the query scope that COUNT needs"))
        #expect(try await writer.count(collection: "docs") == 0, "refused writes changed nothing")
    }

    @Test func aSecondTenantsKeyCannotSeeOrChangeTheFirstTenantsCollections() async throws {
        let fixture = try WireFixture(tenants: ["acme", "globex"])
        let acmeKey = try fixture.mintKey(tenant: "acme", scopes: "admin")
        let globexKey = try fixture.mintKey(tenant: "globex", scopes: "admin")
        try fixture.start()
        let acme = try await fixture.connect(acmeKey.key)
        _ = try await acme.createCollection(CollectionSpec(name: "secret", dimension: 2))
        _ = try await acme.upsert(collection: "secret", records: [WireRecord(id: "x", vector: [1, 0], document: "acme only")])

        let globex = try await fixture.connect(globexKey.key)
        #expect(globex.hello.tenantID == "globex")
        #expect(try await globex.listCollections().isEmpty)
        let missing = "collection 'secret' does not exist"
        #expect(await caught { try await globex.count(collection: "secret") } == WireError(.notFound, missing))
        #expect(await caught { try await globex.get(collection: "secret", ids: ["x"]) } == WireError(.notFound, missing))
        #expect(await caught { try await globex.delete(collection: "secret", ids: ["x"]) } == WireError(.notFound, missing))
        #expect(await caught { try await globex.dropCollection("secret") } == WireError(.notFound, missing))
        // Creating the same name in its own tenant is a different collection.
        _ = try await globex.createCollection(CollectionSpec(name: "secret", dimension: 2))
        #expect(try await globex.count(collection: "secret") == 0)
        #expect(try await acme.get(collection: "secret", ids: ["x"]).first?.document == "acme only")
        #expect(try await acme.count(collection: "secret") == 1)
    }

    @Test func shutdownFinishesAndTellsConnectedClientsWhy() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey()
        let server = try fixture.start()
        let client = try await fixture.connect(key.key)
        _ = try await client.createCollection(CollectionSpec(name: "docs", dimension: 2))
        let metrics = try await TestHTTPClient(baseURL: server.baseURL).get("/metrics")
        #expect(metrics.text.contains(#"cortex_wire_requests_total{op="collection_create"} 1"#))
        #expect(metrics.text.contains("cortex_wire_connections_open 1"))
        #expect(server.stop() == 0)
        #expect(await caught { try await client.count(collection: "docs") } == WireError(.unavailable, "server is shutting down"))
        #expect(server.log.contains("wire listener drained"))
    }
}
