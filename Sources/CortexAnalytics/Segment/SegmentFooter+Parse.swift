import CortexCore

extension SegmentFooter {
    /// Parses and validates footer bytes whose checksum already matched.
    ///
    /// Checks everything later reads rely on: counts within limits, the schema equal to
    /// `schema`, chunks contiguous between the header and the footer (`chunkAreaEnd`), block
    /// offsets 8-aligned and increasing, zone maps consistent with block sizes, the tenant
    /// directory covering every row once in ascending order, dictionaries strictly ascending.
    ///
    /// - Throws: `.corrupt` prefixed with `context`.
    static func parse(_ bytes: [UInt8], schema: TableSchema, chunkAreaEnd: Int, context: String) throws(CortexError)
        -> SegmentFooter
    {
        var reader = BinaryReader(bytes, context: "\(context): footer")
        let rowCount = try reader.readCount(max: AnalyticsLimits.segmentRowCountMax, "row count")
        guard rowCount >= 1 else { throw .corrupt("\(context): footer: row count is 0") }
        let blockRowCount = try reader.readVarUInt()
        guard blockRowCount == UInt64(AnalyticsLimits.blockRowCount) else {
            throw .corrupt("\(context): footer: block row count \(blockRowCount); this build reads \(AnalyticsLimits.blockRowCount)")
        }
        let columns = try parseSchema(&reader, schema: schema, context: context)
        var footer = SegmentFooter(
            rowCount: rowCount, columns: columns, tenantColumn: schema.tenantColumn, chunks: [], tenants: [], dictionaries: [])
        var chunkStart = SegmentFile.headerByteCount
        for (index, column) in columns.enumerated() {
            let chunk = try footer.parseChunk(&reader, column: index, isFloat: column.type == .float64, context: context)
            guard chunk.offset == chunkStart else {
                throw .corrupt("\(context): column \(column.name): chunk at byte \(chunk.offset); expected \(chunkStart)")
            }
            chunkStart += chunk.storedByteCount
            footer.chunks.append(chunk)
        }
        guard chunkStart == chunkAreaEnd else {
            throw .corrupt("\(context): chunks end at byte \(chunkStart); the footer starts at \(chunkAreaEnd)")
        }
        footer.tenants = try parseTenants(&reader, rowCount: rowCount, context: context)
        for column in columns {
            footer.dictionaries.append(column.type == .string ? try parseDictionary(&reader, column: column.name, context: context) : nil)
        }
        try reader.expectEnd()
        try footer.checkStringZoneMaps(context: context)
        return footer
    }

    private static func parseSchema(_ reader: inout BinaryReader, schema: TableSchema, context: String) throws(CortexError)
        -> [ColumnSchema]
    {
        let columnCount = try reader.readCount(max: AnalyticsLimits.columnCountMax, "column count")
        var columns: [ColumnSchema] = []
        for _ in 0..<columnCount {
            let name = try reader.readString()
            let typeName = try reader.readString()
            guard let type = ColumnType(rawValue: typeName) else {
                throw .corrupt("\(context): column \(name) has unknown type '\(typeName)'")
            }
            columns.append(ColumnSchema(name, type, nullable: try reader.readBool()))
        }
        let tenantColumn = try reader.readVarUInt()
        guard columns == schema.columns, tenantColumn == UInt64(schema.tenantColumn) else {
            let stored = columns.map { "\($0.name) \($0.type.rawValue)\($0.isNullable ? "" : " not null")" }
            let expected = schema.columns.map { "\($0.name) \($0.type.rawValue)\($0.isNullable ? "" : " not null")" }
            throw .corrupt("\(context): stored schema (\(stored.joined(separator: ", "))) differs from table \(schema.name) (\(expected.joined(separator: ", ")))")
        }
        return columns
    }

