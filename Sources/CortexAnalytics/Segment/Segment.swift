public import CortexCore
import Synchronization

/// An immutable segment file opened for reading (docs/analytics-format.md).
///
/// Opening validates the header, the trailer, the footer checksum and the footer's contents,
/// but reads no column payload. A column's chunk is checksummed and decompressed on first
/// access and kept (lightweight-encoded) for the segment's lifetime; later decodes only unpack.
///
/// Thread: every method may be called from any thread; the chunk cache takes a mutex only to
/// look up and publish a chunk (two threads racing on a first access may both decompress).
public final class Segment: Sendable {
    /// Rows in the segment (1 … `AnalyticsLimits.segmentRowCountMax`).
    public let rowCount: Int
    /// The name used in error messages (usually the file name).
    public let name: String
    /// The schema the segment was opened with (equal to the stored one).
    public let schema: TableSchema
    /// The tenant directory's keys, ascending.
    public let tenants: [Int64]
    let footer: SegmentFooter
    private let bytes: [UInt8]
    private let dictionaries: [StringDictionary?]
    private let chunkCache: Mutex<[AlignedBytes?]>
    /// One per column, held while the column's chunk is checked and decompressed, so threads that
    /// reach a cold chunk together decompress it once (the others wait, then read the cache).
    private let chunkLoads: [ChunkLoadLock]

    /// Validates magic, format version, footer checksum and that the stored schema (names, types,
    /// nullability) equals `schema`. Does not read column payloads (cheap: footer only).
    ///
    /// - Throws: `.corrupt` naming `name` and what failed.
    public init(bytes: [UInt8], schema: TableSchema, name: String = "segment") throws(CortexError) {
        let minimum = SegmentFile.headerByteCount + SegmentFile.trailerByteCount
        guard bytes.count >= minimum else {
            throw .corrupt("\(name): \(bytes.count) bytes is too short for a segment file (at least \(minimum))")
        }
        guard Array(bytes[0..<4]) == SegmentFile.magic else { throw .corrupt("\(name): not a segment file (bad magic)") }
        var header = BinaryReader(Array(bytes[4..<8]), context: name)
        let version = try header.readFixed(UInt32.self)
        guard version == SegmentFile.formatVersion else {
            throw .corrupt("\(name): segment format version \(version); this build reads version \(SegmentFile.formatVersion)")
        }
        guard Array(bytes[(bytes.count - 4)...]) == SegmentFile.magic else {
            throw .corrupt("\(name): bad trailing magic (truncated or not a segment file)")
        }
        var trailer = BinaryReader(Array(bytes[(bytes.count - SegmentFile.trailerByteCount)...]), context: name)
        let footerByteCount = Int(try trailer.readFixed(UInt32.self))
        let footerChecksum = try trailer.readFixed(UInt32.self)
        guard footerByteCount <= bytes.count - minimum else {
            throw .corrupt("\(name): footer length \(footerByteCount) exceeds the \(bytes.count)-byte file")
        }
        let footerEnd = bytes.count - SegmentFile.trailerByteCount
        let footerStart = footerEnd - footerByteCount
        guard CRC32C.checksum(bytes, range: footerStart..<footerEnd) == footerChecksum else {
            throw .corrupt("\(name): footer checksum mismatch")
        }
        let footer = try SegmentFooter.parse(
            Array(bytes[footerStart..<footerEnd]), schema: schema, chunkAreaEnd: footerStart, context: name)
        var dictionaries: [StringDictionary?] = []
        for (index, strings) in footer.dictionaries.enumerated() {
            guard let strings else {
                dictionaries.append(nil)
                continue
            }
            let dictionary = StringDictionary(strings)
            guard dictionary.count == strings.count else {
                throw .corrupt("\(name): dictionary of column \(schema.columns[index].name) holds canonically equal strings")
            }
            dictionaries.append(dictionary)
        }
        self.rowCount = footer.rowCount
        self.name = name
        self.schema = schema
        self.tenants = footer.tenants.map(\.tenant)
        self.footer = footer
        self.bytes = bytes
        self.dictionaries = dictionaries
        self.chunkCache = Mutex([AlignedBytes?](repeating: nil, count: schema.columns.count))
        self.chunkLoads = schema.columns.map { _ in ChunkLoadLock() }
    }

