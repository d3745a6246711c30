import ArgumentParser
import CortexAnalytics
import CortexCore
import Foundation
import Synchronization

/// `cortex bench analytics`: load the shared generator's CSVs into a fresh store and time the dashboard queries.
struct AnalyticsBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analytics",
        abstract: "Load DIR/events.csv and DIR/conversations.csv into a fresh analytics store and time each query.",
        discussion: """
            DIR is a folder written by the shared generator (gen.py): events.csv, conversations.csv and meta.json, \
            whose params bind $now_ms, $d30_ms ($now_ms − 30 days), $h24_ms ($now_ms − 24 h), $lookup_tenant and \
            $conv_id. A query that uses $tenant runs twice, for the heavy and the median tenant ("name[heavy]", \
            "name[median]"). FILE uses the format of the shared queries.sql ("-- name:" blocks; a "-- variant: duckdb" \
            text replaces the portable one). Each query runs once to warm up, then --reps times; the median is \
            reported. Queries run as the platform administrator, as the anchors do. result_sha256 hashes the \
            result's canonical text (docs/analytics-execution.md).
            """)

    @Option(name: .long, help: "Dataset folder (events.csv, conversations.csv, meta.json).") var dataset: String
    @Option(name: .long, help: "Queries file.") var queries: String
    @Option(name: .long, help: "Timed runs per query (after one warm-up).") var reps = 5
    @Option(name: .long, help: "Keep the store in this folder instead of a temporary one (reused when it already holds both tables).")
    var store: String?
    @Option(name: .long, help: "Run only queries whose name contains this text.") var only: String?
    @Option(name: .customLong("append-batches"), help: "Live-append test: batches per appender (0 skips it).") var appendBatches = 200
    @Option(name: .customLong("batch-rows"), help: "Rows per appended batch.") var batchRows = 1000
    @Option(name: .long, help: "Concurrent appenders in the second append round.") var appenders = 8
    @Flag(name: .long, help: "One JSON object per line.") var json = false
    @Flag(name: .long, help: "With --json: include each query's result rows.") var results = false

    func run() throws {
        let folder = store ?? FileManager.default.temporaryDirectory.path + "/cortex-bench-analytics-\(UUID().uuidString.prefix(8))"
        defer { if store == nil { try? FileManager.default.removeItem(atPath: folder) } }
        let meta = try BenchMeta(path: dataset + "/meta.json")
        let suite = try reportingErrors { () throws(CortexError) in try BenchQuerySuite(path: queries) }
        let analytics = try reportingErrors { () throws(CortexError) in try AnalyticsStore(folder: folder) }
        for name in ["events", "conversations"] {
            guard let table = analytics.analyticsTable(named: name) else { continue }
            if table.rowCount > 0 { continue }
            let started = Date()
            let rows = try reportingErrors { () throws(CortexError) in
                try AnalyticsBulkLoad.load(file: dataset + "/\(name).csv", into: table)
            }
            let seconds = Date().timeIntervalSince(started)
            emit(["phase": "load", "table": name, "rows": rows, "seconds": seconds, "bytes_on_disk": table.segmentByteCount],
                 text: String(format: "load %@: %d rows in %.2f s (%.2fM rows/s), %.1f MB on disk, %.2f bytes/row", name, rows,
                              seconds, Double(rows) / seconds / 1e6, Double(table.segmentByteCount) / 1e6,
                              Double(table.segmentByteCount) / Double(max(rows, 1))))
        }
        if appendBatches > 0, let events = analytics.analyticsTable(named: "events") {
            try reportingErrors { () throws(CortexError) in try runAppends(events, meta: meta) }
            // The appends leave a background seal of their rows running; queries are timed after it.
            events.waitForBackgroundWork()
        }
        let engine = QueryEngine(catalog: analytics)
        for run in suite.runs(meta: meta) where only.map({ run.name.contains($0) }) ?? true {
            let statement = try reportingErrors { () throws(CortexError) in try SQLParser.parseSelect(run.sql) }
            var timings: [Double] = []
            var result: QueryResult?
            for rep in 0...reps {
                let started = DispatchTime.now().uptimeNanoseconds
                let answer = try reportingErrors { () throws(CortexError) in
                    try engine.execute(statement, parameters: run.parameters, scope: .platform, now: meta.nowMilliseconds)
                }
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
                if rep > 0 { timings.append(elapsed) }
                result = answer
            }
            guard let result else { continue }
            timings.sort()
            let median = timings.isEmpty ? 0 : timings[timings.count / 2]
            var line: [String: Any] = [
                "phase": "query", "name": run.name, "median_ms": median, "rows": result.rows.count,
                "result_sha256": SHA256.hexHash(Array(result.canonicalText.utf8)),
            ]
            if results { line["result"] = result.rows.map { $0.map(\.jsonObject) } }
            emit(line, text: String(format: "%-44@ %9.3f ms  %6d rows", run.name, median, result.rows.count))
        }
    }

    /// Live appends into the loaded events table: batches of `batchRows` events (the first rows of the table,
    /// shifted 90 days into the future onto new conversation ids, as the shared bench.py does), each durable
    /// before the next; first one appender, then `appenders` at once (group commit shares their fsyncs).
    private func runAppends(_ table: AnalyticsTable, meta: BenchMeta) throws(CortexError) {
        let source = try AnalyticsBenchAppendSource(table: table, rowCount: batchRows, shift: 90 * 86_400_000)
        for threads in [1, appenders] {
            let latencies = Mutex<[Double]>([])
            let failure = Mutex<CortexError?>(nil)
            let started = DispatchTime.now().uptimeNanoseconds
            let batches = appendBatches
            // One OS thread per appender (concurrentPerform would run only as many as there are cores).
            let group = DispatchGroup()
            for thread in 0..<threads {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    appendLoop(thread)
                }
            }
            group.wait()
            @Sendable func appendLoop(_ thread: Int) {
                for batch in 0..<batches {
                    let begin = DispatchTime.now().uptimeNanoseconds
                    do throws(CortexError) {
                        try table.append(source.batch(number: thread * batches + batch))
                    } catch {
                        failure.withLock { $0 = error }
                        return
                    }
                    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e6
                    latencies.withLock { $0.append(elapsed) }
                }
            }
            if let error = failure.withLock({ $0 }) { throw error }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let sorted = latencies.withLock { $0 }.sorted()
            let rows = sorted.count * batchRows
            let p50 = sorted[sorted.count / 2], p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
            emit(["phase": "append", "appenders": threads, "batches": sorted.count, "rows": rows, "seconds": seconds,
                  "rows_per_s": Double(rows) / seconds, "batch_p50_ms": p50, "batch_p99_ms": p99],
                 text: String(format: "append, %d appender(s): %d batches of %d rows, %.0f rows/s, batch p50 %.2f ms, p99 %.2f ms (each fsynced)",
                              threads, sorted.count, batchRows, Double(rows) / seconds, p50, p99))
        }
    }

    private func emit(_ object: [String: Any], text: String) {
        if json {
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(text)
        }
    }
}

