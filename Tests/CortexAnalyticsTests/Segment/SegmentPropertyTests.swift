import CortexAnalytics
import CortexCore
import CortexTesting
import Testing

@Suite struct SegmentPropertyTests {
    static let schema = try! TableSchema(
        name: "r",
        columns: [
            ColumnSchema("tenant_id", .int64, nullable: false), ColumnSchema("ts", .timestamp, nullable: false), ColumnSchema("i", .int64),
            ColumnSchema("d", .float64), ColumnSchema("s", .string), ColumnSchema("b", .bool), ColumnSchema("n", .int32),
        ],
        tenantColumn: "tenant_id", timeColumn: "ts")

    /// Random columns whose value shapes exercise every encoding: constants, runs, sorted, wide, extremes, nulls.
    static func randomColumns(rowCount: Int, random: inout SeededGenerator) -> [ColumnVector] {
        let shape = Int.random(in: 0..<5, using: &random)
        let tenants = ContiguousArray((0..<rowCount).map { Int64($0 * 7 / max(rowCount, 1)) }.sorted())
        let times = ContiguousArray((0..<rowCount).map { Int64($0) * Int64.random(in: 1...1000, using: &random) })
        func integer(_ row: Int) -> Int64 {
            switch shape {
            case 0: return 42
            case 1: return Int64(row / 100)
            case 2: return [Int64.min, Int64.max, 0, -1][Int.random(in: 0..<4, using: &random)]
            case 3: return Int64.random(in: -1000...1000, using: &random)
            default: return Int64.random(in: .min ... .max, using: &random)
            }
        }
        let nullRate = [0, 2, 10, 100][Int.random(in: 0..<4, using: &random)]
        func validity() -> ContiguousArray<Bool>? {
            guard nullRate > 0 else { return nil }
            return ContiguousArray((0..<rowCount).map { _ in Int.random(in: 0..<100, using: &random) >= nullRate })
        }
        let specials: [Double] = [.nan, .infinity, -.infinity, -0.0, 0, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        let doubles = ContiguousArray((0..<rowCount).map { _ in
            Bool.random(using: &random) ? specials[Int.random(in: 0..<specials.count, using: &random)] : Double.random(in: -1e9...1e9, using: &random)
        })
        let dictionary = StringDictionary()
        let words = ["", "a", "ü", "long " + String(repeating: "é", count: 300), "zz", "A"]
        let codes = ContiguousArray((0..<rowCount).map { _ in dictionary.code(for: words[Int.random(in: 0..<words.count, using: &random)]) })
        return [
            ColumnVector(.int64(tenants)), ColumnVector(.int64(times)), ColumnVector(.int64(ContiguousArray((0..<rowCount).map(integer))), validity: validity()),
            ColumnVector(.float64(doubles), validity: validity()), ColumnVector(.string(codes, dictionary), validity: validity()),
            ColumnVector(.int64(ContiguousArray((0..<rowCount).map { _ in Int64.random(in: 0...1, using: &random) })), validity: validity()),
            ColumnVector(.int64(ContiguousArray((0..<rowCount).map { _ in Int64.random(in: Int64(Int32.min)...Int64(Int32.max), using: &random) }))),
        ]
    }

    static func text(_ vector: ColumnVector, _ row: Int) -> String {
        if vector.isNull(row) { return "NULL" }
        switch vector.values {
        case .int64(let values): return String(values[row])
        case .float64(let values): return String(values[row].bitPattern)
        case .string(let codes, let dictionary): return dictionary.string(for: codes[row])
        }
    }

    @Test func everyEncodingRoundTripsWithNullsAndExtremes() throws {
        var random = SeededGenerator.fromEnvironment()
        for _ in 0..<40 {
            let rowCount = [1, 2047, 2048, 2049, 4096, Int.random(in: 1...9000, using: &random)][Int.random(in: 0..<6, using: &random)]
            let columns = Self.randomColumns(rowCount: rowCount, random: &random)
            let segment = try Segment(bytes: try SegmentEncoder.encode(columns, schema: Self.schema), schema: Self.schema)
            #expect(segment.rowCount == rowCount)
            for (index, column) in columns.enumerated() {
                let start = Int.random(in: 0..<rowCount, using: &random)
                let end = Int.random(in: (start + 1)...rowCount, using: &random)
                let decoded = try segment.decode(column: index, rows: start..<end)
                let expected = (start..<end).map { Self.text(column, $0) }
                #expect((0..<decoded.count).map { Self.text(decoded, $0) } == expected, "seed \(random.seed) column \(index) rows \(start)..<\(end)")
                // Zone maps agree with a brute-force pass.
                let present = (0..<rowCount).filter { !column.isNull($0) }
                #expect(segment.zoneMap(column: index).nullCount == rowCount - present.count, "seed \(random.seed)")
                if case .int64(let values) = column.values, !present.isEmpty {
                    #expect(segment.zoneMap(column: index).minInt == present.map { values[$0] }.min(), "seed \(random.seed)")
                    #expect(segment.zoneMap(column: index).maxInt == present.map { values[$0] }.max(), "seed \(random.seed)")
                }
            }
            for tenant in Set(columns[0].count > 0 ? (0..<rowCount).map { Self.text(columns[0], $0) } : []) {
                let rows = segment.rows(ofTenant: Int64(tenant)!)
                #expect(rows.allSatisfy { Self.text(columns[0], $0) == tenant } && rows.count == (0..<rowCount).filter { Self.text(columns[0], $0) == tenant }.count)
            }
            try segment.verify()
        }
    }

    @Test func aFlippedByteAnywhereIsReportedAsCorrupt() throws {
        var random = SeededGenerator.fromEnvironment()
        let columns = Self.randomColumns(rowCount: 5000, random: &random)
        let bytes = try SegmentEncoder.encode(columns, schema: Self.schema)
        for _ in 0..<200 {
            var damaged = bytes
            let offset = Int.random(in: 0..<bytes.count, using: &random)
            damaged[offset] ^= UInt8.random(in: 1...255, using: &random)
            do {
                let segment = try Segment(bytes: damaged, schema: Self.schema)
                try segment.verify()
                Issue.record("seed \(random.seed): a flipped byte at \(offset) of \(bytes.count) went unnoticed")
            } catch {
                #expect(error.code == .corrupt, "seed \(random.seed): \(error)")
            }
        }
        for length in [0, 10, bytes.count / 2, bytes.count - 1] {
            #expect(throws: CortexError.self) { try Segment(bytes: Array(bytes.prefix(length)), schema: Self.schema) }
        }
    }
}