    private func parseChunk(_ reader: inout BinaryReader, column: Int, isFloat: Bool, context: String) throws(CortexError)
        -> ChunkDescriptor
    {
        let name = columns[column].name
        let rawMax = blockCount * BlockFormat.byteCountMax(rowCount: AnalyticsLimits.blockRowCount)
        let offset = try reader.readCount(max: Int(Int32.max) * 4, "chunk offset")
        let stored = try reader.readCount(max: Int(Int32.max) * 4, "chunk length")
        let raw = try reader.readCount(max: rawMax, "raw chunk length")
        guard let compression = ChunkDescriptor.Compression(rawValue: try reader.readByte()) else {
            throw .corrupt("\(context): column \(name): unknown compression")
        }
        guard compression == .zstd || stored == raw else {
            throw .corrupt("\(context): column \(name): uncompressed chunk stores \(stored) bytes of \(raw)")
        }
        let checksum = try reader.readFixed(UInt32.self)
        var chunk = ChunkDescriptor(
            offset: offset, storedByteCount: stored, rawByteCount: raw, compression: compression, checksum: checksum,
            blockOffsets: [], blockZoneMaps: [], zoneMap: ZoneMap(rowCount: 0, nullCount: 0))
        var previous = -1
        var total = ZoneMap(rowCount: 0, nullCount: 0)
        for block in 0..<blockCount {
            let blockOffset = try reader.readCount(max: raw, "block offset")
            guard blockOffset % 8 == 0, blockOffset > previous, block > 0 || blockOffset == 0, raw - blockOffset >= 8 else {
                throw .corrupt("\(context): column \(name) block \(block): bad offset \(blockOffset) in a \(raw)-byte chunk")
            }
            previous = blockOffset
            let zoneMap = try Self.parseZoneMap(&reader, rowCount: rowCount(ofBlock: block), isFloat: isFloat)
            chunk.blockOffsets.append(blockOffset)
            chunk.blockZoneMaps.append(zoneMap)
            total = block == 0 ? zoneMap : total.merged(with: zoneMap, isFloat: isFloat)
        }
        guard raw % 8 == 0 else { throw .corrupt("\(context): column \(name): raw length \(raw) is not a multiple of 8") }
        chunk.zoneMap = try Self.parseZoneMap(&reader, rowCount: rowCount, isFloat: isFloat)
        guard chunk.zoneMap == total else {
            throw .corrupt("\(context): column \(name): segment zone map disagrees with its blocks")
        }
        return chunk
    }

    private static func parseZoneMap(_ reader: inout BinaryReader, rowCount: Int, isFloat: Bool) throws(CortexError) -> ZoneMap {
        let nullCount = try reader.readCount(max: rowCount, "null count")
        if nullCount == rowCount { return ZoneMap(rowCount: rowCount, nullCount: nullCount) }
        if isFloat {
            return ZoneMap(rowCount: rowCount, nullCount: nullCount, minDouble: try reader.readDouble(), maxDouble: try reader.readDouble())
        }
        return ZoneMap(rowCount: rowCount, nullCount: nullCount, minInt: try reader.readVarInt(), maxInt: try reader.readVarInt())
    }

    private static func parseTenants(_ reader: inout BinaryReader, rowCount: Int, context: String) throws(CortexError) -> [TenantRange] {
        let count = try reader.readCount(max: rowCount, "tenant count")
        var tenants: [TenantRange] = []
        tenants.reserveCapacity(count)
        var nextRow = 0
        for index in 0..<count {
            let tenant: Int64
            if let previous = tenants.last?.tenant {
                let gap = try reader.readVarUInt()
                // Ids ascend: the gap is positive and the sum must not overflow.
                guard gap >= 1, gap <= UInt64(bitPattern: Int64.max &- previous) else {
                    throw .corrupt("\(context): tenant directory entry \(index) does not ascend")
                }
                tenant = previous &+ Int64(bitPattern: gap)
            } else {
                tenant = try reader.readVarInt()
            }
            let entryRows = try reader.readCount(max: rowCount - nextRow, "tenant row count")
            guard entryRows >= 1 else { throw .corrupt("\(context): tenant \(tenant) has no rows in the directory") }
            tenants.append(TenantRange(tenant: tenant, rowStart: nextRow, rowCount: entryRows))
            nextRow += entryRows
        }
        guard nextRow == rowCount else {
            throw .corrupt("\(context): tenant directory covers \(nextRow) rows; the segment has \(rowCount)")
        }
        return tenants
    }

    private static func parseDictionary(_ reader: inout BinaryReader, column: String, context: String) throws(CortexError) -> [String] {
        let count = try reader.readCount(max: min(AnalyticsLimits.dictionaryEntryCountMax, reader.remainingByteCount), "dictionary size")
        var strings: [String] = []
        strings.reserveCapacity(count)
        for _ in 0..<count {
            let string = try reader.readString()
            guard strings.last.map({ $0.utf8.lexicographicallyPrecedes(string.utf8) }) ?? true else {
                throw .corrupt("\(context): dictionary of column \(column) is not strictly ascending")
            }
            strings.append(string)
        }
        return strings
    }

    /// String codes in zone maps must name dictionary entries.
    private func checkStringZoneMaps(context: String) throws(CortexError) {
        for (index, column) in columns.enumerated() where column.type == .string {
            let count = Int64(dictionaries[index]?.count ?? 0)
            for zoneMap in chunks[index].blockZoneMaps where !zoneMap.isAllNull {
                guard zoneMap.minInt >= 0, zoneMap.minInt <= zoneMap.maxInt, zoneMap.maxInt < count else {
                    throw .corrupt("\(context): column \(column.name): zone map codes \(zoneMap.minInt)...\(zoneMap.maxInt) outside the \(count)-entry dictionary")
                }
            }
        }
    }
}

extension BinaryReader {
    /// A varint count that must lie in `0...max`.
    mutating func readCount(max: Int, _ what: String) throws(CortexError) -> Int {
        let start = offset
        let value = try readVarUInt()
        guard value <= UInt64(max) else { throw .corrupt("\(context): \(what) \(value) at byte \(start) exceeds \(max)") }
        return Int(value)
    }
}
