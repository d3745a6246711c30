import CortexAnalytics
import CortexCore
import Testing

/// SplitMix64: a tiny seeded generator so failures reproduce from the printed seed.
struct SegRNG: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Fixtures for segment tests.
enum SegFixture {
    /// Every column type, nullable except the tenant and time columns.
    static let schema = try! TableSchema(
        name: "mixed",
        columns: [
            ColumnSchema("tenant", .int64, nullable: false),
            ColumnSchema("ts", .timestamp, nullable: false),
            ColumnSchema("i32", .int32),
            ColumnSchema("i64", .int64),
            ColumnSchema("f", .float64),
            ColumnSchema("b", .bool),
            ColumnSchema("s", .string),
        ],
        tenantColumn: "tenant", timeColumn: "ts", clusterColumns: ["ts"])

    static let extremeInts: [Int64] = [.min, .max, 0, -1, 1, .min + 1, .max - 1]
    static let extremeDoubles: [Double] = [.infinity, -.infinity, .nan, -0.0, 0.0, .greatestFiniteMagnitude, -.leastNonzeroMagnitude, 1.5]
    static let strings: [String] = ["", "a", "ab", "b", "Zürich", "日本語テキスト", String(repeating: "ü🎉", count: 500), "\u{0}", "e\u{301}x"]

    /// Integer values following one of several shapes chosen per block.
    static func integers(_ count: Int, rng: inout SegRNG) -> [Int64] {
        var values: [Int64] = []
        while values.count < count {
            let length = min(count - values.count, [1, 7, 300, 2048, 2049, 5000].randomElement(using: &rng)!)
            let shape = Int.random(in: 0..<7, using: &rng)
            let start = Int64.random(in: -1_000_000...1_000_000, using: &rng)
            for index in 0..<length {
                switch shape {
                case 0: values.append(start)
                case 1: values.append(start + Int64(index / 37))
                case 2: values.append(start + Int64(index) * 1000 + Int64.random(in: 0...999, using: &rng))
                case 3: values.append(Int64.random(in: 0...15, using: &rng))
                case 4: values.append(Int64(bitPattern: rng.next()))
                case 5: values.append(extremeInts.randomElement(using: &rng)!)
                default: values.append(Int64.random(in: -3...3, using: &rng) * 1_000_000_007)
                }
            }
        }
        return values
    }

    /// Validity with a per-run null rate (none, some, all).
    static func validity(_ count: Int, rng: inout SegRNG) -> ContiguousArray<Bool>? {
        if Bool.random(using: &rng) { return nil }
        var flags = ContiguousArray<Bool>()
        while flags.count < count {
            let length = min(count - flags.count, [1, 100, 2048, 3000].randomElement(using: &rng)!)
            let rate = [0.0, 0.1, 0.9, 1.0].randomElement(using: &rng)!
            for _ in 0..<length { flags.append(Double.random(in: 0..<1, using: &rng) >= rate) }
        }
        return flags
    }

    /// A random table of `count` rows of `schema` (tenants sorted, a few tenants).
    static func columns(_ count: Int, rng: inout SegRNG) -> [ColumnVector] {
        var tenants: [Int64] = (0..<count).map { _ in Int64.random(in: -5...5, using: &rng) * 1_000_000_000_000 }
        tenants.sort()
        let ts = integers(count, rng: &rng)
        let dictionary = StringDictionary()
        for string in strings.shuffled(using: &rng) { _ = dictionary.code(for: string) }
        let codes = integers(count, rng: &rng).map { Int32(truncatingIfNeeded: abs($0 % Int64(strings.count))) }
        let doubles: [Double] = integers(count, rng: &rng).enumerated().map { index, value in
            index % 11 == 0 ? extremeDoubles[Int(abs(value % 8))] : Double(value) / 7
        }
        return [
            ColumnVector(.int64(ContiguousArray(tenants))),
            ColumnVector(.int64(ContiguousArray(ts))),
            nulled(.int64(ContiguousArray(integers(count, rng: &rng).map { Int64(Int32(truncatingIfNeeded: $0)) })), rng: &rng),
            nulled(.int64(ContiguousArray(integers(count, rng: &rng))), rng: &rng),
            nulled(.float64(ContiguousArray(doubles)), rng: &rng),
            nulled(.int64(ContiguousArray(integers(count, rng: &rng).map { $0 & 1 })), rng: &rng),
            nulled(.string(ContiguousArray(codes), dictionary), rng: &rng),
        ]
    }

    private static func nulled(_ values: ColumnVector.Values, rng: inout SegRNG) -> ColumnVector {
        var column = ColumnVector(values)
        column.validity = validity(column.count, rng: &rng)
        // A null row's value slot holds 0 (the ColumnVector contract) — except strings, whose code must stay valid.
        return column
    }
}

/// Comparison helpers: values of null rows are ignored; strings compare by text, not code.
enum SegCompare {
    /// A printable, comparable form of row `row` (nil for null).
    static func value(_ column: ColumnVector, _ row: Int) -> String? {
        if column.isNull(row) { return nil }
        switch column.values {
        case .int64(let values): return String(values[row])
        case .float64(let values): return "f" + String(values[row].bitPattern, radix: 16)
        case .string(let codes, let dictionary): return "s" + dictionary.string(for: codes[row])
        }
    }

    /// The rows where `actual` differs from `expected[rows]`, at most `limit`.
    static func mismatches(_ actual: ColumnVector, _ expected: ColumnVector, rows: Range<Int>, limit: Int = 3) -> [String] {
        var found: [String] = []
        guard actual.count == rows.count else { return ["count \(actual.count) != \(rows.count)"] }
        for (offset, row) in rows.enumerated() where value(actual, offset) != value(expected, row) {
            found.append("row \(row): \(value(actual, offset) ?? "null") != \(value(expected, row) ?? "null")")
            if found.count >= limit { break }
        }
        if actual.validity != nil && actual.nullCount == 0 { found.append("validity present without nulls") }
        return found
    }
}
