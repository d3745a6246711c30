public import CortexCore
import Dispatch

/// Writes the bytes of a segment file (docs/analytics-format.md, "Segment file").
public enum SegmentEncoder {
    /// Encodes one vector per schema column (same row count, 1 …
    /// `AnalyticsLimits.segmentRowCountMax`, rows in final order, the tenant
    /// column non-decreasing) into a segment file's bytes. Encodings are chosen
    /// per block; each column chunk is zstd-compressed when that saves ≥ 10 %.
    ///
    /// - Throws: `.invalidInput` for a shape that does not fit the schema.
    public static func encode(_ columns: [ColumnVector], schema: TableSchema, zstdLevel: Int32 = 3) throws(CortexError) -> [UInt8] {
        guard columns.count == schema.columns.count, let rowCount = columns.first?.count else {
            throw .invalidInput("a segment of table \(schema.name) needs \(schema.columns.count) columns; got \(columns.count)")
        }
        guard rowCount >= 1, rowCount <= AnalyticsLimits.segmentRowCountMax, columns.allSatisfy({ $0.count == rowCount }) else {
            throw .invalidInput("a segment holds 1-\(AnalyticsLimits.segmentRowCountMax) rows in every column")
        }
        guard case .int64(let tenants) = columns[schema.tenantColumn].values else { throw .invalidInput("tenant column kind") }
        var directory: [(Int64, Int, Int)] = []
        for (row, tenant) in tenants.enumerated() {
            if let last = directory.last, last.0 == tenant {
                directory[directory.count - 1].2 += 1
            } else {
                precondition(directory.last.map { $0.0 < tenant } ?? true, "segment rows are not sorted by tenant")
                directory.append((tenant, row, 1))
            }
        }
        // Strings: a per-segment dictionary sorted byte-wise, so code order is string order.
        var encodedColumns = columns
        var dictionaries: [[String]?] = Array(repeating: nil, count: columns.count)
        for (index, column) in columns.enumerated() {
            guard case .string(let codes, let dictionary) = column.values else { continue }
            let all = dictionary.allStrings()
            var used = [Bool](repeating: false, count: all.count)
            for (row, code) in codes.enumerated() where !column.isNull(row) { used[Int(code)] = true }
            let usedCodes = used.indices.filter { used[$0] }
            let sorted = usedCodes.sorted { all[$0].utf8.lexicographicallyPrecedes(all[$1].utf8) }
            let strings = sorted.map { all[$0] }
            var local = [Int32](repeating: 0, count: all.count)
            for (position, code) in sorted.enumerated() { local[code] = Int32(position) }
            var remapped = ContiguousArray<Int32>(repeating: 0, count: codes.count)
            for (row, code) in codes.enumerated() where !column.isNull(row) { remapped[row] = local[Int(code)] }
            encodedColumns[index] = ColumnVector(.string(remapped, StringDictionary(strings)), validity: column.validity)
            dictionaries[index] = strings
        }
        var chunks = [(info: ColumnChunkInfo, bytes: [UInt8])?](repeating: nil, count: columns.count)
        var failure: CortexError?
        for index in columns.indices {
            do throws(CortexError) {
                chunks[index] = try encodeChunk(encodedColumns[index], zstdLevel: zstdLevel)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        var output: [UInt8] = []
        BlockCodec.appendFixed(SegmentFormat.headMagic, into: &output)
        BlockCodec.appendFixed(SegmentFormat.version, into: &output)
        BlockCodec.appendFixed(UInt16(0), into: &output)
        BlockCodec.appendFixed(UInt32(rowCount), into: &output)
        BlockCodec.appendFixed(UInt16(columns.count), into: &output)
        BlockCodec.appendFixed(UInt16(AnalyticsLimits.blockRowCount), into: &output)
        var infos: [ColumnChunkInfo] = []
        for chunk in chunks {
            guard case .some((var info, let bytes)) = chunk else { preconditionFailure("chunk not encoded") }
            info.offset = output.count
            output.append(contentsOf: bytes)
            infos.append(info)
        }
        let footer = SegmentFooter(schema: schema, chunks: infos, dictionaries: dictionaries, directory: directory).encoded()
        output.append(contentsOf: footer)
        BlockCodec.appendFixed(UInt32(footer.count), into: &output)
        BlockCodec.appendFixed(SegmentFormat.tailMagic, into: &output)
        return output
    }

    private static func encodeChunk(_ column: ColumnVector, zstdLevel: Int32) throws(CortexError) -> (ColumnChunkInfo, [UInt8]) {
        var raw: [UInt8] = []
        raw.reserveCapacity(column.count * 2)
        var ranges: [Range<Int>] = []
        var zones: [ZoneMap] = []
        var zone = ZoneMap.empty
        var start = 0
        while start < column.count {
            let end = min(start + AnalyticsLimits.blockRowCount, column.count)
            let before = raw.count
            BlockCodec.encode(column, rows: start..<end, into: &raw)
            ranges.append(before..<raw.count)
            let blockZone = ZoneMap.of(column, rows: start..<end)
            zones.append(blockZone)
            zone = zone.merged(with: blockZone)
            start = end
        }
        var stored = raw
        var compression = SegmentFormat.Compression.none
        if raw.count >= 64 {
            let compressed = try ZstdBlock.compress(raw, level: zstdLevel)
            if compressed.count * 10 <= raw.count * 9 {
                stored = compressed
                compression = .zstd
            }
        }
        let info = ColumnChunkInfo(
            offset: 0, storedByteCount: stored.count, rawByteCount: raw.count, compression: compression,
            checksum: CRC32C.checksum(stored), zone: zone, blockRanges: ranges, blockZones: zones)
        return (info, stored)
    }
}
