import CortexCore
import CortexTesting
import Foundation
import Testing

/// The running server's backups: change-log shipping across kill -9, and restores of one tenant
/// (to its snapshot, to a time) while the server keeps serving the others.
@Suite struct BackupServerTests {
    private static func records(_ ids: Range<Int>) -> [String: Any] {
        ["records": ids.map { id in
            ["id": "r\(id)", "vector": (0..<8).map { Double((id * 31 + $0 * 7) % 97) / 97 }, "metadata": ["n": id]] as [String: Any]
        }]
    }

    private static func upsert(_ api: VectorAPI, _ ids: Range<Int>) async throws {
        let reply = try await api.send("POST", "/collections/docs/records", records(ids))
        try #require(reply.status == 200, "\(reply.text)")
    }

    /// Ids and neighbours a user would see.
    private static func observe(_ api: VectorAPI) async throws -> [String] {
        var seen = ["count \(try await api.count("docs"))"]
        for query in [3, 150, 977] {
            let reply = try await api.send("POST", "/collections/docs/query", [
                "vector": (0..<8).map { Double((query * 31 + $0 * 7) % 97) / 97 }, "k": 5,
            ])
            seen.append(try VectorAPI.ids(reply).joined(separator: ","))
        }
        return seen
    }

    /// Registers root@example.com on a running server, stops it and promotes the account; returns the password.
    private static func makeAdministrator(_ fixture: WireFixture, environment: [String: String]) async throws {
        let server = try fixture.start(environment: environment)
        let registered = try await VectorAPI(server, key: nil).send(
            "POST", "/auth/register", ["email": "root@example.com", "password": "correct horse battery", "name": "Root"])
        try #require(registered.status == 201, "\(registered.text)")
        #expect(server.stop() == 0)
        let promoted = try runProduct("cortex", ["admin", "users", "promote", "--data", fixture.data, "--email", "root@example.com"])
        try #require(promoted.status == 0, "\(promoted.stderr)")
    }

