import CortexTesting
import Foundation
import Testing

/// Calls `/api/v1` of a running server as one API key (or none).
struct VectorAPI {
    let client: TestHTTPClient
    let key: String?

    init(_ server: ServerProcess, key: String?) {
        client = TestHTTPClient(baseURL: server.baseURL)
        self.key = key
    }

    private var headers: [String: String] {
        var headers = ["Content-Type": "application/json"]
        if let key { headers["Authorization"] = "Bearer \(key)" }
        return headers
    }

    /// Sends `json` (any JSONSerialization value) as the body.
    func send(_ method: String, _ path: String, _ json: Any? = nil) async throws -> TestHTTPClient.Reply {
        let body = try json.map { try JSONSerialization.data(withJSONObject: $0, options: [.fragmentsAllowed]) }
        return try await client.send(method, "/api/v1" + path, body: body, headers: headers)
    }

    /// Sends `text` verbatim as the body (for malformed JSON).
    func sendRaw(_ method: String, _ path: String, _ body: Data) async throws -> TestHTTPClient.Reply {
        try await client.send(method, "/api/v1" + path, body: body, headers: headers)
    }

    func createCollection(_ name: String, dimension: Int, metric: String = "l2") async throws -> TestHTTPClient.Reply {
        try await send("POST", "/collections", ["name": name, "dimension": dimension, "metric": metric])
    }

    /// The record count, requiring a 200.
    func count(_ collection: String) async throws -> Int {
        let reply = try await send("GET", "/collections/\(collection)/count")
        try #require(reply.status == 200, "\(reply.text)")
        return try #require(try reply.json()["count"] as? Int)
    }

    /// Record ids of a query or get answer (`results` or `records`).
    static func ids(_ reply: TestHTTPClient.Reply, field: String = "results") throws -> [String] {
        let entries = try #require(try reply.json()[field] as? [[String: Any]], "\(reply.text)")
        return entries.compactMap { $0["id"] as? String }
    }
}

/// The `error` object of a reply, after checking that its request id is the response's.
struct ErrorReply: Equatable, CustomStringConvertible {
    let status: Int
    let code: String
    let message: String

    init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    init(_ reply: TestHTTPClient.Reply) throws {
        let error = try #require(try reply.json()["error"] as? [String: String], "not an error body: \(reply.text)")
        #expect(error["request_id"] == reply.headers["x-request-id"], "the error names the request id")
        status = reply.status
        code = error["code"] ?? "-"
        message = error["message"] ?? "-"
    }

    var description: String { "\(status) \(code): \(message)" }
}

extension VectorData {
    /// Upsert body entries: group = index % 10; documents say "blue" for multiples of 3, "red" otherwise.
    func jsonRecords(_ range: Range<Int>) -> [[String: Any]] {
        range.map { index in
            [
                "id": String(index), "vector": vectors[index].map(Double.init),
                "metadata": ["group": index % 10, "name": "record \(index)"],
                "document": "\(index % 3 == 0 ? "blue" : "red") document \(index)",
            ]
        }
    }
}
