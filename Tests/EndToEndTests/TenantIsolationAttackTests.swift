import CortexTesting
import Foundation
import Testing

/// The attack suite of issue 5: a second tenant, with its own access token (JWT) and its own
/// admin API key, tries the first tenant's collection names, Chroma collection ids and names,
/// API key ids and analytics SQL tricks on every API. It reads and changes nothing of the first's.
@Suite struct TenantIsolationAttackTests {
    /// One caller's view of every API.
    struct Caller {
        let server: ServerProcess
        let credential: String

        func v1(_ method: String, _ path: String, _ json: Any? = nil) async throws -> TestHTTPClient.Reply {
            try await VectorAPI(server, key: credential).send(method, path, json)
        }

        func chroma(_ method: String, _ path: String, _ body: String? = nil) async throws -> TestHTTPClient.Reply {
            try await TestHTTPClient(baseURL: server.baseURL).send(
                method, "/api/v2" + path, body: body.map { Data($0.utf8) },
                headers: ["Authorization": "Bearer \(credential)", "Content-Type": "application/json"])
        }

        func sqlCount(_ sql: String) async throws -> Int? {
            let reply = try await v1("POST", "/analytics/sql", ["sql": sql])
            #expect(reply.status == 200, "\(sql): \(reply.text)")
            return ((try reply.json()["rows"] as? [[Any]])?.first?.first as? Int)
        }
    }

    static let chromaCollections = "/tenants/default_tenant/databases/default_database/collections"

    @Test func secondTenantReadsAndChangesNothingOfTheFirst() async throws {
        let auth = try AuthFixture()
        let owner = try await auth.register("owner@first.example")
        let attacker = try await auth.register("attacker@second.example")
        let attackerKey = try await auth.createKey(attacker.accessToken, scopes: ["admin"]).key
        let ownerKey = try await auth.createKey(owner.accessToken, scopes: ["admin"])
        let first = Caller(server: auth.server, credential: owner.accessToken)

        // The first tenant's data in every store.
        #expect(try await first.v1("POST", "/collections", ["name": "docs", "dimension": 3, "metric": "l2"]).status == 201)
        let records: [[String: Any]] = [["id": "secret", "vector": [1, 0, 0], "document": "the first tenant's secret"],
                                        ["id": "plan", "vector": [0, 1, 0], "metadata": ["tier": "gold"]]]
        #expect(try await first.v1("POST", "/collections/docs/records", ["records": records]).status == 200)
        let events = (0..<3).map { ["conversation_id": $0, "ts": 1_767_225_600_000 + $0, "event_type": "message"] as [String: Any] }
        #expect(try await first.v1("POST", "/analytics/events", ["events": events]).text == #"{"appended":3}"#)
        let created = try await first.chroma("POST", Self.chromaCollections, #"{"name":"kbase"}"#)
        let chromaID = try #require(try created.json()["id"] as? String, "\(created.status) \(created.text)")
        #expect(try await first.chroma("POST", "\(Self.chromaCollections)/\(chromaID)/add", #"{"ids":["x"],"embeddings":[[1,2,3]],"documents":["chroma secret"]}"#).status == 201)

        for credential in [attacker.accessToken, attackerKey] {
            let second = Caller(server: auth.server, credential: credential)
            // Vector API: the first tenant's names do not exist for the second.
            for (method, path, body) in [("GET", "/collections/docs", nil), ("GET", "/collections/docs/count", nil),
                                         ("POST", "/collections/docs/query", ["vector": [1, 0, 0], "k": 2] as [String: Any]),
                                         ("POST", "/collections/docs/get", ["ids": ["secret"]]),
                                         ("POST", "/collections/docs/records", ["records": [["id": "secret", "vector": [9, 9, 9]]]]),
                                         ("POST", "/collections/docs/delete", ["ids": ["secret", "plan"]]),
                                         ("DELETE", "/collections/docs", nil)] as [(String, String, Any?)] {
                let reply = try await second.v1(method, path, body)
                #expect(reply.status == 404, "\(method) \(path): \(reply.status) \(reply.text)")
                #expect(!reply.text.contains("secret"))
            }
            #expect(try await second.v1("GET", "/collections").text.contains("docs") == false)
            // Keys: the first tenant's key id cannot be revoked or listed.
            #expect(try await second.v1("DELETE", "/api-keys/\(ownerKey.id)").status == 404)
            #expect(try await second.v1("GET", "/api-keys").text.contains(ownerKey.id) == false)
            // Analytics: SQL that would widen a naive scope sees nothing; tenant_id cannot be smuggled.
            for sql in ["SELECT count(*) FROM events", "SELECT count(*) FROM events WHERE 1 = 1 OR tenant_id > 0",
                        "SELECT count(*) FROM events AS x WHERE NOT (x.tenant_id = 999) OR x.event_type = 'message'",
                        "SELECT count(*) FROM events WHERE tenant_id IN (1, 2, 3, 4)"] {
                #expect(try await second.sqlCount(sql) == 0, "\(sql)")
            }
            let smuggled = try await second.v1("POST", "/analytics/events", ["events": [["tenant_id": 1, "conversation_id": 1, "ts": 1]]])
            #expect(smuggled.status == 400)
            // Chroma: the same names, and the first tenant's collection id, lead nowhere.
            #expect(try await second.chroma("GET", "\(Self.chromaCollections)/kbase").status == 404)
            for path in ["/get", "/count", "/add", "/delete", "/query"] {
                let bodies = ["/add": #"{"ids":["y"],"embeddings":[[1,2,3]]}"#, "/query": #"{"query_embeddings":[[1,2,3]],"n_results":1}"#,
                              "/delete": #"{"ids":["x"]}"#, "/get": #"{"ids":["x"]}"#]
                let body = bodies[path] ?? "{}"
                let reply = try await second.chroma(path == "/count" ? "GET" : "POST", "\(Self.chromaCollections)/\(chromaID)\(path)", path == "/count" ? nil : body)
                #expect(reply.status == 404, "chroma \(path): \(reply.status) \(reply.text)")
            }
            let foreignTenant = try await second.chroma("GET", "/tenants/\(owner.tenantID)/databases/default_database/collections/kbase")
            #expect(foreignTenant.status == 404, "\(foreignTenant.text)")
        }

        // Nothing of the first tenant's changed.
        #expect(try await first.v1("GET", "/collections/docs/count").text == #"{"count":2}"#)
        let stored = try await first.v1("POST", "/collections/docs/get", ["ids": ["secret"], "include": ["vector", "document"]])
        #expect(stored.text.contains(#""vector":[1,0,0]"#) || stored.text.contains(#""vector":[1.0,0.0,0.0]"#), "\(stored.text)")
        #expect(try await first.sqlCount("SELECT count(*) FROM events") == 3)
        #expect(try await first.chroma("GET", "\(Self.chromaCollections)/\(chromaID)/count").text == "1")
        #expect(try await first.v1("GET", "/api-keys").text.contains(ownerKey.id))
    }
}
