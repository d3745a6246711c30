import CortexTesting
import Foundation
import Testing

/// The embedding endpoints on a real server with the real model (fetched by tools/setup):
/// real clients (OpenAI SDK, chromadb-client) in embed_scenario.py, the vector API's text-only
/// records and queries, and bad input.
@Suite struct EmbeddingEndpointTests {
    static let modelDirectory = OpenAPIConformanceTests.root + "/models/all-MiniLM-L6-v2"

    static func startServer(_ fixture: WireFixture) throws -> ServerProcess {
        try #require(FileManager.default.fileExists(atPath: modelDirectory + "/model.safetensors"), "run tools/setup to fetch the model")
        return try fixture.start(environment: ["CORTEX_EMBED_MODEL_DIR": modelDirectory])
    }

    @Test func openAIAndChromaClientsEmbedThroughCortex() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey().key
        let server = try Self.startServer(fixture)
        // The fixture's first text ("What are your opening hours on Saturday?") with its reference embedding.
        let fixtureLine = try String(contentsOfFile: OpenAPIConformanceTests.root + "/Tests/CortexEmbedTests/Fixtures/minilm-reference.jsonl", encoding: .utf8)
            .split(separator: "\n")[0]
        let reference = fixture.directory.child("reference.json")
        try Data(fixtureLine.utf8).write(to: URL(fileURLWithPath: reference))
        try await OpenAPIConformanceTests.runScenario("Tests/EndToEndTests/Embed/embed_scenario.py", [server.baseURL, key, reference], in: fixture.directory)
        #expect(server.log.contains("embedding provider: local all-MiniLM-L6-v2"), "the log names the provider")
        #expect(!server.log.contains("unexpected error"))
    }

    @Test func collectionWithAnEmbeddingModelTakesTextsForRecordsAndQueries() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey().key
        let client = TestHTTPClient(baseURL: try Self.startServer(fixture).baseURL)
        let headers = ["Authorization": "Bearer \(key)", "Content-Type": "application/json"]
        func post(_ path: String, _ body: String) async throws -> TestHTTPClient.Reply {
            try await client.send("POST", "/api/v1" + path, body: Data(body.utf8), headers: headers)
        }
        let created = try await post("/collections", #"{"name":"faq","metric":"cosine","embedding_model":"all-MiniLM-L6-v2"}"#)
        #expect(created.status == 201, "\(created.text)")
        #expect(try created.json()["dimension"] as? Int == 384)
        #expect(try created.json()["embedding_model"] as? String == "all-MiniLM-L6-v2")
        let upserted = try await post("/collections/faq/records", #"""
            {"records":[{"id":"hours","document":"The shop opens at nine in the morning on Saturdays."},
                        {"id":"refund","document":"Money back within two weeks after we receive the parcel."},
                        {"id":"given","vector":\#(Array(repeating: 0.05, count: 384)),"document":"a record with its own vector"}]}
            """#)
        #expect(upserted.text == #"{"inserted":3,"updated":0}"#)
        let answer = try await post("/collections/faq/query", #"{"text":"when are you open on weekends","k":1}"#)
        #expect(answer.status == 200, "\(answer.text)")
        let results = try #require(try answer.json()["results"] as? [[String: Any]])
        #expect(results.first?["id"] as? String == "hours", "\(answer.text)")

        // A collection without a model still needs vectors; a foreign model or wrong dimension is refused at creation.
        #expect(try await post("/collections", #"{"name":"plain","dimension":3,"metric":"l2"}"#).status == 201)
        let textless = try await post("/collections/plain/records", #"{"records":[{"id":"a","document":"hello"}]}"#)
        #expect(textless.status == 400)
        #expect(textless.text.contains("collection plain has no embedding model, so records and queries must carry vectors"), "\(textless.text)")
        let foreign = try await post("/collections", #"{"name":"x","metric":"l2","embedding_model":"text-embedding-3-small"}"#)
        #expect(foreign.status == 400)
        #expect(foreign.text.contains("embedding model text-embedding-3-small is not available; this server embeds with all-MiniLM-L6-v2"))
        let wrongDimension = try await post("/collections", #"{"name":"y","dimension":3,"metric":"l2","embedding_model":"all-MiniLM-L6-v2"}"#)
        #expect(wrongDimension.status == 400)
        let both = try await post("/collections/faq/query", #"{"text":"a","vector":[1],"k":1}"#)
        #expect(both.status == 400 && both.text.contains("exactly one of vector and text"))
        let neither = try await post("/collections/faq/records", #"{"records":[{"id":"z"}]}"#)
        #expect(neither.status == 400 && neither.text.contains("records[0].vector is required"))
        #expect(try await client.send("GET", "/api/v1/collections/faq/count", headers: headers).text == #"{"count":3}"#)
    }

    @Test func badEmbeddingRequestsGetClearErrors() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey().key
        let client = TestHTTPClient(baseURL: try Self.startServer(fixture).baseURL)
        let headers = ["Authorization": "Bearer \(key)", "Content-Type": "application/json"]
        let cases: [(path: String, body: String, status: Int, message: String)] = [
            ("/v1/embeddings", #"{"model":"all-MiniLM-L6-v2"}"#, 400, "missing field input"),
            ("/v1/embeddings", #"{"input":[1,2],"model":"all-MiniLM-L6-v2"}"#, 400, "input[0] must be a string (token arrays are not supported); got number"),
            ("/v1/embeddings", #"{"input":[],"model":"all-MiniLM-L6-v2"}"#, 400, "input must not be an empty array"),
            ("/v1/embeddings", #"{"input":"x","model":"all-MiniLM-L6-v2","encoding_format":"int8"}"#, 400, "encoding_format must be float or base64; got 'int8'"),
            ("/v1/embeddings", #"{"input":"x","model":"all-MiniLM-L6-v2","dimensions":256}"#, 400,
             "dimensions 256 is not supported: all-MiniLM-L6-v2 makes 384-dimensional vectors"),
            ("/v1/embeddings", #"{"input":"x""#, 400, "invalid JSON"),
            ("/v1/embeddings", #"{"input":["\#(String(repeating: "a ", count: 40_000))"],"model":"all-MiniLM-L6-v2"}"#, 400,
             "text 0 has 80000 bytes; the limit is 65536"),
        ]
        for bad in cases {
            let reply = try await client.send("POST", bad.path, body: Data(bad.body.utf8), headers: headers)
            #expect(reply.status == bad.status, "\(bad.body.prefix(80)): \(reply.text.prefix(300))")
            #expect(reply.text.contains(bad.message), "\(bad.body.prefix(80)): \(reply.text.prefix(300))")
        }
        let anonymous = try await client.send("POST", "/v1/embeddings", body: Data(#"{"input":"x","model":"all-MiniLM-L6-v2"}"#.utf8))
        #expect(anonymous.status == 401)
        let chroma = try await client.send("POST", "/api/v2/embed", body: Data(#"{"instructions":"","texts":"x"}"#.utf8),
                                           headers: ["X-Chroma-Token": key, "Content-Type": "application/json"])
        #expect(chroma.status == 400 && chroma.text.contains("InvalidArgumentError"), "\(chroma.text)")
        let fine = try await client.send("POST", "/v1/embeddings", body: Data(#"{"input":"still serving","model":"all-MiniLM-L6-v2"}"#.utf8), headers: headers)
        #expect(fine.status == 200)
    }
}

/// Without a model the server still embeds, with the hashing fallback, and says so in its log.
@Suite struct EmbeddingFallbackTests {
    @Test func serverWithoutAModelFallsBackToHashingAndLogsIt() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey().key
        let emptyModels = fixture.directory.child("no-model")
        try FileManager.default.createDirectory(atPath: emptyModels, withIntermediateDirectories: true)
        let server = try fixture.start(environment: ["CORTEX_EMBED_MODEL_DIR": emptyModels])
        #expect(server.log.contains("no embedding model installed; using the hashing fallback"), "\(server.log.suffix(2_000))")
        let client = TestHTTPClient(baseURL: server.baseURL)
        let headers = ["Authorization": "Bearer \(key)", "Content-Type": "application/json"]
        let reply = try await client.send("POST", "/v1/embeddings", body: Data(#"{"input":["refund policy","refund policy please"],"model":"cortex-hashing-384"}"#.utf8), headers: headers)
        #expect(reply.status == 200, "\(reply.text.prefix(300))")
        let data = try #require(try reply.json()["data"] as? [[String: Any]])
        let vectors = data.compactMap { $0["embedding"] as? [Double] }
        #expect(vectors.count == 2 && vectors.allSatisfy { $0.count == 384 })
        let cosine = zip(vectors[0], vectors[1]).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(cosine > 0.5, "texts that share words are close under hashing (cosine \(cosine))")
        let local = try await client.send("POST", "/v1/embeddings", body: Data(#"{"input":"x","model":"all-MiniLM-L6-v2"}"#.utf8), headers: headers)
        #expect(local.status == 400 && local.text.contains("this server embeds with cortex-hashing-384"))
    }

    @Test func damagedModelStopsTheServerWithAClearMessage() throws {
        let fixture = try WireFixture()
        let model = fixture.directory.child("broken-model")
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        for name in ["config.json", "vocab.txt"] {
            try FileManager.default.copyItem(atPath: EmbeddingEndpointTests.modelDirectory + "/" + name, toPath: model + "/" + name)
        }
        // The real model cut to its first 1,000 bytes: a download that stopped early.
        let whole = try Data(contentsOf: URL(fileURLWithPath: EmbeddingEndpointTests.modelDirectory + "/model.safetensors"))
        try whole.prefix(1_000).write(to: URL(fileURLWithPath: model + "/model.safetensors"))
        do {
            _ = try fixture.start(environment: ["CORTEX_EMBED_MODEL_DIR": model])
            Issue.record("the server started with a damaged model")
        } catch ServerProcessError.exitedBeforeListening(let status, let output) {
            #expect(status != 0)
            #expect(output.contains("model.safetensors: header of"), "\(output.suffix(1_000))")
            #expect(output.contains("runs past the end of the 1000-byte file (truncated?)"), "\(output.suffix(1_000))")
        }
    }
}

/// `embed.provider = openai`: the server embeds through an OpenAI-compatible service (a local fake
/// speaking the real protocol), for /v1/embeddings and for collections that name its model.
@Suite struct EmbeddingOpenAIProviderServerTests {
    @Test func serverEmbedsThroughAnOpenAICompatibleService() async throws {
        let fake = try FakeOpenAI(dimension: 16)
        let fixture = try WireFixture()
        let key = try fixture.mintKey().key
        let server = try fixture.start(environment: [
            "CORTEX_EMBED_PROVIDER": "openai", "CORTEX_EMBED_OPENAI_BASE_URL": fake.baseURL,
            "CORTEX_EMBED_OPENAI_API_KEY": FakeOpenAI.key, "CORTEX_EMBED_OPENAI_MODEL": FakeOpenAI.model,
        ])
        #expect(server.log.contains("embedding provider: OpenAI-compatible fake-embed"), "\(server.log.suffix(1_000))")
        let client = TestHTTPClient(baseURL: server.baseURL)
        let headers = ["Authorization": "Bearer \(key)", "Content-Type": "application/json"]
        let reply = try await client.send("POST", "/v1/embeddings", body: Data(#"{"input":["alpha","beta"],"model":"fake-embed"}"#.utf8), headers: headers)
        #expect(reply.status == 200, "\(reply.text.prefix(300))")
        let vectors = try #require(try reply.json()["data"] as? [[String: Any]]).compactMap { $0["embedding"] as? [Double] }
        let expected = fake.rawVector("alpha").map(Double.init)
        let norm = expected.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(vectors.count == 2 && zip(vectors[0], expected).allSatisfy { abs($0 - $1 / norm) < 1e-5 }, "the service's vector, normalised")

        let created = try await client.send("POST", "/api/v1/collections", body: Data(#"{"name":"notes","metric":"cosine","embedding_model":"fake-embed"}"#.utf8), headers: headers)
        #expect(try created.json()["dimension"] as? Int == 16, "\(created.text)")
        let upserted = try await client.send("POST", "/api/v1/collections/notes/records", body: Data(#"{"records":[{"id":"a","document":"alpha"},{"id":"b","document":"beta"}]}"#.utf8), headers: headers)
        #expect(upserted.text == #"{"inserted":2,"updated":0}"#)
        let hit = try await client.send("POST", "/api/v1/collections/notes/query", body: Data(#"{"text":"beta","k":1}"#.utf8), headers: headers)
        #expect(((try hit.json()["results"] as? [[String: Any]])?.first?["id"] as? String) == "b", "\(hit.text)")
        #expect(try fake.requests().allSatisfy { $0.auth == "Bearer \(FakeOpenAI.key)" && $0.model == "fake-embed" })
        #expect(!server.log.contains(FakeOpenAI.key), "the service key never reaches the log")
    }

    @Test func serviceRejectingTheKeyStopsTheStartWithAClearMessage() throws {
        let fake = try FakeOpenAI(dimension: 16)
        let fixture = try WireFixture()
        do {
            _ = try fixture.start(environment: [
                "CORTEX_EMBED_PROVIDER": "openai", "CORTEX_EMBED_OPENAI_BASE_URL": fake.baseURL,
                "CORTEX_EMBED_OPENAI_API_KEY": "sk-wrong-key", "CORTEX_EMBED_OPENAI_MODEL": FakeOpenAI.model,
            ])
            Issue.record("the server started although the service refused its key")
        } catch ServerProcessError.exitedBeforeListening(_, let output) {
            #expect(output.contains("rejected the API key"), "\(output.suffix(1_000))")
            #expect(!output.contains("sk-wrong-key"))
        }
    }
}
