import CortexTesting
import Foundation
import Testing

/// The `/api/v1/collections` round trip against a real server.
@Suite struct HTTPVectorTests {
    @Test func collectionsRecordsQueryGetDeleteAndCountRoundTrip() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey(scopes: "query,ingest").key
        let api = VectorAPI(try fixture.start(), key: key)
        let data = VectorData(count: 500, dimension: 8, seed: 41)

        let created = try await api.createCollection("docs", dimension: 8)
        #expect(created.status == 201, "\(created.text)")
        let info = try created.json()
        #expect(info["name"] as? String == "docs")
        #expect(info["dimension"] as? Int == 8)
        #expect(info["metric"] as? String == "l2")
        #expect(info["count"] as? Int == 0)

        let upserted = try await api.send("POST", "/collections/docs/records", ["records": data.jsonRecords(0..<500)])
        #expect(upserted.status == 200, "\(upserted.text)")
        #expect(upserted.text == #"{"inserted":500,"updated":0}"#)
        #expect(try await api.count("docs") == 500)

        // ef ≥ the collection size makes the graph search exhaustive, so the answer is exact.
        let query = data.vectors[7].map { $0 + 0.01 }
        let nearest = try await api.send("POST", "/collections/docs/query", ["vector": query.map(Double.init), "k": 10, "ef": 1_000])
        #expect(try VectorAPI.ids(nearest) == data.nearest(query, k: 10))
        let first = try #require(try nearest.json()["results"] as? [[String: Any]]).first ?? [:]
        #expect(first["document"] as? String == "red document 7", "metadata and document are included by default")
        #expect((first["metadata"] as? [String: Any])?["group"] as? Int == 7)
        #expect(first["vector"] == nil, "vectors only when asked for")

        // Filter and where_document together: group 4 and "blue" (multiples of 3).
        let filtered = try await api.send("POST", "/collections/docs/query", [
            "vector": query.map(Double.init), "k": 5, "filter": ["group": 4], "where_document": ["$contains": "blue"],
            "include": ["metadata"],
        ])
        let allowed = Set((0..<500).filter { $0 % 10 == 4 && $0 % 3 == 0 })
        #expect(try VectorAPI.ids(filtered) == data.nearest(query, k: 5, among: allowed))
        let filteredFirst = try #require(try filtered.json()["results"] as? [[String: Any]]).first ?? [:]
        #expect(filteredFirst["document"] == nil && filteredFirst["metadata"] != nil, "include limits the fields")

        let byID = try await api.send("POST", "/collections/docs/get", ["ids": ["12", "missing", "3"], "include": ["vector", "document"]])
        let records = try #require(try byID.json()["records"] as? [[String: Any]])
        #expect(records.compactMap { $0["id"] as? String } == ["12", "3"], "ids in the order asked; missing ids skipped")
        #expect((records.first?["vector"] as? [Double])?.map(Float.init) == data.vectors[12])
        #expect(records.first?["document"] as? String == "blue document 12")
        #expect(records.first?["metadata"] == nil)

        let page = try await api.send("POST", "/collections/docs/get", ["filter": ["group": ["$in": [1, 2]]], "offset": 5, "limit": 4])
        #expect(try VectorAPI.ids(page, field: "records") == ["22", "31", "32", "41"], "insertion order, offset then limit")

        let replaced = try await api.send("POST", "/collections/docs/records", ["records": data.jsonRecords(499..<500)])
        #expect(replaced.text == #"{"inserted":0,"updated":1}"#)

        let deletedByID = try await api.send("POST", "/collections/docs/delete", ["ids": ["0", "1", "2", "nope"]])
        #expect(deletedByID.text == #"{"deleted":3}"#)
        let deletedByFilter = try await api.send("POST", "/collections/docs/delete", ["filter": ["group": 9]])
        #expect(deletedByFilter.text == #"{"deleted":50}"#)
        #expect(try await api.count("docs") == 447)
        let gone = try await api.send("POST", "/collections/docs/get", ["filter": ["group": 9]])
        #expect(try VectorAPI.ids(gone, field: "records").isEmpty)

        let listed = try await api.send("GET", "/collections")
        let collections = try #require(try listed.json()["collections"] as? [[String: Any]])
        #expect(collections.count == 1)
        #expect(collections.first?["count"] as? Int == 447)
        let fetched = try await api.send("GET", "/collections/docs")
        #expect(try fetched.json()["count"] as? Int == 447)

        let dropped = try await api.send("DELETE", "/collections/docs")
        #expect(dropped.status == 200)
        #expect(try ErrorReply(try await api.send("GET", "/collections/docs")) == ErrorReply(
            status: 404, code: "not_found", message: "collection 'docs' does not exist"))
        #expect(try await api.createCollection("docs", dimension: 4).status == 201, "the name is free again")

        // Metadata keeps its kinds: 2.0 stays a float, 2 an int; text comes back verbatim.
        let typed = #"{"records": [{"id": "typed", "vector": [1, 0, 0, 0], "metadata": {"ratio": 2.0, "n": 2, "tags": ["a", "b"]}, "document": "line\n\"quoted\""}]}"#
        #expect(try await api.sendRaw("POST", "/collections/docs/records", Data(typed.utf8)).status == 200)
        let typedBack = try await api.send("POST", "/collections/docs/get", ["ids": ["typed"], "include": ["metadata", "document", "vector"]])
        #expect(typedBack.text == #"{"records":[{"document":"line\n\"quoted\"","id":"typed","metadata":{"n":2,"ratio":2.0,"tags":["a","b"]},"vector":[1.0,0.0,0.0,0.0]}]}"#)

        let tuned = try await api.send("POST", "/collections", [
            "name": "tuned", "dimension": 8, "metric": "cosine", "m": 8, "ef_construction": 100, "ef_search": 50, "pq_m": 4,
        ])
        #expect(tuned.status == 201, "\(tuned.text)")
        let settings = try tuned.json()
        #expect(settings["metric"] as? String == "cosine")
        #expect(settings["m"] as? Int == 8)
        #expect(settings["ef_construction"] as? Int == 100)
        #expect(settings["ef_search"] as? Int == 50)
        #expect(settings["pq_m"] as? Int == 4)
        #expect(try await api.send("GET", "/collections/tuned").text == tuned.text, "GET answers what POST created")
    }
}
