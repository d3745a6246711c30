import CortexAnalytics
import CortexCore
import Testing

@Suite struct SegmentRoundTripTests {
    static let sizes = [1, 2, 63, 64, 65, 2047, 2048, 2049, 4095, 4096, 4097, 10_000]

    @Test(arguments: sizes)
    func everyColumnRoundTripsForRowCount(_ count: Int) throws {
        for seed in UInt64(1)...3 {
            var rng = SegRNG(seed: seed &* 7919 &+ UInt64(count))
            let columns = SegFixture.columns(count, rng: &rng)
            let bytes = try SegmentEncoder.encode(columns, schema: SegFixture.schema)
            let segment = try Segment(bytes: bytes, schema: SegFixture.schema)
            #expect(segment.rowCount == count)
            #expect(segment.byteCount == bytes.count)
            #expect(segment.blockCount == (count + 2047) / 2048)
            for column in columns.indices {
                let decoded = try segment.decode(column: column, rows: 0..<count)
                let mismatches = SegCompare.mismatches(decoded, columns[column], rows: 0..<count)
                #expect(mismatches.isEmpty, "seed \(seed) count \(count) column \(column): \(mismatches)")
            }
            try segment.verify()
        }
    }

    @Test func subRangesAcrossBlockBoundariesEqualSlices() throws {
        let seed: UInt64 = 42
        var rng = SegRNG(seed: seed)
        let count = 3 * 2048 + 17
        let columns = SegFixture.columns(count, rng: &rng)
        let segment = try Segment(bytes: try SegmentEncoder.encode(columns, schema: SegFixture.schema), schema: SegFixture.schema)
        var ranges: [Range<Int>] = [0..<0, 0..<1, 2047..<2049, 2048..<4096, 1..<(count - 1), (count - 1)..<count, 4000..<4000]
        for _ in 0..<40 {
            let start = Int.random(in: 0...count, using: &rng)
            ranges.append(start..<Int.random(in: start...count, using: &rng))
        }
        for range in ranges {
            for column in columns.indices {
                let decoded = try segment.decode(column: column, rows: range)
                let mismatches = SegCompare.mismatches(decoded, columns[column], rows: range)
                #expect(mismatches.isEmpty, "seed \(seed) range \(range) column \(column): \(mismatches)")
            }
        }
    }

    @Test func zoneMapsEqualBruteForce() throws {
        let seed: UInt64 = 7
        var rng = SegRNG(seed: seed)
        let count = 5 * 2048 + 3
        let columns = SegFixture.columns(count, rng: &rng)
        let segment = try Segment(bytes: try SegmentEncoder.encode(columns, schema: SegFixture.schema), schema: SegFixture.schema)
        for column in columns.indices {
            let decoded = try segment.decode(column: column, rows: 0..<count)
            for block in 0..<segment.blockCount {
                let expected = bruteForceZoneMap(decoded, rows: segment.rows(ofBlock: block))
                #expect(segment.zoneMap(column: column, block: block) == expected, "seed \(seed) column \(column) block \(block)")
            }
            #expect(segment.zoneMap(column: column) == bruteForceZoneMap(decoded, rows: 0..<count), "seed \(seed) column \(column)")
        }
    }

    private func bruteForceZoneMap(_ column: ColumnVector, rows: Range<Int>) -> ZoneMap {
        let valid = rows.filter { !column.isNull($0) }
        guard !valid.isEmpty else { return ZoneMap(rowCount: rows.count, nullCount: rows.count) }
        switch column.values {
        case .int64(let values):
            let selected = valid.map { values[$0] }
            return ZoneMap(rowCount: rows.count, nullCount: rows.count - valid.count, minInt: selected.min()!, maxInt: selected.max()!)
        case .string(let codes, _):
            let selected = valid.map { Int64(codes[$0]) }
            return ZoneMap(rowCount: rows.count, nullCount: rows.count - valid.count, minInt: selected.min()!, maxInt: selected.max()!)
        case .float64(let values):
            let selected = valid.map { values[$0] }.filter { !$0.isNaN }
            return ZoneMap(
                rowCount: rows.count, nullCount: rows.count - valid.count, minDouble: selected.min() ?? .infinity,
                maxDouble: selected.max() ?? -.infinity)
        }
    }

    @Test func stringCodesFollowByteOrderOfTheSegmentDictionary() throws {
        var rng = SegRNG(seed: 11)
        let columns = SegFixture.columns(3000, rng: &rng)
        let segment = try Segment(bytes: try SegmentEncoder.encode(columns, schema: SegFixture.schema), schema: SegFixture.schema)
        let dictionary = try #require(segment.dictionary(column: 6))
        #expect(segment.dictionary(column: 6) === dictionary)
        #expect(segment.dictionary(column: 0) == nil)
        let strings = dictionary.allStrings()
        #expect(zip(strings, strings.dropFirst()).allSatisfy { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    @Test func tenantDirectoryFindsEveryTenantRun() throws {
        var rng = SegRNG(seed: 5)
        let count = 9000
        let columns = SegFixture.columns(count, rng: &rng)
        let segment = try Segment(bytes: try SegmentEncoder.encode(columns, schema: SegFixture.schema), schema: SegFixture.schema)
        guard case .int64(let tenants) = columns[0].values else { Issue.record("tenant column"); return }
        #expect(segment.tenants == Array(Set(tenants)).sorted())
        for tenant in segment.tenants {
            let first = tenants.firstIndex(of: tenant)!
            let last = tenants.lastIndex(of: tenant)!
            #expect(segment.rows(ofTenant: tenant) == first..<(last + 1))
        }
        #expect(segment.rows(ofTenant: 1).isEmpty)
        #expect(segment.rows(ofTenant: .min).isEmpty)
        #expect(segment.rows(ofTenant: .max).isEmpty)
    }
}

@Suite struct SegmentConcurrencyTests {
    @Test func concurrentFirstAccessesDecodeTheSameValues() async throws {
        var rng = SegRNG(seed: 31)
        let count = 3 * 2048 + 5
        let columns = SegFixture.columns(count, rng: &rng)
        let segment = try Segment(bytes: try SegmentEncoder.encode(columns, schema: SegFixture.schema), schema: SegFixture.schema)
        let results = try await withThrowingTaskGroup(of: (Int, [String?]).self) { group in
            for task in 0..<16 {
                group.addTask {
                    let column = task % columns.count
                    let decoded = try segment.decode(column: column, rows: 0..<count)
                    return (column, (0..<count).map { SegCompare.value(decoded, $0) })
                }
            }
            var all: [(Int, [String?])] = []
            for try await result in group { all.append(result) }
            return all
        }
        for (column, values) in results {
            #expect(values == (0..<count).map { SegCompare.value(columns[column], $0) }, "seed 31 column \(column)")
        }
    }
}
