import CortexTesting
import Foundation
import Testing

/// API-key authentication, scopes and tenant isolation of `/api/v1`.
@Suite struct HTTPAuthTests {
    @Test func missingUnknownAndRevokedKeysGet401AndScopesAreEnforced() async throws {
        let fixture = try WireFixture()
        let writer = try fixture.mintKey(scopes: "ingest,query").key
        let reader = try fixture.mintKey(scopes: "query").key
        let widget = try fixture.mintKey(scopes: "widget").key
        let revoked = try fixture.mintKey(scopes: "admin")
        try fixture.revoke(id: revoked.id)
        let server = try fixture.start()

        let anonymous = try await VectorAPI(server, key: nil).send("GET", "/collections")
        #expect(try ErrorReply(anonymous) == ErrorReply(
            status: 401, code: "unauthorized", message: "send an access token or API key as Authorization: Bearer …"))
        #expect(anonymous.headers["www-authenticate"] == "Bearer")
        let rejected = ErrorReply(status: 401, code: "unauthorized", message: "invalid or revoked API key")
        let revokedReply = try await VectorAPI(server, key: revoked.key).send("GET", "/collections")
        #expect(try ErrorReply(revokedReply) == rejected)
        #expect(revokedReply.headers["www-authenticate"] == "Bearer")
        #expect(try ErrorReply(try await VectorAPI(server, key: "ck_not-a-real-key").send("GET", "/collections")) == rejected)
        #expect(try ErrorReply(try await VectorAPI(server, key: String(writer.dropLast())).send("GET", "/collections")) == rejected)
        let lowerCaseScheme = try await TestHTTPClient(baseURL: server.baseURL).send(
            "GET", "/api/v1/collections", headers: ["Authorization": "bearer \(writer)"])
        #expect(lowerCaseScheme.status == 200, "the scheme name is case-insensitive")

        let writerAPI = VectorAPI(server, key: writer)
        #expect(try await writerAPI.createCollection("docs", dimension: 2).status == 201)
        let readerAPI = VectorAPI(server, key: reader)
        let refused = try await readerAPI.send("POST", "/collections/docs/records", ["records": [["id": "a", "vector": [1, 2]]]])
        #expect(try ErrorReply(refused) == ErrorReply(
            status: 403, code: "forbidden", message: "this API key lacks the ingest scope (it has: query)"))
        #expect(try ErrorReply(try await readerAPI.send("DELETE", "/collections/docs")).status == 403)
        #expect(try ErrorReply(try await readerAPI.createCollection("other", dimension: 2)).status == 403)
        #expect(try await readerAPI.count("docs") == 0, "the refused write changed nothing; reads are allowed")
        let widgetRead = try await VectorAPI(server, key: widget).send("POST", "/collections/docs/query", ["vector": [1, 2], "k": 1])
        #expect(try ErrorReply(widgetRead) == ErrorReply(
            status: 403, code: "forbidden", message: "this API key lacks the query scope (it has: widget)"))
        #expect(try await writerAPI.send("GET", "/collections/docs").status == 200, "the server keeps serving")
    }

    @Test func anotherTenantsKeyCannotSeeOrChangeTheFirstTenantsCollections() async throws {
        let fixture = try WireFixture(tenants: ["acme", "globex"])
        let acmeKey = try fixture.mintKey(tenant: "acme", scopes: "admin").key
        let globexKey = try fixture.mintKey(tenant: "globex", scopes: "admin").key
        let server = try fixture.start()
        let acme = VectorAPI(server, key: acmeKey)
        let globex = VectorAPI(server, key: globexKey)
        let data = VectorData(count: 20, dimension: 4, seed: 7)
        #expect(try await acme.createCollection("secret", dimension: 4).status == 201)
        #expect(try await acme.send("POST", "/collections/secret/records", ["records": data.jsonRecords(0..<20)]).status == 200)

        let missing = ErrorReply(status: 404, code: "not_found", message: "collection 'secret' does not exist")
        #expect(try ErrorReply(try await globex.send("GET", "/collections/secret")) == missing)
        #expect(try ErrorReply(try await globex.send("GET", "/collections/secret/count")) == missing)
        #expect(try ErrorReply(try await globex.send("DELETE", "/collections/secret")) == missing)
        #expect(try ErrorReply(try await globex.send("POST", "/collections/secret/delete", ["ids": ["0", "1"]])) == missing)
        #expect(try ErrorReply(try await globex.send("POST", "/collections/secret/get", ["ids": ["0"]])) == missing)
        #expect(try ErrorReply(try await globex.send(
            "POST", "/collections/secret/query", ["vector": [0.1, 0.2, 0.3, 0.4], "k": 3])) == missing)
        #expect(try ErrorReply(try await globex.send(
            "POST", "/collections/secret/records", ["records": [["id": "0", "vector": [9, 9, 9, 9]]]])) == missing)
        let globexList = try await globex.send("GET", "/collections")
        #expect(globexList.text == #"{"collections":[]}"#)

        // The same name in the second tenant is a different collection.
        #expect(try await globex.createCollection("secret", dimension: 4).status == 201)
        #expect(try await globex.send("DELETE", "/collections/secret").status == 200)

        #expect(try await acme.count("secret") == 20, "nothing of the first tenant changed")
        let stillThere = try await acme.send("POST", "/collections/secret/get", ["ids": ["0"], "include": ["vector"]])
        let record = try #require(try stillThere.json()["records"] as? [[String: Any]]).first
        #expect((record?["vector"] as? [Double])?.map(Float.init) == data.vectors[0])
    }
}
