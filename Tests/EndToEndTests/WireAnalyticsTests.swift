import CortexClient
import CortexTesting
import CortexWire
import Foundation
import Testing

/// ANALYTICS_APPEND and ANALYTICS_SQL (docs/wire-protocol.md §4.11) against a real server: the same
/// answers as HTTP, each key's tenant only, the scopes HTTP asks for, and bad frames answered
/// without ending the service.
@Suite struct WireAnalyticsTests {
    /// `count` events of one conversation: latency 100, 101, …; every third channel NULL.
    static func events(_ count: Int, conversation: Int64, type: String) -> AnalyticsBatch {
        AnalyticsBatch(rowCount: count, columns: [
            AnalyticsColumn(name: "conversation_id", type: .int64, values: Array(repeating: .int64(conversation), count: count)),
            AnalyticsColumn(name: "ts", type: .timestamp, values: (0..<count).map { .timestamp(1_767_225_600_000 + Int64($0) * 1000) }),
            AnalyticsColumn(name: "event_type", type: .string, values: Array(repeating: .string(type), count: count)),
            AnalyticsColumn(name: "channel", type: .string, values: (0..<count).map { $0 % 3 == 0 ? .null : .string("web") }),
            AnalyticsColumn(name: "latency_ms", type: .int32, values: (0..<count).map { .int32(100 + Int32($0)) }),
        ])
    }

    static func hex(_ text: String) -> [UInt8] { text.split(separator: " ").map { UInt8($0, radix: 16)! } }

