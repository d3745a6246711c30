import CortexCore

/// The footer of a segment file: schema, column chunk directory with block
/// zone maps, string dictionaries and the tenant directory, then a CRC-32C of
/// the footer (docs/analytics-format.md, "Segment footer").
struct SegmentFooter: Sendable {
    var schema: TableSchema
    var chunks: [ColumnChunkInfo]
    var dictionaries: [[String]?]
    /// (tenant, first row, row count), tenants ascending.
    var directory: [(Int64, Int, Int)]

    private static func write(_ zone: ZoneMap, _ writer: inout BinaryWriter) {
        writer.writeFixed(UInt32(zone.nullCount))
        writer.writeFixed(zone.minInt)
        writer.writeFixed(zone.maxInt)
        writer.write(zone.minDouble)
        writer.write(zone.maxDouble)
    }

    private static func readZone(_ reader: inout BinaryReader, rowCount: Int) throws(CortexError) -> ZoneMap {
        let nulls = Int(try reader.readFixed(UInt32.self))
        guard nulls <= rowCount else { throw .corrupt("\(reader.context): zone map claims \(nulls) nulls in \(rowCount) rows") }
        return ZoneMap(
            rowCount: rowCount, nullCount: nulls, minInt: try reader.readFixed(Int64.self), maxInt: try reader.readFixed(Int64.self),
            minDouble: try reader.readDouble(), maxDouble: try reader.readDouble())
    }