extension Value {
    /// The value as a JSON-serialisable object (timestamps as "YYYY-MM-DD HH:MM:SS[.fff]" UTC).
    var jsonObject: Any {
        switch self {
        case .null: NSNull()
        case .int(let value): value
        case .double(let value): value.isFinite ? value : (value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity"))
        case .string(let value): value
        case .bool(let value): value
        case .timestamp(let value): Value.timestamp(value).description
        }
    }
}

/// meta.json of a generated dataset: the query parameters.
struct BenchMeta {
    let nowMilliseconds: Int64
    let tenantHeavy: Int64
    let tenantMedian: Int64
    let lookupTenant: Int64
    let lookupConversation: Int64

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path),
            let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let params = root["params"] as? [String: Any]
        else { throw ValidationError("cannot read \(path)") }
        func int(_ key: String) throws -> Int64 {
            guard let value = params[key] as? NSNumber else { throw ValidationError("\(path): params.\(key) is missing") }
            return value.int64Value
        }
        nowMilliseconds = try int("now_ms")
        tenantHeavy = try int("tenant_heavy")
        tenantMedian = try int("tenant_median")
        lookupTenant = try int("lookup_tenant")
        lookupConversation = try int("lookup_conversation_id")
    }
}

/// A queries file in the shared format: "-- name: id" blocks, "-- variant: engine" replacements.
struct BenchQuerySuite {
    struct Query {
        let name: String
        let sql: String
    }