    /// The HTTP answer's JSON text for a wire result (no timestamps: HTTP prints them as text).
    static func httpText(_ result: AnalyticsBatch) -> String {
        func json(_ value: AnalyticsValue) -> String {
            switch value {
            case .null: "null"
            case .string(let text): String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
            default: value.description
            }
        }
        let columns = result.columns.map { #"{"name":"\#($0.name)","type":"\#($0.type.sqlName)"}"# }.joined(separator: ",")
        let rows = result.rows.map { "[" + $0.map(json).joined(separator: ",") + "]" }.joined(separator: ",")
        return #"{"columns":[\#(columns)],"rows":[\#(rows)]}"#
    }

    @Test func appendsAndQueriesOverTheWireAnswerAsHTTPDoesAndStayInTheirTenant() async throws {
        let fixture = try WireFixture(tenants: ["acme", "beta"])
        let acmeKey = try fixture.mintKey(tenant: "acme").key
        let betaKey = try fixture.mintKey(tenant: "beta").key
        let http = HTTPAnalyticsTests.Client(http: TestHTTPClient(baseURL: try fixture.start().baseURL), key: acmeKey)
        let acme = try await fixture.connect(acmeKey), beta = try await fixture.connect(betaKey)
        #expect(acme.hello.supportsAnalytics)

        #expect(try await acme.appendAnalytics(table: "events", batch: Self.events(30, conversation: 7, type: "message")) == 30)
        #expect(try await beta.appendAnalytics(table: "events", batch: Self.events(5, conversation: 9, type: "lead")) == 5)
        let queries: [(sql: String, wire: [String: AnalyticsValue], http: String)] = [
            ("SELECT event_type, count(*) AS n, max(latency_ms) AS slowest FROM events GROUP BY event_type ORDER BY n DESC", [:], ""),
            ("SELECT count(*) AS n, avg(latency_ms) AS mean, count(channel) AS with_channel FROM events WHERE latency_ms >= $min",
             ["min": .int64(120)], #","params":{"min":120}"#),
            ("SELECT conversation_id, latency_ms, channel, latency_ms > 110 AS slow FROM events WHERE channel = $c ORDER BY latency_ms LIMIT 4",
             ["c": .string("web")], #","params":{"c":"web"}"#),
            ("SELECT NULL AS nothing, 1.5 AS x FROM events LIMIT 1", [:], ""),
        ]
        for query in queries {
            let wire = try await acme.sql(query.sql, parameters: query.wire)
            let reply = try await http.post("/sql", #"{"sql":\#(String(decoding: try JSONEncoder().encode(query.sql), as: UTF8.self))\#(query.http)}"#)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(Self.httpText(wire) == reply.text, "\(query.sql)")
        }
        // The example of docs/wire-protocol.md §4.11.3, byte for byte.
        let socket = try fixture.rawSession(acmeKey)
        try socket.send(Self.hex("28 00 00 00 41 00 00 00 03 00 00 00 00 00 00 00 20 00 00 00 53 45 4c 45 43 54 20 63 6f 75 6e 74 28 2a 29 20 41 53 20 6e 20 46 52 4f 4d 20 65 76 65 6e 74 73 00 00 00 00"))
        socket.shutdownWrite()
        #expect(try socket.readToEnd() == Self.hex("17 00 00 00 c1 00 00 00 03 00 00 00 00 00 00 00 01 00 00 00 01 00 00 00 01 00 00 00 6e 02 01 1e 00 00 00 00 00 00 00"))
        let grouped = try await acme.sql(queries[0].sql)
        #expect(grouped.rows == [[.string("message"), .int64(30), .int32(129)]])

        // Tricks that would widen the scope in a naive rewrite: each key sees its own rows only.
        for sql in ["SELECT count(*) FROM events WHERE 1 = 1 OR tenant_id <> 0",
                    "SELECT count(*) FROM events WHERE tenant_id IN (1, 2, 3) OR NOT (tenant_id = 1)",
                    "SELECT count(*) FROM events AS e WHERE e.event_type = 'lead' OR e.event_type = 'message'"] {
            #expect(try await beta.sql(sql).rows == [[.int64(5)]], "\(sql)")
            #expect(try await acme.sql(sql).rows == [[.int64(30)]], "\(sql)")
        }
        #expect(try await beta.sql("SELECT count(*) FROM events WHERE conversation_id = 7").rows == [[.int64(0)]])
        let smuggled = AnalyticsBatch(rowCount: 1, columns: Self.events(1, conversation: 7, type: "x").columns + [
            AnalyticsColumn(name: "tenant_id", type: .int32, values: [.int32(1)]),
        ])
        #expect(await caught { try await beta.appendAnalytics(table: "events", batch: smuggled) }
            == WireError(.invalidInput, "column tenant_id is set by the server from the API key; leave it out"))
        #expect(try await acme.sql("SELECT count(*) FROM events").rows == [[.int64(30)]], "nothing was appended to acme")
        await acme.close()
        await beta.close()
    }

    @Test func badAppendsAndQueriesAreRefusedNamingTheColumnOrLimit() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey().key
        let readerKey = try fixture.mintKey(scopes: "query")
        try fixture.start()
        let client = try await fixture.connect(key)
        #expect(try await client.appendAnalytics(table: "events", batch: Self.events(3, conversation: 1, type: "message")) == 3)
        let good = Self.events(2, conversation: 1, type: "message").columns
        func batch(_ columns: [AnalyticsColumn]) -> AnalyticsBatch { AnalyticsBatch(rowCount: 2, columns: columns) }
        let cases: [(table: String, batch: AnalyticsBatch, error: WireError)] = [
            ("events", batch(good + [AnalyticsColumn(name: "nope", type: .int32, values: [.int32(1), .int32(2)])]),
             WireError(.invalidInput, "table events has no column 'nope'")),
            ("events", batch([good[0], good[1], good[2], AnalyticsColumn(name: "latency_ms", type: .string, values: [.string("1"), .null])]),
             WireError(.invalidInput, "column latency_ms is int32; the batch sends it as string")),
            ("events", batch([good[0], good[1], AnalyticsColumn(name: "event_type", type: .string, values: [.string("x"), .null])]),
             WireError(.invalidInput, "events[1]: row 1: column event_type is NOT NULL")),
            ("events", batch([good[0], good[2]]), WireError(.invalidInput, "events[0]: row 0: column ts is NOT NULL")),
            ("events", batch(good + [good[4]]), WireError(.invalidInput, "column latency_ms appears twice in the batch")),
            ("missing", batch(good), WireError(.notFound, "analytics table 'missing' does not exist; the tables are events and conversations")),
        ]
        for bad in cases {
            #expect(await caught { try await client.appendAnalytics(table: bad.table, batch: bad.batch) } == bad.error)
        }
        let syntax = await caught { try await client.sql("SELECT count(* FROM events") }
        #expect(syntax?.code == .invalidInput)
        #expect(syntax?.message.contains("line 1, column 16: expected ')', found 'FROM'") == true, "\(String(describing: syntax))")
        #expect(await caught { try await client.sql("SELECT 1 FROM missing") }?.code == .notFound)
        #expect(await caught { try await client.sql("SELECT $x FROM events") }?.code == .invalidInput)
        #expect(await caught { try await client.sql(String(repeating: " ", count: 65_537) + "SELECT 1 FROM events") }
            == WireError(.tooLarge, "ANALYTICS_SQL: sql is 65557 bytes; the limit is 65536"))

        let reader = try await fixture.connect(readerKey.key)
        #expect(await caught { try await reader.appendAnalytics(table: "events", batch: Self.events(1, conversation: 1, type: "message")) }
            == WireError(.forbidden, "API key \(readerKey.id) lacks the ingest scope that ANALYTICS_APPEND needs"))
        #expect(try await reader.sql("SELECT count(*) FROM events").rows == [[.int64(3)]], "a query key reads")
        await reader.close()
        #expect(try await client.sql("SELECT count(*) FROM events").rows == [[.int64(3)]], "nothing bad was stored")
        await client.close()
    }

