@testable import CortexAnalytics
import CortexCore
import CortexTesting
import Testing

/// A store with table `t` (tenant_id, ts, a int nullable, b double nullable, s string nullable) and the rows put in it.
final class ExecutionFixture {
    let folder = TemporaryDirectory("analytics-exec")
    let store: AnalyticsStore
    let rows: [[String]]
    static let schema = try! TableSchema(
        name: "t",
        columns: [
            ColumnSchema("tenant_id", .int64, nullable: false), ColumnSchema("ts", .timestamp, nullable: false), ColumnSchema("a", .int64),
            ColumnSchema("b", .float64), ColumnSchema("s", .string),
        ],
        tenantColumn: "tenant_id", timeColumn: "ts", clusterColumns: ["ts"])

    /// `sealed`: rows go into segments (zone maps) instead of staying hot.
    convenience init(seed: UInt64, rowCount: Int = 6000, sealed: Bool) throws {
        var random = SeededGenerator(seed: seed)
        let strings = ["x", "y", "z", "ü"]
        let rows = (0..<rowCount).map { index in
            [
                String(Int.random(in: 1...4, using: &random)), String(Int64(index) * 60_000),
                Int.random(in: 0..<10, using: &random) == 0 ? "NULL" : String(Int.random(in: -100...100, using: &random)),
                Int.random(in: 0..<10, using: &random) == 0 ? "NULL" : String(Double(Int.random(in: -1000...1000, using: &random)) / 8),
                Int.random(in: 0..<8, using: &random) == 0 ? "NULL" : strings[Int.random(in: 0..<4, using: &random)],
            ]
        }
        try self.init(rows: rows, sealed: sealed)
    }

    /// `rows` in batches of `batchRowCount`. Sealed: every batch but the last becomes its own
    /// segment (several scan units, zone maps, tenant directories) and the last stays hot;
    /// otherwise every batch stays hot, as one hot chunk.
    init(rows: [[String]], batchRowCount: Int = 1000, sealed: Bool) throws {
        var options = AnalyticsTableOptions()
        options.sealsAutomatically = false
        store = try AnalyticsStore(folder: folder.path, options: options)
        self.rows = rows
        let table = try store.createTable(Self.schema)
        for start in stride(from: 0, to: rows.count, by: batchRowCount) {
            let batch = columns(Array(rows[start..<min(start + batchRowCount, rows.count)]), schema: Self.schema)
            if sealed && start + batchRowCount < rows.count { try table.bulkLoad(batch) } else { try table.append(batch) }
        }
    }

    func query(_ sql: String, _ parameters: [String: Value] = [:], scope: QueryScope = .platform) throws -> [[Value]] {
        try store.execute(sql: sql, parameters: parameters, scope: scope, now: 1_751_328_000_000).rows
    }

    func error(_ sql: String, _ parameters: [String: Value] = [:], scope: QueryScope = .platform) -> String {
        do {
            _ = try query(sql, parameters, scope: scope)
            return "no error"
        } catch let error as CortexError {
            return error.message
        } catch {
            return "\(error)"
        }
    }
}

@Suite struct QueryEngineTests {
    private func int(_ text: String) -> Int64? { text == "NULL" ? nil : Int64(text) }
    private func double(_ text: String) -> Double? { text == "NULL" ? nil : Double(text) }