    struct Run {
        let name: String
        let sql: String
        let parameters: [String: Value]
    }

    let queries: [Query]

    init(path: String) throws(CortexError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw .notFound("cannot read \(path)") }
        var queries: [Query] = []
        var name: String?
        var variant: String?
        var texts: [String: [String]] = [:]
        func finish() {
            guard let name else { return }
            let chosen = texts["duckdb"] ?? texts["default"] ?? []
            queries.append(Query(name: name, sql: chosen.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
                .trimmingCharacters(in: CharacterSet(charactersIn: ";")).trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("-- name:") {
                finish()
                name = trimmed.dropFirst("-- name:".count).trimmingCharacters(in: .whitespaces)
                variant = "default"
                texts = [:]
            } else if trimmed.hasPrefix("-- variant:") {
                variant = trimmed.dropFirst("-- variant:".count).trimmingCharacters(in: .whitespaces)
            } else if trimmed.hasPrefix("--") {
                continue
            } else if name != nil, let variant {
                texts[variant, default: []].append(String(line))
            }
        }
        finish()
        self.queries = queries
    }

    func runs(meta: BenchMeta) -> [Run] {
        let day: Int64 = 86_400_000
        let base: [String: Value] = [
            "now_ms": .int(meta.nowMilliseconds), "d30_ms": .int(meta.nowMilliseconds - 30 * day),
            "h24_ms": .int(meta.nowMilliseconds - day), "lookup_tenant": .int(meta.lookupTenant),
            "conv_id": .int(meta.lookupConversation),
        ]
        var runs: [Run] = []
        for query in queries {
            if query.sql.contains("$tenant") {
                for (label, tenant) in [("heavy", meta.tenantHeavy), ("median", meta.tenantMedian)] {
                    var parameters = base
                    parameters["tenant"] = .int(tenant)
                    runs.append(Run(name: "\(query.name)[\(label)]", sql: query.sql, parameters: parameters))
                }
            } else {
                runs.append(Run(name: query.name, sql: query.sql, parameters: base))
            }
        }
        return runs
    }
}

/// Rows for the live-append test, taken from the loaded events table.
struct AnalyticsBenchAppendSource: Sendable {
    let columns: [ColumnVector]
    let shift: Int64
    let conversationOffset: Int64

    init(table: AnalyticsTable, rowCount: Int, shift: Int64) throws(CortexError) {
        let request = ScanRequest(tenant: nil)
        var gathered: [[ColumnVector]] = []
        var have = 0
        for unit in try table.scanUnits(for: request) where have < rowCount {
            try unit.forEachBlock(request) { (block: any ColumnBlock) throws(CortexError) in
                guard have < rowCount else { return }
                var columns: [ColumnVector] = []
                for index in table.schema.columns.indices { columns.append(try block.column(index)) }
                gathered.append(columns)
                have += block.rowCount
            }
        }
        guard have >= rowCount else { throw .invalidInput("the events table has fewer than \(rowCount) rows") }
        self.columns = table.schema.columns.indices.map { index in
            ColumnVector.concatenating(gathered.map { $0[index] }).slicing(0..<rowCount)
        }
        self.shift = shift
        conversationOffset = 1 << 40
    }

    /// Batch `number`: the source rows moved `shift` (+ 1 ms per batch) into the future, onto fresh conversation ids.
    func batch(number: Int) -> [ColumnVector] {
        var batch = columns
        if case .int64(let times) = batch[2].values {
            batch[2] = ColumnVector(.int64(ContiguousArray(times.map { $0 + shift + Int64(number) })), validity: batch[2].validity)
        }
        if case .int64(let ids) = batch[1].values {
            let offset = conversationOffset + Int64(number) * 1_000_000
            batch[1] = ColumnVector(.int64(ContiguousArray(ids.map { $0 + offset })), validity: batch[1].validity)
        }
        return batch
    }
}