    /// Reads the file at `path` and opens it (see `init(bytes:schema:name:)`); the error
    /// messages name the file.
    ///
    /// - Throws: `.notFound` when the file is missing, `.unavailable` when it cannot be read,
    ///   `.corrupt` as for `init(bytes:schema:name:)`.
    public convenience init(path: String, schema: TableSchema) throws(CortexError) {
        let bytes = try SegmentFileReader.readAll(path: path)
        try self.init(bytes: bytes, schema: schema, name: path)
    }

    /// Blocks of `AnalyticsLimits.blockRowCount` rows (the last may be shorter).
    public var blockCount: Int { footer.blockCount }

    /// The size of the segment file in bytes.
    public var byteCount: Int { bytes.count }

    /// Stored (possibly compressed) bytes of column `column`'s chunk, for storage accounting.
    public func storedByteCount(column: Int) -> Int { footer.chunks[column].storedByteCount }

    /// The zone map of column `column` over the whole segment. Precondition: the column exists.
    public func zoneMap(column: Int) -> ZoneMap { footer.chunks[column].zoneMap }

    /// The zone map of one block, from the footer (no payload access). Preconditions: column and block exist.
    public func zoneMap(column: Int, block: Int) -> ZoneMap { footer.chunks[column].blockZoneMaps[block] }

    /// The rows of block `block`. Precondition: `block < blockCount`.
    public func rows(ofBlock block: Int) -> Range<Int> {
        precondition(block >= 0 && block < blockCount, "block \(block) of \(blockCount)")
        let start = block * AnalyticsLimits.blockRowCount
        return start..<min(rowCount, start + AnalyticsLimits.blockRowCount)
    }

    /// The rows of `tenant`; empty when the segment holds none (binary search in the directory).
    public func rows(ofTenant tenant: Int64) -> Range<Int> {
        var low = 0
        var high = footer.tenants.count
        while low < high {
            let middle = (low + high) / 2
            if footer.tenants[middle].tenant < tenant { low = middle + 1 } else { high = middle }
        }
        guard low < footer.tenants.count, footer.tenants[low].tenant == tenant else { return 0..<0 }
        let entry = footer.tenants[low]
        return entry.rowStart..<(entry.rowStart + entry.rowCount)
    }

    /// The segment's dictionary of a string column (the same object every call), nil for other types.
    public func dictionary(column: Int) -> StringDictionary? { dictionaries[column] }

    /// The raw (lightweight-encoded) chunk of `column`: checksummed and decompressed on first access.
    func chunk(_ column: Int) throws(CortexError) -> AlignedBytes {
        if let cached = chunkCache.withLock({ $0[column] }) { return cached }
        return try chunkLoads[column].mutex.withLock { _ throws(CortexError) -> AlignedBytes in
            if let cached = chunkCache.withLock({ $0[column] }) { return cached }
            return try loadChunk(column)
        }
    }

    private func loadChunk(_ column: Int) throws(CortexError) -> AlignedBytes {
        let descriptor = footer.chunks[column]
        let context = "\(name): column \(schema.columns[column].name)"
        let stored = descriptor.offset..<(descriptor.offset + descriptor.storedByteCount)
        guard CRC32C.checksum(bytes, range: stored) == descriptor.checksum else { throw .corrupt("\(context): checksum mismatch") }
        // In bounds: the footer parser checked that chunks tile [header, footer) of `bytes`.
        // (Array.withUnsafeBytes does not forward typed throws, hence the Result.)
        let chunk = try unsafe bytes.withUnsafeBytes { (file) -> Result<AlignedBytes, CortexError> in
            let storedBytes = unsafe UnsafeRawBufferPointer(rebasing: file[stored])
            switch descriptor.compression {
            case .zstd:
                return Result { () throws(CortexError) in
                    try unsafe Zstd.decompress(storedBytes, rawByteCount: descriptor.rawByteCount, context: context)
                }
            case .none:
                return unsafe .success(AlignedBytes(byteCount: storedBytes.count) { unsafe $0.copyMemory(from: storedBytes) })
            }
        }.get()
        return chunkCache.withLock { cache in
            if let winner = cache[column] { return winner }
            cache[column] = chunk
            return chunk
        }
    }
}

/// A lock per column chunk (a `Mutex` cannot live in an array).
private final class ChunkLoadLock: Sendable {
    let mutex = Mutex(())
}
