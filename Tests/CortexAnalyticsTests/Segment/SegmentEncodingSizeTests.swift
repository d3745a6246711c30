import Glibc
import CortexAnalytics
import CortexCore
import Testing

@Suite struct SegmentEncodingSizeTests {
    static let schema = try! TableSchema(
        name: "sized",
        columns: [
            ColumnSchema("tenant", .int32, nullable: false), ColumnSchema("ts", .timestamp, nullable: false),
            ColumnSchema("score", .float64), ColumnSchema("label", .string),
        ],
        tenantColumn: "tenant", timeColumn: "ts")

    /// 100k rows: 20 tenant runs, time ascending by 1…1000 ms steps, decimal scores, 4 labels in runs of 50.
    static func columns(seed: UInt64, scores: (inout SegRNG) -> Double) -> [ColumnVector] {
        var rng = SegRNG(seed: seed)
        let count = 100_000
        let dictionary = StringDictionary(["widget", "api", "email", "whatsapp"])
        var ts: Int64 = 1_743_552_202_934
        return [
            ColumnVector(.int64(ContiguousArray((0..<count).map { Int64($0 / 5000) }))),
            ColumnVector(.int64(ContiguousArray((0..<count).map { _ in
                ts += Int64.random(in: 1...1000, using: &rng)
                return ts
            }))),
            ColumnVector(.float64(ContiguousArray((0..<count).map { _ in scores(&rng) }))),
            ColumnVector(.string(ContiguousArray((0..<count).map { Int32($0 / 50 % 4) }), dictionary)),
        ]
    }

    @Test func runsSortedDataAndShortDecimalsEncodeCompactly() throws {
        let columns = Self.columns(seed: 8) { rng in Double("0.\(Int.random(in: 10_000_000...99_999_999, using: &rng))")! }
        let bytes = try SegmentEncoder.encode(columns, schema: Self.schema)
        let segment = try Segment(bytes: bytes, schema: Self.schema)
        let rows = Double(segment.rowCount)
        // Bounds a broken chooser fails: plain words would be 8 B/row for every column.
        #expect(Double(segment.storedByteCount(column: 0)) / rows < 0.02, "seed 8: tenant runs")
        #expect(Double(segment.storedByteCount(column: 1)) / rows < 1.3, "seed 8: 10-bit time deltas")
        #expect(Double(segment.storedByteCount(column: 2)) / rows < 3.6, "seed 8: 27-bit decimal scores")
        #expect(Double(segment.storedByteCount(column: 3)) / rows < 0.1, "seed 8: label runs")
        for column in columns.indices {
            let decoded = try segment.decode(column: column, rows: 0..<segment.rowCount)
            #expect(SegCompare.mismatches(decoded, columns[column], rows: 0..<segment.rowCount).isEmpty, "seed 8 column \(column)")
        }
        try segment.verify()
    }

    @Test func floatsThatAreNotShortDecimalsStayExact() throws {
        let specials: [Double] = [-0.0, .nan, .infinity, 1e300, .leastNonzeroMagnitude, 0.1 + 0.2]
        let columns = Self.columns(seed: 9) { rng in
            Bool.random(using: &rng) ? specials.randomElement(using: &rng)! : Double(Int.random(in: 0...100, using: &rng)) / 4
        }
        let segment = try Segment(bytes: try SegmentEncoder.encode(columns, schema: Self.schema), schema: Self.schema)
        let decoded = try segment.decode(column: 2, rows: 0..<segment.rowCount)
        #expect(SegCompare.mismatches(decoded, columns[2], rows: 0..<segment.rowCount).isEmpty, "seed 9")
        try segment.verify()
    }

    @Test func columnsThatDoNotFitTheSchemaAreRejected() {
        let good = Self.columns(seed: 1) { _ in 1 }
        #expect(throws: CortexError.invalidInput("segment of table sized needs 4 columns; got 3")) {
            try SegmentEncoder.encode(Array(good.prefix(3)), schema: Self.schema)
        }
        var wrongKind = good
        wrongKind[2] = ColumnVector(.int64(ContiguousArray(repeating: 1, count: good[0].count)))
        #expect(throws: CortexError.invalidInput("column score of type float64 got values of another kind")) {
            try SegmentEncoder.encode(wrongKind, schema: Self.schema)
        }
        var nullTime = good
        nullTime[1].validity = ContiguousArray((0..<good[0].count).map { $0 != 5 })
        #expect(throws: CortexError.invalidInput("column ts is NOT NULL but has 1 null rows")) {
            try SegmentEncoder.encode(nullTime, schema: Self.schema)
        }
        var short = good
        short[3] = ColumnVector(.string([0], StringDictionary(["a"])))
        #expect(throws: CortexError.invalidInput("column label has 1 rows; column tenant has 100000")) {
            try SegmentEncoder.encode(short, schema: Self.schema)
        }
        let empty = [ColumnVector(.int64([])), ColumnVector(.int64([])), ColumnVector(.float64([])), ColumnVector(.string([], StringDictionary()))]
        #expect(throws: CortexError.invalidInput("segment row count 0 outside 1...1048576")) {
            try SegmentEncoder.encode(empty, schema: Self.schema)
        }
    }

    @Test func aSegmentOpensFromItsFile() throws {
        let bytes = try SegmentEncoder.encode(Self.columns(seed: 2) { _ in 0.5 }, schema: Self.schema)
        let path = "/tmp/cortex-segment-test-\(UInt64.random(in: 0...UInt64.max)).seg"
        let written = bytes.withUnsafeBytes { buffer in
            let file = fopen(path, "wb")!
            defer { fclose(file) }
            return fwrite(buffer.baseAddress, 1, buffer.count, file)
        }
        defer { remove(path) }
        #expect(written == bytes.count)
        let segment = try Segment(path: path, schema: Self.schema)
        #expect(segment.byteCount == bytes.count)
        #expect(segment.name == path)
        try segment.verify()
        #expect(throws: CortexError.notFound("segment file /nonexistent/x.seg does not exist")) {
            try Segment(path: "/nonexistent/x.seg", schema: Self.schema)
        }
    }
}