    private static func administrator(_ server: ServerProcess) async throws -> VectorAPI {
        let login = try await VectorAPI(server, key: nil).send("POST", "/auth/login", ["email": "root@example.com", "password": "correct horse battery"])
        return VectorAPI(server, key: try #require(try login.json()["access_token"] as? String, "\(login.text)"))
    }

    private static let analyticsQueries = [
        "SELECT event_type, count(*) AS n, sum(latency_ms) AS total FROM events GROUP BY event_type ORDER BY event_type",
        "SELECT conversation_id, max(ts) FROM events GROUP BY conversation_id ORDER BY conversation_id LIMIT 20",
    ]

    private static func analyticsAnswers(_ server: ServerProcess, key: String) async throws -> [String] {
        var answers: [String] = []
        for sql in analyticsQueries {
            let body = try JSONSerialization.data(withJSONObject: ["sql": sql])
            let reply = try await TestHTTPClient(baseURL: server.baseURL).send(
                "POST", "/api/v1/analytics/sql", body: body, headers: ["Authorization": "Bearer \(key)", "Content-Type": "application/json"])
            try #require(reply.status == 200, "\(reply.text)")
            answers.append(reply.text)
        }
        return answers
    }

    /// A server that ships its log to S3 (moto) every 100 ms: a snapshot taken while it runs (vectors and
    /// analytics), more writes, kill -9 while writing, a restart that catches up. A restore from the bucket
    /// into an empty folder answers vector queries and analytics SQL exactly as the original does, with
    /// every acknowledged write.
    @Test func killNineDuringShippingLosesNoAcknowledgedWriteFromTheShippedLog() async throws {
        let moto = try MotoServer()
        let fixture = try WireFixture(tenants: ["acme"])
        let (key, _) = try fixture.mintKey(scopes: "query,ingest")
        let url = "s3://\(moto.bucket)/server"
        let environment = AuthFixture.environment(moto.environment.merging([
            "CORTEX_BACKUP_TARGET": url, "CORTEX_BACKUP_ENDPOINT": moto.endpoint,
            "CORTEX_BACKUP_SHIP_INTERVAL_MS": "100", "CORTEX_BACKUP_SNAPSHOT_INTERVAL_SECONDS": "0",
        ]) { $1 })
        try await Self.makeAdministrator(fixture, environment: environment)

        var server = try fixture.start(environment: environment)
        var api = VectorAPI(server, key: key)
        try #require(try await api.createCollection("docs", dimension: 8).status == 201)
        try await Self.upsert(api, 0..<200)
        for conversation in 0..<5 {
            let reply = try await TestHTTPClient(baseURL: server.baseURL).send(
                "POST", "/api/v1/analytics/events", body: Data(HTTPAnalyticsTests.events(40, conversation: conversation, type: conversation % 2 == 0 ? "message" : "lead").utf8),
                headers: ["Authorization": "Bearer \(key)", "Content-Type": "application/json"])
            try #require(reply.status == 200, "\(reply.text)")
        }
        let snapshot = try await Self.administrator(server).send("POST", "/admin/snapshots")
        try #require(snapshot.status == 201, "\(snapshot.text)")

        var acknowledged = 200
        let clock = ContinuousClock()
        let started = clock.now
        while clock.now - started < .milliseconds(1_500) {
            try await Self.upsert(api, acknowledged..<(acknowledged + 40))
            acknowledged += 40
        }
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()

        // Restarted, it finds its unshipped records and ships them; a graceful stop ships the rest.
        server = try fixture.start(environment: environment)
        api = VectorAPI(server, key: key)
        #expect(try await api.count("docs") == acknowledged)
        let expected = try await Self.observe(api)
        let expectedAnalytics = try await Self.analyticsAnswers(server, key: key)
        #expect(expectedAnalytics[0].contains(#"["lead",80,"#) && expectedAnalytics[0].contains(#"["message",120,"#), "\(expectedAnalytics[0])")
        try await Task.sleep(for: .milliseconds(500))
        #expect(server.stop() == 0)

        let restoredData = fixture.directory.child("restored")
        let restore = try runProduct("cortex", ["restore", "--from", url, "--endpoint", moto.endpoint, "--to", restoredData, "--json"],
                                     environment: moto.environment)
        try #require(restore.status == 0, "\(restore.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(restore.stdout.utf8)) as? [String: Any])
        let replays = try #require(summary["replays"] as? [[String: Any]])
        #expect(replays.contains { $0["environment"] as? String == "tenant/acme" && ($0["applied"] as? Int ?? 0) > 0 }, "\(restore.stdout)")
        let restored = try ServerProcess(arguments: ["--data", restoredData])
        let restoredAPI = VectorAPI(restored, key: key)
        #expect(try await Self.observe(restoredAPI) == expected)
        #expect(expected.first == "count \(acknowledged)")
        #expect(try await Self.analyticsAnswers(restored, key: key) == expectedAnalytics)
        #expect(restored.stop() == 0)
    }

    @Test func anAdministratorRestoresOneTenantWhileTheServerServesTheOthers() async throws {
        let backups = TemporaryDirectory("cortex-backups")
        let fixture = try WireFixture(tenants: ["acme", "beta"])
        let (acmeKey, _) = try fixture.mintKey(tenant: "acme", scopes: "query,ingest")
        let (betaKey, _) = try fixture.mintKey(tenant: "beta", scopes: "query,ingest")
        let environment = AuthFixture.environment([
            "CORTEX_BACKUP_TARGET": "file://" + backups.path, "CORTEX_BACKUP_SHIP_INTERVAL_MS": "200",
            "CORTEX_BACKUP_SNAPSHOT_INTERVAL_SECONDS": "0",
        ])
        try await Self.makeAdministrator(fixture, environment: environment)
        let server = try fixture.start(environment: environment)
        let acme = VectorAPI(server, key: acmeKey), beta = VectorAPI(server, key: betaKey)
        for api in [acme, beta] {
            try #require(try await api.createCollection("docs", dimension: 8).status == 201)
            try await Self.upsert(api, 0..<300)
        }
        let http = TestHTTPClient(baseURL: server.baseURL)
        let acmeRows = HTTPAnalyticsTests.Client(http: http, key: acmeKey), betaRows = HTTPAnalyticsTests.Client(http: http, key: betaKey)
        func events(_ client: HTTPAnalyticsTests.Client, _ count: Int) async throws {
            let reply = try await client.post("/events", HTTPAnalyticsTests.events(count, conversation: 1, type: "message"))
            try #require(reply.status == 200, "\(reply.text)")
        }
        func eventCount(_ client: HTTPAnalyticsTests.Client) async throws -> Int? {
            try await client.rows("SELECT count(*) FROM events").first?.first as? Int
        }
        try await events(acmeRows, 30)
        try await events(betaRows, 10)
        let admin = try await Self.administrator(server)
        let snapshot = try await admin.send("POST", "/admin/snapshots")
        try #require(snapshot.status == 201, "\(snapshot.text)")
        let atSnapshot = try await Self.observe(acme)

        try await Self.upsert(acme, 300..<500)
        try await events(acmeRows, 20)
        try await Self.upsert(beta, 300..<400)
        try await events(betaRows, 5)
        let betaMiddle = try await Self.observe(beta)
        let between = Int64(Date().timeIntervalSince1970 * 1000)
        try await Task.sleep(for: .milliseconds(20))
        try await Self.upsert(beta, 400..<450)
        try await events(betaRows, 7)
        let shipped = try await admin.send("POST", "/admin/log/ship")
        #expect(shipped.status == 200, "\(shipped.text)")

        // Not for tenant keys, nor for other tenants' owners.
        let refused = try await acme.send("POST", "/admin/tenants/acme/restore", ["snapshot_only": true])
        #expect(try ErrorReply(refused).status == 403)

        let rewound = try await admin.send("POST", "/admin/tenants/acme/restore", ["snapshot_only": true])
        #expect(rewound.status == 200, "\(rewound.text)")
        #expect(try await Self.observe(acme) == atSnapshot, "acme is back at the snapshot")
        #expect(try await eventCount(acmeRows) == 30, "acme's analytics rows too")
        #expect(try await beta.count("docs") == 450, "beta kept every write")
        #expect(try await eventCount(betaRows) == 22)
        try await Self.upsert(acme, 1_000..<1_010)
        #expect(try await acme.count("docs") == 310, "acme takes writes again")

        let atTime = try await admin.send("POST", "/admin/tenants/beta/restore", ["at": between])
        #expect(atTime.status == 200, "\(atTime.text)")
        #expect(try await Self.observe(beta) == betaMiddle, "beta has what it had at that time: 400 records")
        #expect(try await eventCount(betaRows) == 15, "and its analytics rows of that time")
        #expect(try await eventCount(acmeRows) == 30, "acme untouched by beta's restore")
        let list = try await admin.send("GET", "/admin/snapshots")
        #expect((try list.json()["snapshots"] as? [[String: Any]])?.count ?? 0 >= 3, "each restore was followed by a snapshot")

        let bad = try await admin.send("POST", "/admin/tenants/beta/restore", ["at": "yesterday"])
        #expect(try ErrorReply(bad) == ErrorReply(status: 400, code: "invalid_input", message: "at \"yesterday\" is not an ISO 8601 time such as 2026-11-27T09:30:00Z"))
        #expect(server.stop() == 0)
    }
}
