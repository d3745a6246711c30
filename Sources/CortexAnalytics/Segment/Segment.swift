public import CortexCore
import Synchronization

/// An immutable segment file of one table, opened for reading.
///
/// Opening checks the magic numbers, the version and the footer checksum and
/// that the stored schema equals the table's; it reads no column payload. A
/// column chunk is checked against its CRC-32C and (when compressed)
/// decompressed on first use; the decoded-to-lightweight bytes are kept, so
/// later reads only unpack. Thread: every method may be called from any thread.
public final class Segment: Sendable {
    public let rowCount: Int
    public let name: String
    let schema: TableSchema
    private let bytes: [UInt8]
    private let footer: SegmentFooter
    private let tenantKeys: [Int64]
    private let stringDictionaries: [StringDictionary?]
    /// Per column: the raw chunk once verified (and decompressed).
    private let rawChunks: Mutex<[[UInt8]?]>

    /// - Throws: `.corrupt` naming `name` and what failed.
    public init(bytes: [UInt8], schema: TableSchema, name: String = "segment") throws(CortexError) {
        let minimum = SegmentFormat.headerByteCount + SegmentFormat.trailerByteCount
        guard bytes.count >= minimum else { throw .corrupt("\(name): \(bytes.count) bytes is too short for a segment") }
        var header = BinaryReader(Array(bytes[0..<SegmentFormat.headerByteCount]), context: name)
        guard try header.readFixed(UInt32.self) == SegmentFormat.headMagic else { throw .corrupt("\(name): not a segment (bad magic)") }
        let version = try header.readFixed(UInt16.self)
        guard version == SegmentFormat.version else {
            throw .corrupt("\(name): segment format version \(version); this build reads version \(SegmentFormat.version)")
        }
        let flags = try header.readFixed(UInt16.self)
        guard flags == 0 else { throw .corrupt("\(name): unknown segment flags \(flags)") }
        let rowCount = Int(try header.readFixed(UInt32.self))
        let columnCount = Int(try header.readFixed(UInt16.self))
        let blockRowCount = Int(try header.readFixed(UInt16.self))
        guard columnCount == schema.columns.count, blockRowCount == AnalyticsLimits.blockRowCount,
            (1...AnalyticsLimits.segmentRowCountMax).contains(rowCount)
        else { throw .corrupt("\(name): header (rows \(rowCount), columns \(columnCount), block \(blockRowCount)) does not fit table \(schema.name)") }
        var trailer = BinaryReader(Array(bytes.suffix(SegmentFormat.trailerByteCount)), context: name)
        let footerByteCount = Int(try trailer.readFixed(UInt32.self))
        guard try trailer.readFixed(UInt32.self) == SegmentFormat.tailMagic else { throw .corrupt("\(name): bad trailing magic (truncated?)") }
        let footerEnd = bytes.count - SegmentFormat.trailerByteCount
        guard footerByteCount <= footerEnd - SegmentFormat.headerByteCount else { throw .corrupt("\(name): footer length \(footerByteCount)") }
        let footerStart = footerEnd - footerByteCount
        footer = try SegmentFooter.decode(
            Array(bytes[footerStart..<footerEnd]), schema: schema, rowCount: rowCount, payloadEnd: footerStart, name: name)
        self.rowCount = rowCount
        self.name = name
        self.schema = schema
        self.bytes = bytes
        tenantKeys = footer.directory.map(\.0)
        stringDictionaries = footer.dictionaries.map { $0.map(StringDictionary.init) }
        rawChunks = Mutex(Array(repeating: nil, count: schema.columns.count))
    }

    public convenience init(path: String, schema: TableSchema) throws(CortexError) {
        try self.init(bytes: try FileIO.readAll(path), schema: schema, name: path)
    }

    public var blockCount: Int { (rowCount + AnalyticsLimits.blockRowCount - 1) / AnalyticsLimits.blockRowCount }

    public var byteCount: Int { bytes.count }

    public func zoneMap(column: Int) -> ZoneMap { footer.chunks[column].zone }

    public func zoneMap(column: Int, block: Int) -> ZoneMap { footer.chunks[column].blockZones[block] }

    /// The tenant directory's keys, ascending.
    public var tenants: [Int64] { tenantKeys }

    /// The rows of `tenant` (contiguous; empty when absent).
    public func rows(ofTenant tenant: Int64) -> Range<Int> {
        var low = 0, high = tenantKeys.count
        while low < high {
            let middle = (low + high) / 2
            if tenantKeys[middle] < tenant { low = middle + 1 } else { high = middle }
        }
        guard low < tenantKeys.count, tenantKeys[low] == tenant else { return 0..<0 }
        let entry = footer.directory[low]
        return entry.1..<(entry.1 + entry.2)
    }