    func encoded() -> [UInt8] {
        var writer = BinaryWriter(reservingCapacity: 4096)
        for column in schema.columns {
            writer.write(column.name)
            writer.write(column.type.rawValue)
            writer.write(column.isNullable)
        }
        writer.writeFixed(UInt16(schema.tenantColumn))
        for chunk in chunks {
            writer.writeFixed(UInt64(chunk.offset))
            writer.writeFixed(UInt64(chunk.storedByteCount))
            writer.writeFixed(UInt64(chunk.rawByteCount))
            writer.write(chunk.compression.rawValue)
            writer.writeFixed(chunk.checksum)
            Self.write(chunk.zone, &writer)
            writer.writeFixed(UInt32(chunk.blockRanges.count))
            for (range, zone) in zip(chunk.blockRanges, chunk.blockZones) {
                writer.writeFixed(UInt32(range.lowerBound))
                writer.writeFixed(UInt32(range.count))
                Self.write(zone, &writer)
            }
        }
        for dictionary in dictionaries {
            guard let dictionary else { continue }
            writer.writeFixed(UInt32(dictionary.count))
            for string in dictionary { writer.write(string) }
        }
        writer.writeFixed(UInt32(directory.count))
        for (tenant, start, count) in directory {
            writer.writeFixed(tenant)
            writer.writeFixed(UInt32(start))
            writer.writeFixed(UInt32(count))
        }
        writer.writeFixed(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    /// Parses and validates a footer against `schema` for a segment of `rowCount` rows whose chunks end before `payloadEnd`.
    static func decode(_ bytes: [UInt8], schema: TableSchema, rowCount: Int, payloadEnd: Int, name: String) throws(CortexError) -> SegmentFooter {
        guard bytes.count >= 4 else { throw .corrupt("\(name): footer too short") }
        var tail = BinaryReader(Array(bytes.suffix(4)), context: name)
        guard try tail.readFixed(UInt32.self) == CRC32C.checksum(Array(bytes.dropLast(4))) else {
            throw .corrupt("\(name): footer checksum mismatch")
        }
        var reader = BinaryReader(Array(bytes.dropLast(4)), context: "\(name) footer")
        for column in schema.columns {
            let stored = ColumnSchema(
                try reader.readString(), ColumnType(rawValue: try reader.readString()) ?? .int64, nullable: try reader.readBool())
            guard stored == column else {
                throw .corrupt("\(name): holds column \(stored.name) \(stored.type.rawValue); table \(schema.name) expects \(column.name) \(column.type.rawValue)")
            }
        }
        guard Int(try reader.readFixed(UInt16.self)) == schema.tenantColumn else { throw .corrupt("\(name): tenant column differs") }
        let blockCount = (rowCount + AnalyticsLimits.blockRowCount - 1) / AnalyticsLimits.blockRowCount
        var chunks: [ColumnChunkInfo] = []
        for column in schema.columns {
            let offset = Int(try reader.readFixed(UInt64.self)), stored = Int(try reader.readFixed(UInt64.self))
            let raw = Int(try reader.readFixed(UInt64.self))
            guard let compression = SegmentFormat.Compression(rawValue: try reader.readByte()) else {
                throw .corrupt("\(name): column \(column.name) has an unknown compression")
            }
            let checksum = try reader.readFixed(UInt32.self)
            let zone = try readZone(&reader, rowCount: rowCount)
            guard offset >= SegmentFormat.headerByteCount, stored >= 0, offset <= payloadEnd, stored <= payloadEnd - offset,
                raw >= 0, raw <= 64 * rowCount + 64 * blockCount, compression == .zstd || raw == stored
            else { throw .corrupt("\(name): column \(column.name) chunk bounds are invalid") }
            guard Int(try reader.readFixed(UInt32.self)) == blockCount else { throw .corrupt("\(name): column \(column.name) block count") }
            var ranges: [Range<Int>] = []
            var zones: [ZoneMap] = []
            for block in 0..<blockCount {
                let start = Int(try reader.readFixed(UInt32.self)), count = Int(try reader.readFixed(UInt32.self))
                guard start <= raw, count <= raw - start else { throw .corrupt("\(name): column \(column.name) block \(block) bounds") }
                ranges.append(start..<(start + count))
                zones.append(try readZone(&reader, rowCount: min(AnalyticsLimits.blockRowCount, rowCount - block * AnalyticsLimits.blockRowCount)))
            }
            chunks.append(ColumnChunkInfo(
                offset: offset, storedByteCount: stored, rawByteCount: raw, compression: compression, checksum: checksum, zone: zone,
                blockRanges: ranges, blockZones: zones))
        }
        var dictionaries: [[String]?] = []
        for column in schema.columns {
            guard column.type == .string else {
                dictionaries.append(nil)
                continue
            }
            let count = Int(try reader.readFixed(UInt32.self))
            guard count <= reader.remainingByteCount else { throw .corrupt("\(name): dictionary of \(column.name) is too long") }
            var strings: [String] = []
            for _ in 0..<count {
                let string = try reader.readString()
                if let last = strings.last, !last.utf8.lexicographicallyPrecedes(string.utf8) {
                    throw .corrupt("\(name): dictionary of \(column.name) is not sorted")
                }
                strings.append(string)
            }
            dictionaries.append(strings)
        }
        let tenantCount = Int(try reader.readFixed(UInt32.self))
        guard tenantCount <= rowCount else { throw .corrupt("\(name): tenant directory has \(tenantCount) entries for \(rowCount) rows") }
        var directory: [(Int64, Int, Int)] = []
        var expectedStart = 0
        for _ in 0..<tenantCount {
            let tenant = try reader.readFixed(Int64.self)
            let start = Int(try reader.readFixed(UInt32.self)), count = Int(try reader.readFixed(UInt32.self))
            guard start == expectedStart, count >= 1, directory.last.map({ $0.0 < tenant }) ?? true else {
                throw .corrupt("\(name): tenant directory is inconsistent")
            }
            directory.append((tenant, start, count))
            expectedStart = start + count
        }
        guard expectedStart == rowCount else { throw .corrupt("\(name): tenant directory covers \(expectedStart) of \(rowCount) rows") }
        try reader.expectEnd()
        return SegmentFooter(schema: schema, chunks: chunks, dictionaries: dictionaries, directory: directory)
    }
}
