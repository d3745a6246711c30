import CortexTesting
import Foundation
import Testing

/// `/api/v2`, ChromaDB's API: the unmodified Python `chromadb-client` (pinned in
/// tools/requirements-test.txt) runs Tests/EndToEndTests/Chroma/scenario.py against a real server,
/// and raw requests check the error contract.
@Suite struct ChromaCompatibilityTests {
    @Test func pythonChromaClientScenarioPassesIncludingTenantIsolation() async throws {
        let fixture = try WireFixture(tenants: ["acme", "beta"])
        let keyA = try fixture.mintKey(tenant: "acme").key
        let keyB = try fixture.mintKey(tenant: "beta").key
        let server = try fixture.start()
        try await OpenAPIConformanceTests.runScenario("Tests/EndToEndTests/Chroma/scenario.py", [server.baseURL, keyA, keyB], in: fixture.directory)
        #expect(!server.log.contains("unexpected error"), "no request hit the 500 path")
    }

    @Test func badInputGetsChromaErrorBodiesAndChangesNothing() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey().key
        let chroma = ChromaAPI(try fixture.start(), key: key)
        let collections = "/tenants/default_tenant/databases/default_database/collections"
        let created = try await chroma.send("POST", collections, #"{"name":"docs","metadata":null,"configuration":null,"get_or_create":false}"#)
        let id = try #require(try created.json()["id"] as? String, "\(created.text)")
        let records = "\(collections)/\(id)"
        let added = try await chroma.send("POST", "\(records)/add", #"{"ids":["a"],"embeddings":["AACAPwAAAEAAAEBA"],"metadatas":[{"k":1}],"documents":["doc a"]}"#)
        #expect(added.status == 201 && added.text == "{}", "\(added.text)")

        let cases: [(path: String, body: String, status: Int, error: String, message: String)] = [
            ("add", #"{"ids":["b"]"#, 400, "InvalidArgumentError", "invalid JSON: Unexpected end of file during JSON parse."),
            ("add", #"{"ids":5,"embeddings":[[1,2,3]]}"#, 400, "InvalidArgumentError", "ids must be an array; got number"),
            ("add", #"{"ids":["b"],"embeddings":[[1,2]]}"#, 400, "InvalidArgumentError", "Collection expecting embedding with dimension of 3, got 2"),
            ("upsert", #"{"ids":["a"],"embeddings":[[1,2,3,4]]}"#, 400, "InvalidArgumentError", "Collection expecting embedding with dimension of 3, got 4"),
            ("add", #"{"ids":["b"],"embeddings":["AADAfwAAAAAAAAAA"]}"#, 400, "InvalidArgumentError", "embeddings[0][0] is nan; embeddings must be finite"),
            ("add", #"{"ids":["b"],"embeddings":[[NaN,1,2]]}"#, 400, "InvalidArgumentError", "invalid JSON: Invalid value around character 28."),
            ("add", #"{"ids":["b"],"embeddings":["AAC"]}"#, 400, "InvalidArgumentError", "embeddings[0] is not valid base64"),
            ("add", #"{"ids":["b"],"embeddings":[[1,2,"x"]]}"#, 400, "InvalidArgumentError", "embeddings[0][2] must be a number; got string"),
            ("add", #"{"ids":["b","c"],"embeddings":[[1,2,3]]}"#, 400, "InvalidArgumentError", "embeddings has 1 entries; ids has 2: give one per id"),
            ("update", #"{"ids":["a"],"metadatas":[{"k":{"nested":1}}]}"#, 400, "InvalidArgumentError",
             #"metadatas[0]: metadata "k" is object; use a string, number, bool or a list of them"#),
            ("update", #"{"ids":["a"],"metadatas":[{"chroma:uri":"x"}]}"#, 400, "InvalidArgumentError",
             "metadatas[0]: metadata key 'chroma:uri' is reserved (keys starting with 'chroma:')"),
            ("add", "[1,2]", 400, "InvalidArgumentError", "the request body must be a JSON object; got array"),
            ("query", #"{"query_embeddings":[[1,2,3]],"n_results":"x"}"#, 400, "InvalidArgumentError", "n_results must be an integer; got string"),
            ("query", #"{"query_embeddings":[[1,2,3]],"n_results":0}"#, 400, "InvalidArgumentError", "n_results must be ≥ 1; got 0"),
            ("get", #"{"where":{"k":{"$foo":1}}}"#, 400, "InvalidArgumentError", "where: unknown operator '$foo' in where filter"),
            ("get", #"{"include":["vectors"]}"#, 400, "InvalidArgumentError",
             "include may list distances, documents, embeddings, metadatas, uris; got 'vectors'"),
            ("delete", #"{"ids":null}"#, 400, "InvalidArgumentError", "delete needs ids, where or where_document"),
        ]
        for bad in cases {
            let reply = try await chroma.send("POST", "\(records)/\(bad.path)", bad.body)
            let label = bad.path + " " + bad.body + ": " + reply.text
            #expect(reply.status == bad.status, "\(label)")
            let expected: NSDictionary = ["error": bad.error, "message": bad.message]
            #expect(try reply.json() as NSDictionary == expected, "\(label)")
        }
        let notUUID = try await chroma.send("POST", "\(collections)/not-a-uuid/get", "{}")
        #expect(notUUID.status == 400 && notUUID.text == #"{"error":"InvalidArgumentError","message":"Collection ID is not a valid UUIDv4"}"#)
        let unknown = try await chroma.send("POST", "\(collections)/00000000-0000-0000-0000-000000000001/get", "{}")
        #expect(unknown.status == 404 && unknown.text == #"{"error":"NotFoundError","message":"Collection [00000000-0000-0000-0000-000000000001] does not exist."}"#)

        // Nothing stored changed, and the server still answers.
        #expect(try await chroma.send("GET", "\(records)/count").text == "1")
        let stored = try await chroma.send("POST", "\(records)/get", #"{"include":["embeddings","metadatas","documents"]}"#)
        #expect(stored.text == #"{"ids":["a"],"embeddings":[[1.0,2.0,3.0]],"documents":["doc a"],"uris":null,"metadatas":[{"k":1}],"include":["embeddings","metadatas","documents"]}"#)
        #expect(try await chroma.send("GET", "/heartbeat").status == 200)
    }

    @Test func keysAreCheckedAndScopesApply() async throws {
        let fixture = try WireFixture()
        let reader = try fixture.mintKey(scopes: "query").key
        let server = try fixture.start()
        let anonymous = try await ChromaAPI(server, key: nil).send("GET", "/auth/identity")
        #expect(anonymous.status == 401)
        #expect(anonymous.text == #"{"error":"AuthError","message":"send an access token or API key as Authorization: Bearer …"}"#)
        let wrong = try await ChromaAPI(server, key: "ck_wrong").send("GET", "/tenants/default_tenant")
        #expect(wrong.status == 401)
        #expect(try wrong.json()["error"] as? String == "AuthError")
        let readOnly = ChromaAPI(server, key: reader)
        #expect(try await readOnly.send("GET", "/tenants/default_tenant").text == #"{"name":"default_tenant","resource_name":null}"#)
        let write = try await readOnly.send("POST", "/tenants/default_tenant/databases/default_database/collections", #"{"name":"docs"}"#)
        #expect(write.status == 403)
        #expect(write.text == #"{"error":"AuthorizationError","message":"this API key lacks the ingest scope (it has: query)"}"#)
        // Heartbeat, version and pre-flight need no key, as in Chroma.
        let open = ChromaAPI(server, key: nil)
        #expect(try await open.send("GET", "/version").text == #""1.0.0""#)
        #expect(try await open.send("GET", "/pre-flight-checks").text == #"{"max_batch_size":5461,"supports_base64_encoding":true}"#)
    }
}

/// Calls `/api/v2` of a running server with one API key (or none) as `X-Chroma-Token`.
struct ChromaAPI {
    let client: TestHTTPClient
    let key: String?

    init(_ server: ServerProcess, key: String?) {
        client = TestHTTPClient(baseURL: server.baseURL)
        self.key = key
    }

    func send(_ method: String, _ path: String, _ body: String? = nil) async throws -> TestHTTPClient.Reply {
        var headers = ["Content-Type": "application/json"]
        if let key { headers["X-Chroma-Token"] = key }
        return try await client.send(method, "/api/v2" + path, body: body.map { Data($0.utf8) }, headers: headers)
    }
}
