import CortexCore

/// Where one column's chunk lives and what its blocks hold (docs/analytics-format.md, "Footer").
struct ChunkDescriptor: Sendable, Equatable {
    /// How the stored bytes relate to the raw (lightweight-encoded) bytes.
    enum Compression: UInt8, Sendable { case none = 0, zstd = 1 }

    /// File offset of the stored bytes.
    var offset: Int
    var storedByteCount: Int
    /// Bytes after decompression: the concatenated blocks.
    var rawByteCount: Int
    var compression: Compression
    /// CRC32C of the stored bytes.
    var checksum: UInt32
    /// Offset of each block inside the raw chunk; block `b` ends where `b + 1` starts (the last at `rawByteCount`).
    var blockOffsets: [Int]
    var blockZoneMaps: [ZoneMap]
    /// The zone map of the whole column.
    var zoneMap: ZoneMap

    /// The raw byte range of block `block`.
    func blockRange(_ block: Int) -> Range<Int> {
        blockOffsets[block]..<(block + 1 < blockOffsets.count ? blockOffsets[block + 1] : rawByteCount)
    }
}

/// One tenant's contiguous rows.
struct TenantRange: Sendable, Equatable {
    var tenant: Int64
    var rowStart: Int
    var rowCount: Int
}

/// The footer of a segment file: everything needed to plan a scan without touching payloads.
struct SegmentFooter: Sendable {
    var rowCount: Int
    var columns: [ColumnSchema]
    var tenantColumn: Int
    var chunks: [ChunkDescriptor]
    var tenants: [TenantRange]
    /// Per column: the sorted dictionary of a string column, nil for other types.
    var dictionaries: [[String]?]

    var blockCount: Int { (rowCount + AnalyticsLimits.blockRowCount - 1) / AnalyticsLimits.blockRowCount }

    /// Rows of block `block`.
    func rowCount(ofBlock block: Int) -> Int {
        min(AnalyticsLimits.blockRowCount, rowCount - block * AnalyticsLimits.blockRowCount)
    }

    /// The footer's bytes (BinaryWriter encoding; layout in docs/analytics-format.md).
    func serialized() -> [UInt8] {
        var writer = BinaryWriter(reservingCapacity: 4096)
        writer.writeVarUInt(UInt64(rowCount))
        writer.writeVarUInt(UInt64(AnalyticsLimits.blockRowCount))
        writer.writeVarUInt(UInt64(columns.count))
        for column in columns {
            writer.write(column.name)
            writer.write(column.type.rawValue)
            writer.write(column.isNullable)
        }
        writer.writeVarUInt(UInt64(tenantColumn))
        for (index, chunk) in chunks.enumerated() {
            let isFloat = columns[index].type == .float64
            writer.writeVarUInt(UInt64(chunk.offset))
            writer.writeVarUInt(UInt64(chunk.storedByteCount))
            writer.writeVarUInt(UInt64(chunk.rawByteCount))
            writer.write(chunk.compression.rawValue)
            writer.writeFixed(chunk.checksum)
            for block in chunk.blockOffsets.indices {
                writer.writeVarUInt(UInt64(chunk.blockOffsets[block]))
                Self.write(chunk.blockZoneMaps[block], isFloat: isFloat, to: &writer)
            }
            Self.write(chunk.zoneMap, isFloat: isFloat, to: &writer)
        }
        // Tenant ids as gaps from the previous id (the first from 0, zig-zag), row starts implied.
        writer.writeVarUInt(UInt64(tenants.count))
        var previous: Int64 = 0
        for (index, entry) in tenants.enumerated() {
            if index == 0 { writer.writeVarInt(entry.tenant) } else { writer.writeVarUInt(UInt64(bitPattern: entry.tenant &- previous)) }
            writer.writeVarUInt(UInt64(entry.rowCount))
            previous = entry.tenant
        }
        for dictionary in dictionaries {
            guard let dictionary else { continue }
            writer.writeVarUInt(UInt64(dictionary.count))
            for string in dictionary { writer.write(string) }
        }
        return writer.bytes
    }

    private static func write(_ zoneMap: ZoneMap, isFloat: Bool, to writer: inout BinaryWriter) {
        writer.writeVarUInt(UInt64(zoneMap.nullCount))
        if zoneMap.isAllNull { return }
        if isFloat {
            writer.write(zoneMap.minDouble)
            writer.write(zoneMap.maxDouble)
        } else {
            writer.writeVarInt(zoneMap.minInt)
            writer.writeVarInt(zoneMap.maxInt)
        }
    }
}
