import CortexCore

/// The durable list of a table's sealed segments (docs/analytics-format.md,
/// "Table manifest"), replaced atomically (write, fsync, rename, fsync folder).
///
/// Layout, little-endian: `u32 magic "CXTM"`, `u8 version (1)`, `u64 sealedLSN`
/// (every log record up to it is in segments), `u64 nextSegmentID`,
/// `u32 segmentCount`, per segment `u64 id`, `i64 partition` (UTC day number),
/// `u32 rowCount`, `i64 minTime`, `i64 maxTime`, `u64 byteCount`, `u32 n`, n × `i64`
/// deleted tenant; then
/// `u32 CRC-32C` of everything before it.
struct TableManifest: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var id: UInt64
        var partition: Int64
        var rowCount: Int
        var minTime: Int64
        var maxTime: Int64
        var byteCount: Int
        /// Tenants whose rows in this segment are deleted (hidden from every scan,
        /// dropped physically when the segment is next rewritten), ascending.
        var deletedTenants: [Int64] = []
    }

    static let magic: UInt32 = 0x4D54_5843  // "CXTM"
    static let version: UInt8 = 1

    var sealedLSN: UInt64 = 0
    var nextSegmentID: UInt64 = 1
    var entries: [Entry] = []

    func encoded() -> [UInt8] {
        var writer = BinaryWriter(reservingCapacity: 32 + entries.count * 48)
        writer.writeFixed(Self.magic)
        writer.write(Self.version)
        writer.writeFixed(sealedLSN)
        writer.writeFixed(nextSegmentID)
        writer.writeFixed(UInt32(entries.count))
        for entry in entries {
            writer.writeFixed(entry.id)
            writer.writeFixed(entry.partition)
            writer.writeFixed(UInt32(entry.rowCount))
            writer.writeFixed(entry.minTime)
            writer.writeFixed(entry.maxTime)
            writer.writeFixed(UInt64(entry.byteCount))
            writer.writeFixed(UInt32(entry.deletedTenants.count))
            for tenant in entry.deletedTenants { writer.writeFixed(tenant) }
        }
        writer.writeFixed(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8], path: String) throws(CortexError) -> TableManifest {
        guard bytes.count >= 4 else { throw .corrupt("table manifest \(path): \(bytes.count) bytes is too short") }
        let stored = UInt32(bytes[bytes.count - 4]) | UInt32(bytes[bytes.count - 3]) << 8
            | UInt32(bytes[bytes.count - 2]) << 16 | UInt32(bytes[bytes.count - 1]) << 24
        guard CRC32C.checksum(Array(bytes.dropLast(4))) == stored else {
            throw .corrupt("table manifest \(path): checksum mismatch")
        }
        var reader = BinaryReader(Array(bytes.dropLast(4)), context: "table manifest \(path)")
        guard try reader.readFixed(UInt32.self) == magic else { throw .corrupt("table manifest \(path): bad magic") }
        let version = try reader.readByte()
        guard version == Self.version else {
            throw .corrupt("table manifest \(path): format version \(version); this build reads version \(Self.version)")
        }
        var manifest = TableManifest()
        manifest.sealedLSN = try reader.readFixed(UInt64.self)
        manifest.nextSegmentID = try reader.readFixed(UInt64.self)
        let count = Int(try reader.readFixed(UInt32.self))
        guard count <= reader.remainingByteCount / 48 else { throw .corrupt("table manifest \(path): \(count) segments in too few bytes") }
        for _ in 0..<count {
            var entry = Entry(
                id: try reader.readFixed(UInt64.self), partition: try reader.readFixed(Int64.self),
                rowCount: Int(try reader.readFixed(UInt32.self)), minTime: try reader.readFixed(Int64.self),
                maxTime: try reader.readFixed(Int64.self), byteCount: Int(try reader.readFixed(UInt64.self)))
            let deletedCount = Int(try reader.readFixed(UInt32.self))
            guard deletedCount <= reader.remainingByteCount / 8 else { throw .corrupt("table manifest \(path): deleted-tenant list too long") }
            for _ in 0..<deletedCount { entry.deletedTenants.append(try reader.readFixed(Int64.self)) }
            manifest.entries.append(entry)
        }
        try reader.expectEnd()
        return manifest
    }
}