    /// The segment's dictionary of a string column (codes in decoded vectors index it), nil for other types.
    public func dictionary(column: Int) -> StringDictionary? { stringDictionaries[column] }

    /// The verified, decompressed chunk of `column`.
    private func rawChunk(_ column: Int) throws(CortexError) -> [UInt8] {
        if let cached = rawChunks.withLock({ $0[column] }) { return cached }
        let info = footer.chunks[column]
        let stored = bytes[info.offset..<(info.offset + info.storedByteCount)]
        let intact = unsafe stored.withUnsafeBytes { unsafe CRC32C.checksum($0) == info.checksum }
        guard intact else { throw .corrupt("\(name): column \(schema.columns[column].name) fails its checksum") }
        let raw: [UInt8]
        switch info.compression {
        case .none: raw = Array(stored)
        case .zstd:
            let context = "\(name): column \(schema.columns[column].name)"
            let result = unsafe stored.withUnsafeBytes { buffer in
                Result { () throws(CortexError) in
                    try unsafe ZstdBlock.decompress(buffer, rawByteCount: info.rawByteCount, context: context)
                }
            }
            raw = try result.get()
        }
        rawChunks.withLock { $0[column] = raw }
        return raw
    }

    /// Values of `rows` (any sub-range of the segment, may span blocks).
    /// Strings are codes into ``dictionary(column:)``.
    ///
    /// - Throws: `.corrupt` naming the column and block when stored bytes fail validation.
    public func decode(column: Int, rows: Range<Int>) throws(CortexError) -> ColumnVector {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= rowCount, "rows \(rows) outside a segment of \(rowCount)")
        let raw = try rawChunk(column)
        let info = footer.chunks[column]
        let type = schema.columns[column].type
        var ints = ContiguousArray<Int64>()
        var doubles = ContiguousArray<Double>()
        var validity: ContiguousArray<Bool>?
        if type == .float64 { doubles.reserveCapacity(rows.count) } else { ints.reserveCapacity(rows.count) }
        let blockRowCount = AnalyticsLimits.blockRowCount
        var row = rows.lowerBound
        while row < rows.upperBound {
            let block = row / blockRowCount
            let blockStart = block * blockRowCount
            let blockRows = min(blockRowCount, rowCount - blockStart)
            let end = min(rows.upperBound, blockStart + blockRows)
            let range = info.blockRanges[block]
            let context = "\(name): column \(schema.columns[column].name) block \(block)"
            let result = unsafe raw.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) -> Result<Void, CortexError> in
                // The footer check bounded every block range by the raw byte count, which the chunk matches.
                guard range.upperBound <= buffer.count else { return .failure(.corrupt("\(context): block outside its chunk")) }
                let slice = unsafe UnsafeRawBufferPointer(rebasing: buffer[range])
                let inBlock = (row - blockStart)..<(end - blockStart)
                return Result { () throws(CortexError) in
                    if type == .float64 {
                        try unsafe BlockCodec.decodeDoubles(slice, rowCount: blockRows, rows: inBlock, into: &doubles, validity: &validity, context: context)
                    } else {
                        try unsafe BlockCodec.decodeIntegers(slice, rowCount: blockRows, rows: inBlock, into: &ints, validity: &validity, context: context)
                    }
                }
            }
            try result.get()
            row = end
        }
        switch type {
        case .float64: return ColumnVector(.float64(doubles), validity: validity)
        case .string:
            guard let dictionary = stringDictionaries[column] else { preconditionFailure("string column without dictionary") }
            let limit = Int64(dictionary.count)
            var codes = ContiguousArray<Int32>()
            codes.reserveCapacity(ints.count)
            for (index, code) in ints.enumerated() {
                let valid = validity.map { $0[index] } ?? true
                guard !valid || (code >= 0 && code < limit) else {
                    throw .corrupt("\(name): column \(schema.columns[column].name) holds code \(code) outside its dictionary of \(limit)")
                }
                codes.append(valid ? Int32(code) : 0)
            }
            return ColumnVector(.string(codes, dictionary), validity: validity)
        default:
            return ColumnVector(.int64(ints), validity: validity)
        }
    }

    /// Checks every column's checksum and decodes every block.
    public func verify() throws(CortexError) {
        for column in schema.columns.indices { _ = try decode(column: column, rows: 0..<rowCount) }
    }
}
