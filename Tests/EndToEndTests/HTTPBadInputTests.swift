import CortexTesting
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Bad input on every `/api/v1/collections` route: the right status and error body, and nothing lost.
@Suite struct HTTPBadInputTests {
    /// (method, path, body, expected status, expected message).
    typealias Case = (method: String, path: String, body: String, status: Int, message: String)

    static let cases: [Case] = [
        ("POST", "/collections", #"{"name": "x", "dimension": 4"#, 400, "invalid JSON: Unexpected end of file during JSON parse."),
        ("POST", "/collections", "", 400, "the request body is empty; send a JSON object"),
        ("POST", "/collections", "[1, 2]", 400, "the request body must be a JSON object; got array"),
        ("POST", "/collections", #"{"name": "x", "dimension": "4", "metric": "l2"}"#, 400, "dimension must be an integer; got string"),
        ("POST", "/collections", #"{"name": "x", "dimension": 4}"#, 400, "missing field metric"),
        ("POST", "/collections", #"{"name": "x", "dimension": 4, "metric": "manhattan"}"#, 400,
         "metric must be l2, ip or cosine; got 'manhattan'"),
        ("POST", "/collections", #"{"name": "x", "dimension": 0, "metric": "l2"}"#, 400, "dimension must be 1-4096; got 0"),
        ("POST", "/collections", #"{"name": "x", "dimensions": 4, "metric": "l2"}"#, 400,
         "unknown field dimensions; allowed: dimension, ef_construction, ef_search, embedding_model, m, metric, name, pq_m"),
        ("POST", "/collections", #"{"name": "docs", "dimension": 4, "metric": "l2"}"#, 409, "collection 'docs' already exists"),
        ("POST", "/collections/docs/records", #"{"records": {}}"#, 400, "records must be an array; got object"),
        ("POST", "/collections/docs/records", #"{"records": [{"id": "a"}]}"#, 400, "records[0].vector is required (or a document, for a collection with an embedding model)"),
        ("POST", "/collections/docs/records", #"{"records": [{"id": "a", "vector": [1, 2, "3", 4]}]}"#, 400,
         "records[0].vector[2] must be a number; got string"),
        ("POST", "/collections/docs/records", #"{"records": [{"id": "a", "vector": [1, 2, 3]}]}"#, 400,
         "vector of record 0 ('a') has 3 dimensions; collection 'docs' expects 4"),
        ("POST", "/collections/docs/records", #"{"records": [{"id": "", "vector": [1, 2, 3, 4]}]}"#, 400, "record id is empty"),
        ("POST", "/collections/docs/records", #"{"records": [{"id": "a", "vector": [1, 2, 3, 1e39]}]}"#, 400,
         "records[0].vector[3] is 1e+39, outside the float32 range (±3.4028235e+38)"),
        ("POST", "/collections/docs/records", #"{"records": [{"id": "a", "vector": [1, 2, 3, 4], "metadata": {"k": null}}]}"#, 400,
         #"records[0].metadata: metadata "k" is null; use a string, number, bool or a list of them"#),
        ("POST", "/collections/nope/records", #"{"records": [{"id": "a", "vector": [1, 2, 3, 4]}]}"#, 404, "collection 'nope' does not exist"),
        ("POST", "/collections/docs/query", #"{"vector": [1, 2, 3, 4], "k": 0}"#, 400, "k must be 1-4096; got 0"),
        ("POST", "/collections/docs/query", #"{"vector": [1, 2, 3, 4], "k": 5000}"#, 400, "k must be 1-4096; got 5000"),
        ("POST", "/collections/docs/query", #"{"vector": [1, 2, 3, 4]}"#, 400, "missing field k"),
        ("POST", "/collections/docs/query", #"{"vector": [1, 2, 3, 4], "k": 1.5}"#, 400, "k must be an integer; got 1.5"),
        ("POST", "/collections/docs/query", #"{"vector": [1, 2], "k": 1}"#, 400, "query vector has 2 dimensions; collection 'docs' expects 4"),
        ("POST", "/collections/docs/query", #"{"vector": [1, 2, 3, 4], "k": 1, "include": ["embeddings"]}"#, 400,
         "include may list metadata, document and vector; got 'embeddings'"),
        ("POST", "/collections/docs/get", #"{"ids": [1, 2]}"#, 400, "ids[0] must be a string; got number"),
        ("POST", "/collections/docs/get", #"{"limit": -1}"#, 400, "limit must be 0-10000; got -1"),
        ("POST", "/collections/docs/get", #"{"ids": ["a"], "filter": {"g": 1}}"#, 400, "get takes ids or filter/where_document, not both"),
        ("POST", "/collections/docs/delete", "{}", 400, "delete needs ids or a filter (filter and/or where_document)"),
        ("POST", "/collections/docs/delete", #"{"ids": "a"}"#, 400, "ids must be an array; got string"),
        ("GET", "/collections/nope", "", 404, "collection 'nope' does not exist"),
        ("GET", "/collections/nope/count", "", 404, "collection 'nope' does not exist"),
        ("DELETE", "/collections/nope", "", 404, "collection 'nope' does not exist"),
    ]

    @Test func everyRouteAnswersBadInputWithTheRightStatusAndMessageAndLosesNothing() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey(scopes: "admin").key
        let server = try fixture.start(environment: ["CORTEX_SERVER_HTTP_BODY_MAX_BYTES": "65536"])
        let api = VectorAPI(server, key: key)
        let data = VectorData(count: 50, dimension: 4, seed: 3)
        #expect(try await api.createCollection("docs", dimension: 4).status == 201)
        #expect(try await api.send("POST", "/collections/docs/records", ["records": data.jsonRecords(0..<50)]).status == 200)

        for test in Self.cases {
            let reply = try await api.sendRaw(test.method, test.path, Data(test.body.utf8))
            let error = try ErrorReply(reply)
            #expect(error.status == test.status, "\(test.method) \(test.path) \(test.body)")
            #expect(error.message == test.message, "\(test.method) \(test.path) \(test.body)")
        }

        // A body over server.http_body_max_bytes (64 KiB here): 413, whatever it holds.
        let huge = try await api.send("POST", "/collections/docs/records", ["records": data.jsonRecords(0..<50) + VectorData(
            count: 2_000, dimension: 4, seed: 9).jsonRecords(0..<2_000).map { record in record.merging(["id": "x\(record["id"]!)"]) { $1 } }])
        #expect(try ErrorReply(huge) == ErrorReply(
            status: 413, code: "too_large", message: "the request body exceeds the limit of 65536 bytes (server.http_body_max_bytes)"))

        // The same without Content-Length (chunked): the limit holds while reading.
        var streamed = URLRequest(url: URL(string: server.baseURL + "/api/v1/collections/docs/records")!)
        streamed.httpMethod = "POST"
        streamed.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        streamed.httpBodyStream = InputStream(data: Data(repeating: UInt8(ascii: " "), count: 200_000))
        let (streamedBody, streamedResponse) = try await URLSession.shared.data(for: streamed)
        #expect((streamedResponse as? HTTPURLResponse)?.statusCode == 413)
        #expect(String(decoding: streamedBody, as: UTF8.self).contains("the request body exceeds the limit of 65536 bytes"))

        // Nothing was lost or half-applied, and the server keeps serving.
        #expect(try await api.count("docs") == 50)
        let nearest = try await api.send("POST", "/collections/docs/query", ["vector": data.vectors[9].map(Double.init), "k": 3, "ef": 100])
        #expect(try VectorAPI.ids(nearest) == data.nearest(data.vectors[9], k: 3))
        #expect(try await TestHTTPClient(baseURL: server.baseURL).get("/health").status == 200)
    }
}

@Suite struct HTTPExtremeValueTests {
    /// Components near float32's limit are valid, but squared distances between such vectors overflow
    /// to infinity, which JSON cannot carry: the answer must still be JSON, and the server must live.
    @Test func aQueryWhoseDistanceOverflowsFloat32AnswersWithTheLargestFiniteDistance() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey(scopes: "admin").key
        let server = try fixture.start()
        let api = VectorAPI(server, key: key)
        #expect(try await api.createCollection("big", dimension: 2).status == 201)
        let upsert = try await api.send("POST", "/collections/big/records", ["records": [
            ["id": "far", "vector": [3e38, 3e38]], ["id": "near", "vector": [-3e38, -3e38]],
        ]])
        #expect(upsert.status == 200, "\(upsert.text)")
        let reply = try await api.send("POST", "/collections/big/query", ["vector": [-3e38, -3e38], "k": 2])
        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.text == #"{"results":[{"distance":0.0,"id":"near"},{"distance":3.4028235e+38,"id":"far"}]}"#)
        #expect(try await TestHTTPClient(baseURL: server.baseURL).get("/health").status == 200)
    }
}