    @Test func truncatedOversizedAndGarbageAnalyticsFramesAreAnsweredAndTheServerKeepsServing() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey().key
        try fixture.start()
        let socket = try fixture.rawSession(key)
        let append = WireRequest.analyticsAppend(AnalyticsAppendRequest(table: "events", batch: Self.events(4, conversation: 2, type: "m")))
        let payload = append.encodedPayload()
        try socket.send(Frame(opcode: 0x40, requestID: 1, payload: Array(payload.prefix(payload.count - 3))).encoded())
        var tooManyRows = PayloadWriter()
        tooManyRows.write("events")
        tooManyRows.write(UInt32(100_001))
        tooManyRows.write(UInt32(1))
        try socket.send(Frame(opcode: 0x40, requestID: 2, payload: tooManyRows.bytes).encoded())
        try socket.send(Frame(opcode: 0x41, requestID: 3, payload: [0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3]).encoded())
        var manyParameters = PayloadWriter()
        manyParameters.write("SELECT 1 FROM events")
        manyParameters.write(UInt32(257))
        try socket.send(Frame(opcode: 0x41, requestID: 4, payload: manyParameters.bytes).encoded())
        var wideBatch = PayloadWriter()
        wideBatch.write("events")
        wideBatch.write(UInt32(1))
        wideBatch.write(UInt32(257))
        try socket.send(Frame(opcode: 0x40, requestID: 5, payload: wideBatch.bytes).encoded())
        try socket.send(append.frame(requestID: 6).encoded())
        socket.shutdownWrite()
        let frames = try WireFixture.frames(in: try socket.readToEnd()).sorted { $0.requestID < $1.requestID }
        #expect(frames.map(\.requestID) == [1, 2, 3, 4, 5, 6])
        #expect(try WireFixture.error(frames[0]).code == .invalidInput)
        #expect(try WireFixture.error(frames[1]) == WireError(.tooLarge, "ANALYTICS_APPEND: row count is 100001; the limit is 100000", requestID: 2))
        #expect(try WireFixture.error(frames[2]).code == .invalidInput)
        #expect(try WireFixture.error(frames[3]) == WireError(.tooLarge, "ANALYTICS_SQL: parameter count is 257; the limit is 256", requestID: 4))
        #expect(try WireFixture.error(frames[4]) == WireError(.tooLarge, "ANALYTICS_APPEND: column count is 257; the limit is 256", requestID: 5))
        #expect(try WireResponse.decode(kind: .analyticsAppend, payload: frames[5].payload, limits: WireLimits()) == .analyticsAppended(4))