    @Test(arguments: [false, true]) func aggregatesMatchARowByRowReference(sealed: Bool) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        let fixture = try ExecutionFixture(seed: seed, sealed: sealed)
        var random = SeededGenerator(seed: seed ^ 0xABCD)
        for _ in 0..<5 {
            let threshold = Int64.random(in: -120...120, using: &random)
            let matching = fixture.rows.filter { (int($0[2]) ?? .min) > threshold }
            let values = matching.compactMap { int($0[2]) }
            let doubles = matching.compactMap { double($0[3]) }
            let expected: [Value] = [
                .int(Int64(matching.count)), .int(Int64(values.count)), values.isEmpty ? .null : .int(values.reduce(0, +)),
                values.min().map(Value.int) ?? .null, values.max().map(Value.int) ?? .null,
                doubles.isEmpty ? .null : .double(doubles.reduce(0, +) / Double(doubles.count)),
            ]
            let got = try fixture.query("SELECT count(*), count(a), sum(a), min(a), max(a), avg(b) FROM t WHERE a > $x", ["x": .int(threshold)])
            #expect(got == [expected], "seed \(seed) threshold \(threshold)")
        }
        var groups: [String: (Int64, Int64?)] = [:]
        for row in fixture.rows {
            var entry = groups[row[4]] ?? (0, nil)
            entry.0 += 1
            if let a = int(row[2]) { entry.1 = (entry.1 ?? 0) + a }
            groups[row[4]] = entry
        }
        let expected = groups.keys.sorted { ($0 == "NULL" ? 1 : 0, $0) < ($1 == "NULL" ? 1 : 0, $1) }.map { key -> [Value] in
            [key == "NULL" ? .null : .string(key), .int(groups[key]!.0), groups[key]!.1.map(Value.int) ?? .null]
        }
        #expect(try fixture.query("SELECT s, count(*) AS n, sum(a) FROM t GROUP BY s ORDER BY s") == expected, "seed \(seed)")
    }

    @Test(arguments: [false, true]) func multiKeyGroupsTopNAndOffsetMatchTheReference(sealed: Bool) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        let fixture = try ExecutionFixture(seed: seed, sealed: sealed)
        var counts: [[Int64]: Int64] = [:]
        for row in fixture.rows { counts[[int(row[0])!, int(row[1])! - int(row[1])! % 86_400_000], default: 0] += 1 }
        let expected = counts.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { key in [Value.int(key[0]), .int(key[1]), .int(counts[key]!)] }
        #expect(try fixture.query("SELECT tenant_id, ts - ts % 86400000 AS day, count(*) FROM t GROUP BY 1, day ORDER BY 1, 2") == expected)
        let top = fixture.rows.filter { $0[4] == "y" && $0[2] != "NULL" }
            .sorted { (-int($0[2])!, int($0[1])!) < (-int($1[2])!, int($1[1])!) }
            .dropFirst(3).prefix(7).map { [Value.int(int($0[2])!), .int(int($0[1])!)] }
        #expect(try fixture.query("SELECT a, ts FROM t WHERE s = 'y' AND a IS NOT NULL ORDER BY a DESC, ts LIMIT 7 OFFSET 3") == Array(top), "seed \(seed)")
    }

    @Test(arguments: [false, true]) func thousandsOfGroupsOfWideKeysMatchTheReference(sealed: Bool) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        let fixture = try ExecutionFixture(seed: seed, sealed: sealed)
        // Keys spread over a wide range with one group per few rows: the group table grows many times
        // inside one batch, and each key comes back every 1,500 rows.
        var sums: [[Int64]: (Int64, Int64?)] = [:]
        for row in fixture.rows {
            let key = [int(row[0])!, int(row[1])! % 90_000_000 * 1_000_003 - 5]
            var entry = sums[key] ?? (0, nil)
            entry.0 += 1
            if let a = int(row[2]) { entry.1 = (entry.1 ?? 0) + a }
            sums[key] = entry
        }
        let expected = sums.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { key -> [Value] in
            [.int(key[0]), .int(key[1]), .int(sums[key]!.0), sums[key]!.1.map(Value.int) ?? .null]
        }
        let sql = "SELECT tenant_id, ts % 90000000 * 1000003 - 5 AS k, count(*), sum(a) FROM t GROUP BY 1, 2 ORDER BY 1, 2"
        #expect(try fixture.query(sql) == expected, "seed \(seed)")
        let single = Dictionary(grouping: fixture.rows, by: { int($0[1])! * 3 }).mapValues { Int64($0.count) }
        let singleExpected = single.keys.sorted().map { [Value.int($0), .int(single[$0]!)] }
        #expect(try fixture.query("SELECT ts * 3 AS k, count(*) FROM t GROUP BY k ORDER BY k") == singleExpected, "seed \(seed)")
    }

    @Test(arguments: [false, true]) func sumsCountsAndAveragesPerTenantMatchTheReference(sealed: Bool) throws {
        // Sealed segments are sorted by tenant, so groups arrive in long runs (summed run by run);
        // hot rows arrive in random tenant order (row by row).
        let seed = UInt64.random(in: 0...UInt64.max)
        let fixture = try ExecutionFixture(seed: seed, sealed: sealed)
        let tenants = Dictionary(grouping: fixture.rows, by: { int($0[0])! })
        let expected = tenants.keys.sorted().map { tenant -> [Value] in
            let rows = tenants[tenant]!
            let a = rows.compactMap { int($0[2]) }, b = rows.compactMap { double($0[3]) }
            return [
                .int(tenant), .int(Int64(rows.count)), .int(Int64(a.count)), a.isEmpty ? .null : .int(a.reduce(0, +)),
                a.isEmpty ? .null : .double(Double(a.reduce(0, +)) / Double(a.count)), b.isEmpty ? .null : .double(b.reduce(0, +)),
            ]
        }
        // b is a multiple of 1/8 below 200 in magnitude: its sums are exact in any order.
        let sql = "SELECT tenant_id, count(*), count(a), sum(a), avg(a), sum(b) FROM t GROUP BY tenant_id ORDER BY 1"
        #expect(try fixture.query(sql) == expected, "seed \(seed)")
        let filtered = "SELECT tenant_id, count(*), sum(a) FROM t WHERE s = 'x' GROUP BY tenant_id ORDER BY 1"
        let expectedFiltered = tenants.keys.sorted().compactMap { tenant -> [Value]? in
            let rows = tenants[tenant]!.filter { $0[4] == "x" }
            guard !rows.isEmpty else { return nil }
            let a = rows.compactMap { int($0[2]) }
            return [.int(tenant), .int(Int64(rows.count)), a.isEmpty ? .null : .int(a.reduce(0, +))]
        }
        #expect(try fixture.query(filtered) == expectedFiltered, "seed \(seed)")
    }

    @Test(arguments: [false, true]) func textEqualityFiltersMatchTheReference(sealed: Bool) throws {
        // Sealed blocks answer `s = 'text'` from the segment's codes; hot rows evaluate it.
        let seed = UInt64.random(in: 0...UInt64.max)
        let fixture = try ExecutionFixture(seed: seed, sealed: sealed)
        func expected(_ keep: ([String]) -> Bool) -> [[Value]] {
            let rows = fixture.rows.filter(keep)
            return [[.int(Int64(rows.count)), rows.isEmpty ? .null : .int(rows.compactMap { int($0[2]) }.reduce(0, +))]]
        }
        #expect(try fixture.query("SELECT count(*), sum(a) FROM t WHERE s = 'y'") == expected { $0[4] == "y" }, "seed \(seed)")
        #expect(try fixture.query("SELECT count(*), sum(a) FROM t WHERE 'ü' = s AND a > 0") == expected { $0[4] == "ü" && (int($0[2]) ?? 0) > 0 }, "seed \(seed)")
        #expect(try fixture.query("SELECT count(*), sum(a) FROM t WHERE a < 0 AND s = 'x' AND tenant_id = 2") == expected {
            (int($0[2]) ?? 0) < 0 && $0[4] == "x" && $0[0] == "2"
        }, "seed \(seed)")
        #expect(try fixture.query("SELECT count(*), sum(a) FROM t WHERE s = 'absent'") == [[.int(0), .null]])
    }

    @Test(arguments: [false, true]) func floatComparisonsAndCountingCasesMatchTheReference(sealed: Bool) throws {
        // A float column against a constant compares in one pass; CASE over it chooses per row, a
        // NULL condition taking the ELSE branch.
        let seed = UInt64.random(in: 0...UInt64.max)
        let fixture = try ExecutionFixture(seed: seed, sealed: sealed)
        var random = SeededGenerator(seed: seed ^ 0x5EED)
        for _ in 0..<3 {
            let low = Double(Int.random(in: -1000...1000, using: &random)) / 8, high = Int64.random(in: -120...120, using: &random)
            var groups: [String: (rows: Int64, aboveLow: Int64, belowHigh: Double, sum: Double, count: Int)] = [:]
            for row in fixture.rows where double(row[3]).map({ $0 != 0 }) ?? true {
                var entry = groups[row[4]] ?? (0, 0, 0, 0, 0)
                entry.rows += 1
                if let b = double(row[3]) {
                    if b >= low { entry.aboveLow += 1 }
                    if b < Double(high) { entry.belowHigh += 1 }
                    entry.sum += b
                    entry.count += 1
                }
                groups[row[4]] = entry
            }
            let expected = groups.keys.sorted { ($0 == "NULL" ? 1 : 0, $0) < ($1 == "NULL" ? 1 : 0, $1) }.map { key -> [Value] in
                let entry = groups[key]!
                return [
                    key == "NULL" ? .null : .string(key), .int(entry.rows), .int(entry.aboveLow), .double(entry.belowHigh / Double(entry.rows)),
                    entry.count == 0 ? .null : .double(entry.sum / Double(entry.count)),
                ]
            }
            let got = try fixture.query(
                """
                SELECT s, count(*), sum(CASE WHEN b >= $low THEN 1 ELSE 0 END), avg(CASE WHEN b < $high THEN 1.0 ELSE 0.0 END), avg(b)
                FROM t WHERE NOT b = 0 OR b IS NULL GROUP BY s ORDER BY s
                """, ["low": .double(low), "high": .int(high)])
            #expect(got == expected, "seed \(seed) low \(low) high \(high)")
        }
    }

    @Test(arguments: [false, true]) func distinctCountsMatchTheReference(sealed: Bool) throws {
        // Per-group sets of integers, doubles and text codes, merged across two threads.
        let seed = UInt64.random(in: 0...UInt64.max)
        let fixture = try ExecutionFixture(seed: seed, rowCount: 20_000, sealed: sealed)
        var sets: [String: (a: Set<Int64>, b: Set<Double>, s: Set<String>)] = [:]
        for row in fixture.rows {
            var entry = sets[row[0]] ?? ([], [], [])
            if let a = int(row[2]) { entry.a.insert(a) }
            if let b = double(row[3]) { entry.b.insert(b) }
            if row[4] != "NULL" { entry.s.insert(row[4]) }
            sets[row[0]] = entry
        }
        let expected = sets.keys.sorted { Int($0)! < Int($1)! }.map { key -> [Value] in
            [.int(Int64(key)!), .int(Int64(sets[key]!.a.count)), .int(Int64(sets[key]!.b.count)), .int(Int64(sets[key]!.s.count))]
        }
        let sql = "SELECT tenant_id, count(DISTINCT a), count(DISTINCT b), count(DISTINCT s) FROM t GROUP BY 1 ORDER BY 1"
        for threads in [1, 2] {
            let engine = QueryEngine(catalog: fixture.store, threadCount: threads, parallelRowCountMin: 0)
            #expect(try engine.execute(sql: sql, scope: .platform, now: 0).rows == expected, "seed \(seed), \(threads) threads")
        }
    }

    @Test func aSumOutsideSixtyFourBitsIsAnErrorInLongRunsToo() throws {
        let folder = TemporaryDirectory("analytics-overflow")
        var options = AnalyticsTableOptions()
        options.sealsAutomatically = false
        let store = try AnalyticsStore(folder: folder.path, options: options)
        let table = try store.createTable(ExecutionFixture.schema)
        let rows = (0..<64).map { index in ["1", String(index * 1000), "4611686018427387904", "NULL", "NULL"] }
        try table.bulkLoad(columns(rows, schema: ExecutionFixture.schema))
        #expect(throws: CortexError.invalidInput("integer overflow in sum")) {
            _ = try store.execute(sql: "SELECT tenant_id, sum(a) FROM t GROUP BY tenant_id", parameters: [:], scope: .platform, now: 0)
        }
        let one = try store.execute(sql: "SELECT tenant_id, sum(a) FROM t WHERE ts < 1000 GROUP BY 1", parameters: [:], scope: .platform, now: 0)
        #expect(one.rows == [[.int(1), .int(4_611_686_018_427_387_904)]])
    }

    @Test(arguments: [false, true]) func twoThreadsMergeTheirPartialResultsIntoTheSameAnswer(sealed: Bool) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        let fixture = try ExecutionFixture(seed: seed, rowCount: 20_000, sealed: sealed)
        let serial = QueryEngine(catalog: fixture.store, threadCount: 1)
        let parallel = QueryEngine(catalog: fixture.store, threadCount: 2, parallelRowCountMin: 0)
        for sql in [
            "SELECT s, tenant_id, count(*), sum(a), min(b), max(s), count(DISTINCT a), quantile_disc(a, 0.9), approx_count_distinct(a) FROM t GROUP BY 1, 2 ORDER BY 1, 2",
            "SELECT count(*), avg(b), median(a) FROM t WHERE a > 0",
            // Quantiles of one argument share collected values, across threads too; b's are its own.
            "SELECT tenant_id, quantile_disc(a, 0.5), quantile_cont(a, 0.9), quantile_disc(b, 0.5), median(a), quantile_disc(a, 0.99) FROM t GROUP BY 1 ORDER BY 1",
            "SELECT a, ts FROM t ORDER BY a DESC, ts LIMIT 25 OFFSET 5",
        ] {
            let one = try serial.execute(sql: sql, scope: .platform, now: 0).rows
            let two = try parallel.execute(sql: sql, scope: .platform, now: 0).rows
            #expect(one == two, "seed \(seed): \(sql)")
        }
    }

    @Test(arguments: [false, true]) func rangeTermsOnOneColumnMatchTheReference(sealed: Bool) throws {
        // `a >= x AND a < y` and further bounds on a become one range tested value by value (NULL
        // fails), after or before other terms; an empty range selects nothing.
        let seed = UInt64.random(in: 0...UInt64.max)
        let fixture = try ExecutionFixture(seed: seed, sealed: sealed)
        var random = SeededGenerator(seed: seed ^ 0x7A7A)
        for _ in 0..<6 {
            let x = Int64.random(in: -110...110, using: &random), y = Int64.random(in: -110...110, using: &random)
            let z = Int64.random(in: -110...110, using: &random), day = Int64.random(in: 0...4, using: &random) * 86_400_000
            func expected(_ keep: ([String]) -> Bool) -> [[Value]] {
                let rows = fixture.rows.filter(keep)
                return [[.int(Int64(rows.count)), rows.isEmpty ? .null : .int(rows.compactMap { int($0[2]) }.reduce(0, +))]]
            }
            let inRange = { (row: [String]) -> Bool in int(row[2]).map { $0 >= x && $0 < y && $0 <= z } ?? false }
            #expect(
                try fixture.query("SELECT count(*), sum(a) FROM t WHERE a >= \(x) AND a < \(y) AND \(z) >= a") == expected(inRange),
                "seed \(seed) x \(x) y \(y) z \(z)")
            #expect(
                try fixture.query("SELECT count(*), sum(a) FROM t WHERE s = 'y' AND a >= \(x) AND ts >= \(day) AND a < \(y) AND a <= \(z) AND ts < \(day + 86_400_000)")
                    == expected { inRange($0) && $0[4] == "y" && int($0[1])! >= day && int($0[1])! < day + 86_400_000 },
                "seed \(seed) x \(x) y \(y) z \(z) day \(day)")
        }
    }

    @Test(arguments: [false, true]) func topNQueriesMatchTheReference(sealed: Bool) throws {
        // A top-N on an integer column skips blocks whose zone maps lie behind the rows it holds;
        // ties on the first key, NULLs first or last, OFFSET and large limits must not change answers.
        let seed = UInt64.random(in: 0...UInt64.max)
        let fixture = try ExecutionFixture(seed: seed, rowCount: 20_000, sealed: sealed)
        typealias Key = (a: Int64?, ts: Int64)
        let rows: [Key] = fixture.rows.map { (int($0[2]), int($0[1])!) }
        func top(_ sorted: [Key], offset: Int = 0, limit: Int) -> [[Value]] {
            sorted.dropFirst(offset).prefix(limit).map { [$0.a.map(Value.int) ?? .null, .int($0.ts)] }
        }
        func aThenTs(_ aDescending: Bool, nullsFirst: Bool, tsDescending: Bool) -> [Key] {
            rows.sorted { x, y in
                if x.a != y.a {
                    guard let xa = x.a else { return nullsFirst }
                    guard let ya = y.a else { return !nullsFirst }
                    return aDescending ? xa > ya : xa < ya
                }
                return tsDescending ? x.ts > y.ts : x.ts < y.ts
            }
        }
        for threads in [1, 2] {
            let engine = QueryEngine(catalog: fixture.store, threadCount: threads, parallelRowCountMin: 0)
            let byTime = rows.sorted { $0.ts > $1.ts }
            #expect(try engine.execute(sql: "SELECT a, ts FROM t ORDER BY ts DESC LIMIT 30 OFFSET 5", scope: .platform, now: 0).rows == top(byTime, offset: 5, limit: 30), "seed \(seed)")
            #expect(try engine.execute(sql: "SELECT a, ts FROM t ORDER BY ts LIMIT 7", scope: .platform, now: 0).rows == top(byTime.reversed(), limit: 7), "seed \(seed)")
            #expect(try engine.execute(sql: "SELECT a, ts FROM t ORDER BY a DESC, ts LIMIT 40", scope: .platform, now: 0).rows == top(aThenTs(true, nullsFirst: false, tsDescending: false), limit: 40), "seed \(seed)")
            #expect(
                try engine.execute(sql: "SELECT a, ts FROM t ORDER BY a ASC NULLS FIRST, ts DESC LIMIT 2500", scope: .platform, now: 0).rows == top(aThenTs(false, nullsFirst: true, tsDescending: true), limit: 2500),
                "seed \(seed)")
            #expect(try engine.execute(sql: "SELECT a, ts FROM t ORDER BY a, ts DESC LIMIT 900 OFFSET 100", scope: .platform, now: 0).rows == top(aThenTs(false, nullsFirst: false, tsDescending: true), offset: 100, limit: 900), "seed \(seed)")
        }
    }

    @Test func hotChunksSkippedByTheirBoundsLoseNoMatchingRow() throws {
        // Hot (unsealed) chunks carry each integer column's non-null extremes; WHERE bounds skip a
        // chunk they exclude. Chunks here: a all NULL, a in 1...10, a in 100...110 (tenant 2 only).
        let chunks: [[[String]]] = [
            (0..<50).map { ["1", String($0 * 1000), "NULL", "1.5", "x"] },
            (0..<50).map { ["1", String(100_000 + $0 * 1000), String(1 + $0 % 10), "NULL", "y"] },
            (0..<50).map { ["2", String(200_000 + $0 * 1000), String(100 + $0 % 11), "2.5", "NULL"] },
        ]
        let fixture = try ExecutionFixture(rows: chunks.flatMap { $0 }, batchRowCount: 50, sealed: false)
        let rows = fixture.rows
        func count(_ keep: ([String]) -> Bool) -> [[Value]] { [[.int(Int64(rows.filter(keep).count))]] }
        func a(_ row: [String]) -> Int64? { Int64(row[2]) }
        func run(_ sql: String) throws -> [[Value]] { try fixture.query(sql) }
        #expect(try run("SELECT count(*) FROM t WHERE a >= 5 AND a <= 105") == count { (a($0) ?? -1) >= 5 && (a($0) ?? 999) <= 105 })
        #expect(try run("SELECT count(*) FROM t WHERE a < 0") == [[.int(0)]])
        #expect(try run("SELECT count(*) FROM t WHERE tenant_id = 2 AND a = 100") == count { $0[0] == "2" && a($0) == 100 })
        #expect(try run("SELECT count(*) FROM t WHERE a IS NULL AND ts < 60000") == count { $0[2] == "NULL" && Int64($0[1])! < 60_000 })
        #expect(try run("SELECT count(*) FROM t WHERE ts >= 150000 AND ts < 210000") == count { Int64($0[1])! >= 150_000 && Int64($0[1])! < 210_000 })
    }

    @Test func zoneMapPruningNeverChangesAnAnswer() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        let hot = try ExecutionFixture(seed: seed, sealed: false), sealed = try ExecutionFixture(seed: seed, sealed: true)
        let queries = [
            "SELECT count(*), sum(a) FROM t WHERE ts BETWEEN 3600000 AND 90000000",
            "SELECT tenant_id, count(*) FROM t WHERE tenant_id = 3 AND ts >= 100000000 GROUP BY 1",
            "SELECT count(*) FROM t WHERE s IN ('y', 'ü') AND ts < 7200000 AND a >= -5",
            "SELECT count(*) FROM t WHERE a = 7 OR ts = 60000",
            "SELECT count(*) FROM t WHERE ts > 359940000",
            "SELECT count(*) FROM t WHERE ts < 0.5 OR ts >= 2.5e8",
        ]
        for sql in queries { #expect(try hot.query(sql) == sealed.query(sql), "seed \(seed): \(sql)") }
    }

    @Test func aTenantNeverSeesAnotherTenantsRowsWhateverTheQuerySays() throws {
        let fixture = try ExecutionFixture(seed: 7, sealed: true)
        let own = Int64(fixture.rows.filter { $0[0] == "2" }.count)
        let scope = QueryScope.tenant(2)
        #expect(try fixture.query("SELECT count(*) FROM t WHERE tenant_id = 1 OR 1=1", scope: scope) == [[.int(own)]])
        #expect(try fixture.query("SELECT count(*) FROM t WHERE (tenant_id = 3) OR (TRUE)", scope: scope) == [[.int(own)]])
        #expect(try fixture.query("SELECT count(*) FROM t AS x WHERE x.tenant_id <> 2", scope: scope) == [[.int(0)]])
        #expect(try fixture.query("select COUNT(*) from T where TENANT_ID in (1,3,4) -- or not", scope: scope) == [[.int(0)]])
        #expect(try fixture.query("SELECT count(*) FROM t WHERE tenant_id = $other /* OR 1=1 */", ["other": .int(1)], scope: scope) == [[.int(0)]])
        #expect(try fixture.query("SELECT count(*) FROM t WHERE NOT (tenant_id = 2)", scope: scope) == [[.int(0)]])
        #expect(try fixture.query("SELECT tenant_id, count(*) FROM t GROUP BY tenant_id", scope: scope) == [[.int(2), .int(own)]])
        #expect(try fixture.query("SELECT DISTINCT_ALIAS.tenant_id FROM t distinct_alias WHERE ts < 0 OR ts >= 0 ORDER BY 1 DESC LIMIT 1", scope: scope) == [[.int(2)]])
        #expect(fixture.error("CREATE TABLE x (a BIGINT NOT NULL) WITH (tenant = a, time = a)", scope: scope) == "only a platform administrator may create tables")
    }

    @Test func mistakesAreReportedWithTheirPosition() throws {
        let fixture = try ExecutionFixture(seed: 1, rowCount: 10, sealed: false)
        #expect(fixture.error("SELECT nope FROM t") == "line 1, column 8: unknown column 'nope' in table t")
        #expect(fixture.error("SELECT a FROM t GROUP BY s") == "line 1, column 8: column 'a' must appear in GROUP BY or be used in an aggregate function")
        #expect(fixture.error("SELECT count(*) FROM t WHERE sum(a) > 1") == "line 1, column 30: aggregate functions are not allowed in WHERE")
        #expect(fixture.error("SELECT s + 1 FROM t") == "line 1, column 8: operator + needs numbers; got VARCHAR and BIGINT")
        #expect(fixture.error("SELECT frob(a) FROM t") == "line 1, column 8: unknown function 'frob'")
        #expect(fixture.error("SELECT a FROM t WHERE a = $missing") == "line 1, column 27: parameter $missing has no value")
        #expect(fixture.error("SELECT a FROM nowhere") == "line 1, column 15: unknown table 'nowhere'")
        #expect(fixture.error("SELECT a FROM t WHERE s = 1") == "line 1, column 23: cannot compare VARCHAR with BIGINT")
        #expect(fixture.error("SELECT a FROM t ORDER BY 3") == "line 1, column 26: ORDER BY position 3 is not in the select list (1-1)")
        #expect(fixture.error("SELECT 9223372036854775807 + tenant_id FROM t") == "line 1, column 8: integer overflow in +")
    }

    @Test func divisionByZeroIsNullAndIntegerDivisionTruncates() throws {
        let fixture = try ExecutionFixture(seed: 1, rowCount: 10, sealed: false)
        #expect(try fixture.query("SELECT tenant_id // 0, tenant_id % 0, 1 / 0, -7 // 2, -7 % 2, 7 / 2 FROM t LIMIT 1") == [
            [.null, .null, .null, .int(-3), .int(-1), .double(3.5)]
        ])
    }

    @Test func aTextColumnThatIsAlwaysNullIsQueryable() throws {
        let folder = TemporaryDirectory("analytics-nulls")
        do {
            let store = try AnalyticsStore(folder: folder.path)
            let table = try store.createTable(ExecutionFixture.schema)
            let rows = (0..<50).map { ["1", String($0), "NULL", "NULL", "NULL"] }
            try table.bulkLoad(columns(rows, schema: ExecutionFixture.schema))
        }
        // Reopened: the only segment's dictionary for `s` is empty, and nothing else fills the table's.
        let store = try AnalyticsStore(folder: folder.path)
        for sql in ["SELECT count(*) FROM t WHERE s < 'x'", "SELECT count(*) FROM t WHERE s LIKE '%'"] {
            #expect(try store.execute(sql: sql, scope: .platform, now: 0).rows == [[.int(0)]], "\(sql)")
        }
        #expect(try store.execute(sql: "SELECT s, count(*), min(s) FROM t GROUP BY s", scope: .platform, now: 0).rows == [[.null, .int(50), .null]])
        #expect(try store.execute(sql: "SELECT upper(s) || 'x', coalesce(s, 'n') FROM t ORDER BY s LIMIT 1", scope: .platform, now: 0).rows == [[.null, .string("n")]])
    }

    @Test func coalesceLeastAndGreatestSkipNulls() throws {
        let fixture = try ExecutionFixture(seed: 1, rowCount: 1, sealed: false)
        #expect(try fixture.query("SELECT least(3, 1, NULL), greatest(2.5, 7), coalesce(NULL, 4, 5), coalesce(NULL, NULL) FROM t") == [
            [.int(1), .double(7), .int(4), .null]
        ])
    }

    @Test func emptyInputGivesOneAggregateRowAndNoGroups() throws {
        let fixture = try ExecutionFixture(seed: 1, rowCount: 10, sealed: false)
        #expect(try fixture.query("SELECT count(*), sum(a), avg(b), min(s) FROM t WHERE ts < 0") == [[.int(0), .null, .null, .null]])
        #expect(try fixture.query("SELECT s, count(*) FROM t WHERE ts < 0 GROUP BY s") == [])
    }

    @Test func timeFunctionsFollowTheCalendar() throws {
        let fixture = try ExecutionFixture(seed: 1, rowCount: 1, sealed: false)
        let rows = try fixture.query("""
            SELECT strftime(epoch_ms(1751331723000), '%Y-%m-%d %H:%M:%S %a %j'), date_trunc('week', epoch_ms(1751331723000)),
                   date_trunc('month', epoch_ms(1751331723000)), epoch_ms(epoch_ms(1751331723000)), dayofweek(1751331723000),
                   epoch_ms(1738281600000) + INTERVAL 1 MONTH, epoch_ms(1751331723000) - INTERVAL '2 hours', now(),
                   strftime(date_trunc('day', now() - INTERVAL 1 DAY), '%Y-%m-%d')
            FROM t
            """)
        #expect(rows == [[
            .string("2025-07-01 01:02:03 Tue 182"), .timestamp(1_751_241_600_000), .timestamp(1_751_328_000_000), .int(1_751_331_723_000),
            .int(2), .timestamp(1_740_700_800_000), .timestamp(1_751_324_523_000), .timestamp(1_751_328_000_000), .string("2025-06-30"),
        ]])
    }

    @Test func quantilesFollowDuckDBsDefinitions() throws {
        let fixture = try ExecutionFixture(seed: 3, rowCount: 400, sealed: true)
        let values = fixture.rows.compactMap { int($0[2]) }.sorted()
        func nearestRank(_ q: Double) -> Int64 { values[max(Int((q * Double(values.count)).rounded(.up)) - 1, 0)] }
        func interpolated(_ q: Double) -> Double {
            let position = q * Double(values.count - 1)
            let low = Int(position.rounded(.down)), high = Int(position.rounded(.up))
            return Double(values[low]) + (position - Double(low)) * Double(values[high] - values[low])
        }
        let rows = try fixture.query("SELECT quantile_disc(a, 0.5), quantile_disc(a, 0.95), quantile_disc(a, 0.01), quantile_cont(a, 0.33), median(a) FROM t")
        #expect(rows == [[.int(nearestRank(0.5)), .int(nearestRank(0.95)), .int(nearestRank(0.01)), .double(interpolated(0.33)), .double(interpolated(0.5))]])
    }

    @Test(arguments: [1, 2]) func groupedQuantilesOfNarrowAndWideIntegersMatchTheReference(threads: Int) throws {
        // Narrow integer ranges are counted, wide ones (a · 1,000,003) selected; both must agree.
        let seed = UInt64.random(in: 0...UInt64.max)
        let fixture = try ExecutionFixture(seed: seed, rowCount: 5000, sealed: true)
        let engine = QueryEngine(catalog: fixture.store, threadCount: threads, parallelRowCountMin: 0)
        var perTenant: [Int64: [Int64]] = [:]
        for row in fixture.rows { if let a = int(row[2]) { perTenant[int(row[0])!, default: []].append(a) } }
        for scale: Int64 in [1, 1_000_003] {
            let expected = perTenant.keys.sorted().map { tenant -> [Value] in
                let values = perTenant[tenant]!.map { $0 * scale }.sorted()
                func nearestRank(_ q: Double) -> Int64 { values[max(Int((q * Double(values.count)).rounded(.up)) - 1, 0)] }
                let position = 0.9 * Double(values.count - 1)
                let low = Int(position.rounded(.down)), high = Int(position.rounded(.up))
                let interpolated = Double(values[low]) + (position - Double(low)) * Double(values[high] - values[low])
                return [.int(tenant), .int(nearestRank(0.5)), .int(nearestRank(0.99)), .double(interpolated)]
            }
            let sql = "SELECT tenant_id, quantile_disc(a * \(scale), 0.5), quantile_disc(a * \(scale), 0.99), quantile_cont(a * \(scale), 0.9) FROM t GROUP BY 1 ORDER BY 1"
            #expect(try engine.execute(sql: sql, scope: .platform, now: 0).rows == expected, "seed \(seed), scale \(scale)")
        }
    }

    @Test func quantileFractionsAreReadAsTheDecimalsWritten() {
        // DuckDB: quantile_disc(x, 0.07) over 0..99 is 6 (the 7th value); 0.07 * 100.0 is 7.000000000000001 in binary.
        #expect(Accumulator.discreteIndex(fraction: 0.07, count: 100) == 6)
        #expect(Accumulator.discreteIndex(fraction: 0.5, count: 4) == 1)
        #expect(Accumulator.discreteIndex(fraction: 0.95, count: 10) == 9)
        #expect(Accumulator.discreteIndex(fraction: 0.0, count: 10) == 0)
        #expect(Accumulator.discreteIndex(fraction: 1.0, count: 10) == 9)
        #expect(Accumulator.discreteIndex(fraction: 0.33, count: 7) == 2)
    }

    @Test func approximateAggregatesStayWithinTheirDocumentedBounds() throws {
        let folder = TemporaryDirectory("analytics-approx")
        let store = try AnalyticsStore(folder: folder.path)
        let schema = try TableSchema(
            name: "u", columns: [ColumnSchema("tenant_id", .int64, nullable: false), ColumnSchema("ts", .timestamp, nullable: false), ColumnSchema("v", .int64)],
            tenantColumn: "tenant_id", timeColumn: "ts")
        let table = try store.createTable(schema)
        var random = SeededGenerator(seed: 99)
        let values = (0..<100_000).map { _ in Int64.random(in: 1...1_000_000_000, using: &random) }
        try table.bulkLoad([
            ColumnVector(.int64(ContiguousArray(repeating: 1, count: values.count))),
            ColumnVector(.int64(ContiguousArray((0..<values.count).map { Int64($0) }))), ColumnVector(.int64(ContiguousArray(values))),
        ])
        let rows = try store.execute(sql: "SELECT approx_count_distinct(v), approx_quantile(v, 0.9), count(DISTINCT v) FROM u", scope: .platform, now: 0).rows
        guard case .int(let estimate) = rows[0][0], case .int(let quantile) = rows[0][1], case .int(let exact) = rows[0][2] else {
            Issue.record("rows \(rows)")
            return
        }
        #expect(abs(Double(estimate - exact)) / Double(exact) < 0.049, "HLL estimate \(estimate) vs \(exact)")
        let sorted = values.sorted()
        let truth = Double(sorted[Int((0.9 * Double(sorted.count)).rounded(.up)) - 1])
        #expect(abs(Double(quantile) - truth) / truth <= 0.0101, "approx_quantile \(quantile) vs \(truth)")
    }

    @Test func likeCaseAndStringFunctionsWork() throws {
        let fixture = try ExecutionFixture(seed: 5, rowCount: 500, sealed: true)
        let expected = Int64(fixture.rows.filter { $0[4] == "y" || $0[4] == "ü" }.count)
        #expect(try fixture.query("SELECT count(*) FROM t WHERE s LIKE '_' AND (s = 'y' OR s ILIKE 'Ü')") == [[.int(expected)]])
        let rows = try fixture.query("""
            SELECT upper(s) || '-' || CAST(tenant_id AS VARCHAR), CASE s WHEN 'x' THEN 1 WHEN 'y' THEN 2 ELSE 0 END, coalesce(s, 'none'), length(s)
            FROM t WHERE ts = 0
            """)
        let first = fixture.rows[0]
        let s = first[4]
        #expect(rows == [[
            s == "NULL" ? .null : .string(s.uppercased() + "-" + first[0]), .int(s == "x" ? 1 : s == "y" ? 2 : 0),
            .string(s == "NULL" ? "none" : s), s == "NULL" ? .null : .int(Int64(s.count)),
        ]])
    }
}
