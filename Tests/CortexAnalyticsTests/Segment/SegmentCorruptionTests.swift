import CortexAnalytics
import CortexCore
import Testing

@Suite struct SegmentCorruptionTests {
    /// A small segment (two blocks, every type, some nulls) and its columns.
    static let fixture: (bytes: [UInt8], columns: [ColumnVector]) = {
        var rng = SegRNG(seed: 2024)
        let columns = SegFixture.columns(2100, rng: &rng)
        return (try! SegmentEncoder.encode(columns, schema: SegFixture.schema), columns)
    }()

    /// Opens `bytes`; if that succeeds, verify must fail and each decode must fail or be right.
    private func expectDetected(_ bytes: [UInt8], what: String) {
        let segment: Segment
        do {
            segment = try Segment(bytes: bytes, schema: SegFixture.schema)
        } catch {
            #expect(error.code == .corrupt, "\(what): \(error)")
            return
        }
        #expect(throws: CortexError.self, "\(what): verify passed") { try segment.verify() }
        for column in Self.fixture.columns.indices {
            do {
                let decoded = try segment.decode(column: column, rows: 0..<segment.rowCount)
                let mismatches = SegCompare.mismatches(decoded, Self.fixture.columns[column], rows: 0..<segment.rowCount)
                #expect(mismatches.isEmpty, "\(what): column \(column) silently wrong: \(mismatches)")
            } catch {
                #expect(error.code == .corrupt, "\(what): \(error)")
            }
        }
    }

    @Test func aFlippedByteAnywhereIsReportedAsCorrupt() {
        let original = Self.fixture.bytes
        var positions = Array(0..<64) + Array((original.count - 300)..<original.count)
        positions += stride(from: 64, to: original.count - 300, by: 31)
        for position in positions {
            for mask: UInt8 in [0x01, 0x80] {
                var bytes = original
                bytes[position] ^= mask
                expectDetected(bytes, what: "byte \(position) of \(original.count) ^ \(mask)")
            }
        }
    }

    @Test func truncatedFilesAreCorrupt() {
        let original = Self.fixture.bytes
        for length in Array(0..<40) + Array(stride(from: 40, to: original.count, by: 97)) + [original.count - 1] {
            #expect(throws: CortexError.self, "length \(length)") {
                try Segment(bytes: Array(original[0..<length]), schema: SegFixture.schema)
            }
            do {
                _ = try Segment(bytes: Array(original[0..<length]), schema: SegFixture.schema)
            } catch {
                #expect(error.code == .corrupt, "length \(length): \(error)")
            }
        }
    }

    @Test func aSchemaMismatchIsCorruptAndNamesBothSchemas() throws {
        func schema(_ third: ColumnSchema) throws -> TableSchema {
            try TableSchema(
                name: "other", columns: [ColumnSchema("tenant", .int64, nullable: false), ColumnSchema("ts", .timestamp, nullable: false), third],
                tenantColumn: "tenant", timeColumn: "ts")
        }
        let stored = try schema(ColumnSchema("x", .int64))
        let columns = [ColumnVector(.int64([1, 1, 2])), ColumnVector(.int64([5, 6, 7])), ColumnVector(.int64([0, 0, 0]))]
        let bytes = try SegmentEncoder.encode(columns, schema: stored)
        #expect(throws: CortexError.corrupt(
            "seg-7: stored schema (tenant int64 not null, ts timestamp not null, x int64) differs from table other (tenant int64 not null, ts timestamp not null, x int32)"
        )) {
            try Segment(bytes: bytes, schema: try schema(ColumnSchema("x", .int32)), name: "seg-7")
        }
        #expect(throws: CortexError.self) { try Segment(bytes: bytes, schema: try schema(ColumnSchema("y", .int64))) }
        #expect(throws: CortexError.self) { try Segment(bytes: bytes, schema: try schema(ColumnSchema("x", .int64, nullable: false))) }
        #expect(throws: CortexError.self) { try Segment(bytes: bytes, schema: SegFixture.schema) }
        let segment = try Segment(bytes: bytes, schema: stored)
        #expect(segment.tenants == [1, 2])
        #expect(segment.rows(ofTenant: 2) == 2..<3)
    }

    @Test func wrongMagicAndVersionAreNamed() throws {
        var bytes = Self.fixture.bytes
        bytes[4] = 2
        #expect(throws: CortexError.corrupt("s: segment format version 2; this build reads version 1")) {
            try Segment(bytes: bytes, schema: SegFixture.schema, name: "s")
        }
        bytes = Self.fixture.bytes
        bytes[0] = 0
        #expect(throws: CortexError.corrupt("s: not a segment file (bad magic)")) {
            try Segment(bytes: bytes, schema: SegFixture.schema, name: "s")
        }
    }

    @Test func aCorruptChunkIsReportedByDecodeAndVerifyButOpenStaysCheap() throws {
        var bytes = Self.fixture.bytes
        bytes[20] ^= 0x10  // inside the first column's chunk (the header is 8 bytes)
        let segment = try Segment(bytes: bytes, schema: SegFixture.schema, name: "s")
        #expect(throws: CortexError.corrupt("s: column tenant: checksum mismatch")) { try segment.decode(column: 0, rows: 0..<1) }
        #expect(throws: CortexError.corrupt("s: column tenant: checksum mismatch")) { try segment.verify() }
        _ = try segment.decode(column: 1, rows: 0..<10)
    }
}
