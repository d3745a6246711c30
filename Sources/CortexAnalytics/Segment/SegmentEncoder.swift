public import CortexCore
import Dispatch

/// Writes segment files (docs/analytics-format.md).
public enum SegmentEncoder {
    /// Encodes one column per schema column (all the same row count, rows in final order; the
    /// tenant column must be non-decreasing: precondition) into the bytes of a segment file.
    /// Chooses the encoding per column per block, then zstd-compresses each column chunk when
    /// that saves at least 10 %.
    ///
    /// - Throws: `.invalidInput` when the columns do not fit the schema (count, row counts,
    ///   value kinds, nulls in a NOT NULL column) or the row count is outside
    ///   1…`AnalyticsLimits.segmentRowCountMax`; `.unavailable` if zstd fails.
    /// - Cost: one pass over the values per column plus zstd; columns on several threads from
    ///   `parallelRowCountMin` rows.
    public static func encode(_ columns: [ColumnVector], schema: TableSchema, zstdLevel: Int32 = 3) throws(CortexError) -> [UInt8] {
        let rowCount = try validate(columns, schema: schema)
        let tenants = tenantDirectory(columns[schema.tenantColumn], rowCount: rowCount)
        var file = SegmentFile.magic
        var version = BinaryWriter()
        version.writeFixed(SegmentFile.formatVersion)
        file += version.bytes
        // Columns are prepared, encoded, compressed and checksummed independently: on several
        // threads when the segment is large enough to be worth it (a bulk load's single segment).
        let results = ConcurrentSlots<Result<EncodedChunk, CortexError>>(count: columns.count)
        let encodeOne: @Sendable (Int) -> Void = { index in
            results[index] = Result { () throws(CortexError) in
                try encodeChunk(columns[index], type: schema.columns[index].type, zstdLevel: zstdLevel)
            }
        }
        if rowCount >= parallelRowCountMin && columns.count > 1 {
            DispatchQueue.concurrentPerform(iterations: columns.count, execute: encodeOne)
        } else {
            for index in columns.indices { encodeOne(index) }
        }
        var chunks: [ChunkDescriptor] = []
        var dictionaries: [[String]?] = []
        for index in columns.indices {
            var encoded = try results.take(index).get()
            encoded.descriptor.offset = file.count
            file += encoded.bytes
            chunks.append(encoded.descriptor)
            dictionaries.append(encoded.dictionary)
        }
        let footer = SegmentFooter(
            rowCount: rowCount, columns: schema.columns, tenantColumn: schema.tenantColumn, chunks: chunks, tenants: tenants,
            dictionaries: dictionaries
        ).serialized()
        file += footer
        var trailer = BinaryWriter()
        trailer.writeFixed(UInt32(footer.count))
        trailer.writeFixed(CRC32C.checksum(footer))
        file += trailer.bytes
        file += SegmentFile.magic
        return file
    }

    /// Segments with at least this many rows encode their columns in parallel.
    static let parallelRowCountMin = 65_536

    struct EncodedChunk: Sendable {
        var descriptor: ChunkDescriptor
        let bytes: [UInt8]
        let dictionary: [String]?
    }

    /// One column's chunk as stored (zstd when that pays), its descriptor (offset still 0) and
    /// its segment dictionary.
    private static func encodeChunk(_ column: ColumnVector, type: ColumnType, zstdLevel: Int32) throws(CortexError) -> EncodedChunk {
        let prepared = ColumnPreparer.prepare(column, type: type)
        var chunk = ChunkWriter.write(prepared.values, validity: column.validity, isFloat: type == .float64)
        let compressed = try Zstd.compressIfWorthIt(chunk.bytes, level: zstdLevel)
        if compressed != nil { chunk.descriptor.compression = .zstd }
        let stored = compressed ?? chunk.bytes
        chunk.descriptor.storedByteCount = stored.count
        chunk.descriptor.checksum = CRC32C.checksum(stored)
        return EncodedChunk(descriptor: chunk.descriptor, bytes: stored, dictionary: prepared.dictionary)
    }

    /// The common row count, after checking the columns against the schema.
    private static func validate(_ columns: [ColumnVector], schema: TableSchema) throws(CortexError) -> Int {
        guard columns.count == schema.columns.count else {
            throw .invalidInput("segment of table \(schema.name) needs \(schema.columns.count) columns; got \(columns.count)")
        }
        let rowCount = columns[0].count
        guard rowCount >= 1, rowCount <= AnalyticsLimits.segmentRowCountMax else {
            throw .invalidInput("segment row count \(rowCount) outside 1...\(AnalyticsLimits.segmentRowCountMax)")
        }
        for (column, schemaColumn) in zip(columns, schema.columns) {
            guard column.count == rowCount else {
                throw .invalidInput("column \(schemaColumn.name) has \(column.count) rows; column \(schema.columns[0].name) has \(rowCount)")
            }
            let kindMatches: Bool
            switch column.values {
            case .int64: kindMatches = schemaColumn.type.isIntegerLike
            case .float64: kindMatches = schemaColumn.type == .float64
            case .string: kindMatches = schemaColumn.type == .string
            }
            guard kindMatches else {
                throw .invalidInput("column \(schemaColumn.name) of type \(schemaColumn.type.rawValue) got values of another kind")
            }
            guard schemaColumn.isNullable || column.nullCount == 0 else {
                throw .invalidInput("column \(schemaColumn.name) is NOT NULL but has \(column.nullCount) null rows")
            }
        }
        return rowCount
    }

    /// One entry per tenant run. Precondition: the tenant column is non-decreasing.
    private static func tenantDirectory(_ column: ColumnVector, rowCount: Int) -> [TenantRange] {
        guard case .int64(let tenants) = column.values else { preconditionFailure("tenant column is integer-like") }
        var directory: [TenantRange] = []
        var start = 0
        for row in 1...rowCount where row == rowCount || tenants[row] != tenants[start] {
            if row < rowCount { precondition(tenants[row] > tenants[start], "tenant column decreases at row \(row)") }
            directory.append(TenantRange(tenant: tenants[start], rowStart: start, rowCount: row - start))
            start = row
        }
        return directory
    }
}