        // A frame over the frame limit ends that connection only.
        let oversized = try fixture.rawSession(key)
        var header = PayloadWriter()
        FrameHeader(payloadByteCount: UInt32(16 << 20) + 1, opcode: 0x40, requestID: 9).encode(to: &header)
        try oversized.send(header.bytes)
        #expect(try WireFixture.frames(in: try oversized.readToEnd()).map(WireFixture.error)
            == [WireError(.protocolError, "frame payload is 16777217 bytes; the limit is 16777216", requestID: 9)])
        let client = try await fixture.connect(key)
        #expect(try await client.sql("SELECT count(*) FROM events").rows == [[.int64(4)]])
        await client.close()
    }

    @Test func loadEventsSendsACSVFileToARunningServer() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey()
        try fixture.start()
        let csv = fixture.directory.child("events.csv")
        let lines = ["conversation_id,ts,event_type,channel,latency_ms"] + (0..<2_500).map { "\($0 / 10),\(1_767_225_600_000 + $0),message,\($0 % 2 == 0 ? "web" : ""),\($0 % 100)" }
        try lines.joined(separator: "\n").appending("\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let arguments = ["load", "events", "--server", "127.0.0.1:\(fixture.wirePort)", "--api-key", key.key, "--file", csv, "--json"]
        let run = try runProduct("cortex", arguments)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains(#""rows" : 2500"#), "\(run.stdout)")
        #expect(run.stderr.contains("loaded 2500 rows"), "\(run.stderr)")
        let client = try await fixture.connect(key.key)
        #expect(try await client.sql("SELECT count(*), count(channel), sum(latency_ms) FROM events").rows
            == [[.int64(2_500), .int64(1_250), .int64(123_750)]])

        let withTenant = fixture.directory.child("tenant.csv")
        try "tenant_id,conversation_id,ts,event_type\n2,1,1,message\n".write(toFile: withTenant, atomically: true, encoding: .utf8)
        let refused = try runProduct("cortex", ["load", "events", "--server", "127.0.0.1:\(fixture.wirePort)", "--api-key", key.key, "--file", withTenant])
        #expect(refused.status == 1)
        #expect(refused.stderr == "cortex: \(withTenant): tenant_id is set by the server from the API key; leave it out of a --server load\n")
        #expect(try await client.sql("SELECT count(*) FROM events").rows == [[.int64(2_500)]])
        await client.close()
    }
}

/// The wire protocol draws on the same per-key token bucket as HTTP.
@Suite struct WireRateLimitTests {
    @Test func aKeyOverItsRateGetsRateLimitedFramesSharedWithHTTP() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey(scopes: "query")
        let otherKey = try fixture.mintKey(scopes: "query")
        let server = try fixture.start(environment: ["CORTEX_RATE_LIMIT_REQUESTS_PER_SECOND": "1", "CORTEX_RATE_LIMIT_BURST": "20"])
        let client = try await fixture.connect(key.key)
        // The bucket regains one token a second; 60 quick requests outrun it unless each took over a second.
        var limited: WireError?
        for _ in 0..<60 where limited == nil {
            do {
                _ = try await client.ping([1])
            } catch {
                limited = error
            }
        }
        let error = try #require(limited)
        #expect(error.code == .rateLimited)
        #expect(error.message == "rate limit of 1 requests per second (burst 20) exceeded; retry in 1 s")
        #expect((1...1000).contains(error.retryAfterMilliseconds))
        // HTTP draws on the same bucket: it gets only what refilled since, far less than a bucket of its own (20) would give.
        let http = VectorAPI(server, key: key.key)
        var accepted = 0
        for _ in 0..<40 {
            let reply = try await http.send("GET", "/collections")
            if reply.status == 429 { break }
            accepted += 1
        }
        #expect(accepted < 20, "HTTP accepted \(accepted) requests after the wire emptied the key's bucket")
        let again = await caught { try await client.ping([2]) }
        #expect(again == nil || again?.code == .rateLimited, "the connection keeps answering: \(String(describing: again))")
        let other = try await fixture.connect(otherKey.key)
        #expect(try await other.ping([3]) == [3], "another key has its own bucket")
        await other.close()
        await client.close()
    }
}
