import CortexTesting
import Foundation
import Testing

/// `/api/v1/analytics`: appends and SQL over HTTP, each tenant seeing only its own rows whatever
/// the SQL says, and bad input refused without losing what was stored.
@Suite struct HTTPAnalyticsTests {
    struct Client {
        let http: TestHTTPClient
        let key: String

        func post(_ path: String, _ body: String) async throws -> TestHTTPClient.Reply {
            try await http.send("POST", "/api/v1/analytics" + path, body: Data(body.utf8),
                                headers: ["Authorization": "Bearer \(key)", "Content-Type": "application/json"])
        }

        func rows(_ sql: String) async throws -> [[Any]] {
            let reply = try await post("/sql", #"{"sql":\#(String(decoding: try JSONEncoder().encode(sql), as: UTF8.self))}"#)
            #expect(reply.status == 200, "\(sql): \(reply.text.prefix(400))")
            return (try reply.json()["rows"] as? [[Any]]) ?? []
        }
    }

    static func events(_ count: Int, conversation: Int, type: String) -> String {
        let rows = (0..<count).map { index in
            #"{"conversation_id":\#(conversation),"ts":\#(1_767_225_600_000 + index * 1000),"event_type":"\#(type)","channel":"web","latency_ms":\#(100 + index)}"#
        }
        return #"{"events":[\#(rows.joined(separator: ","))]}"#
    }

    @Test func tenantsAppendAndQueryOnlyTheirOwnRows() async throws {
        let fixture = try WireFixture(tenants: ["acme", "beta"])
        let acmeKey = try fixture.mintKey(tenant: "acme").key
        let betaKey = try fixture.mintKey(tenant: "beta").key
        let http = TestHTTPClient(baseURL: try fixture.start().baseURL)
        let acme = Client(http: http, key: acmeKey), beta = Client(http: http, key: betaKey)

        #expect(try await acme.post("/events", Self.events(30, conversation: 7, type: "message")).text == #"{"appended":30}"#)
        #expect(try await beta.post("/events", Self.events(5, conversation: 9, type: "lead")).text == #"{"appended":5}"#)
        let conversation = #"{"conversations":[{"conversation_id":7,"started_at":"2026-01-01T00:00:00Z","duration_s":60,"message_count":4,"success_score":0.75,"lead_generated":true}]}"#
        #expect(try await acme.post("/conversations", conversation).text == #"{"appended":1}"#)

        let reply = try await acme.post("/sql", #"{"sql":"SELECT event_type, count(*) AS n, max(latency_ms) AS slowest FROM events GROUP BY event_type ORDER BY n DESC"}"#)
        #expect(reply.text == #"{"columns":[{"name":"event_type","type":"VARCHAR"},{"name":"n","type":"BIGINT"},{"name":"slowest","type":"INTEGER"}],"rows":[["message",30,129]]}"#)
        #expect(try await beta.rows("SELECT count(*) FROM events").first?.first as? Int == 5)
        // Tricks that would widen the scope in a naive rewrite: each sees its own rows only.
        for sql in ["SELECT count(*) FROM events WHERE 1 = 1 OR tenant_id <> 0",
                    "SELECT count(*) FROM events WHERE tenant_id IN (1, 2, 3) OR NOT (tenant_id = 1)",
                    "SELECT count(*) FROM events AS e WHERE e.event_type = 'lead' OR e.event_type = 'message'"] {
            #expect(try await beta.rows(sql).first?.first as? Int == 5, "\(sql)")
            #expect(try await acme.rows(sql).first?.first as? Int == 30, "\(sql)")
        }
        #expect(try await beta.rows("SELECT count(*) FROM conversations").first?.first as? Int == 0)
        let parameters = try await acme.post("/sql", #"{"sql":"SELECT count(*) FROM events WHERE latency_ms >= $min","params":{"min":120}}"#)
        #expect(parameters.text.hasSuffix(#""rows":[[10]]}"#), "\(parameters.text)")
        let create = try await acme.post("/sql", #"{"sql":"CREATE TABLE x (tenant_id BIGINT NOT NULL, ts BIGINT) WITH (tenant = 'tenant_id', time = 'ts')"}"#)
        #expect(create.status == 403 || create.status == 400, "\(create.text)")
    }

    @Test func badAnalyticsInputIsRefusedAndNothingStoredIsLost() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey().key
        let reader = try fixture.mintKey(scopes: "query").key
        let http = TestHTTPClient(baseURL: try fixture.start().baseURL)
        let client = Client(http: http, key: key)
        #expect(try await client.post("/events", Self.events(3, conversation: 1, type: "message")).status == 200)
        let cases: [(path: String, body: String, status: Int, message: String)] = [
            ("/events", #"{"events":[{"tenant_id":2,"conversation_id":1,"ts":1}]}"#, 400, "events[0].tenant_id is set by the server from the API key; leave it out"),
            ("/events", #"{"events":[{"conversation_id":"x","ts":1}]}"#, 400, "events[0]:"),
            ("/events", #"{"events":[{"nope":1}]}"#, 400, "has no column 'nope'"),
            ("/events", #"{"events":[{"conversation_id":[1],"ts":1}]}"#, 400, "events[0].conversation_id must be a string, number, boolean or null; got array"),
            ("/events", #"{"events":"#, 400, "invalid JSON"),
            ("/events", #"{"rows":[]}"#, 400, "rows"),
            ("/sql", #"{"sql":"SELECT count(* FROM events"}"#, 400, "line 1, column 16: expected ')', found 'FROM'"),
            ("/sql", #"{"sql":"SELECT nope FROM events"}"#, 400, "nope"),
            ("/sql", #"{"sql":"SELECT 1 FROM missing"}"#, 404, "missing"),
            ("/sql", #"{"sql":5}"#, 400, "sql must be a string"),
        ]
        for bad in cases {
            let reply = try await client.post(bad.path, bad.body)
            #expect(reply.status == bad.status, "\(bad.body): \(reply.text.prefix(300))")
            #expect(reply.text.contains(bad.message), "\(bad.body): \(reply.text.prefix(300))")
        }
        let readOnly = try await Client(http: http, key: reader).post("/events", Self.events(1, conversation: 1, type: "message"))
        #expect(readOnly.status == 403)
        #expect(try await client.rows("SELECT count(*) FROM events").first?.first as? Int == 3)
    }
}
