/// Constants of the segment file format (docs/analytics-format.md, "Segment file").
enum SegmentFormat {
    /// "CXSG" little-endian: the first four bytes of a segment.
    static let headMagic: UInt32 = 0x4753_5843
    /// "CXSE" little-endian: the last four bytes.
    static let tailMagic: UInt32 = 0x4553_5843
    static let version: UInt16 = 1
    /// Header: magic u32, version u16, flags u16, rowCount u32, columnCount u16, blockRowCount u16.
    static let headerByteCount = 16
    /// Trailer: footer byte count u32, magic u32.
    static let trailerByteCount = 8

    enum Compression: UInt8 {
        case none = 0
        case zstd = 1
    }
}

/// Where one column's chunk lives and what its blocks hold.
struct ColumnChunkInfo: Sendable {
    var offset: Int
    var storedByteCount: Int
    var rawByteCount: Int
    var compression: SegmentFormat.Compression
    var checksum: UInt32
    var zone: ZoneMap
    /// Per block: the byte range inside the raw (decompressed) chunk.
    var blockRanges: [Range<Int>]
    var blockZones: [ZoneMap]
}
