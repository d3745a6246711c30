import CortexAnalytics
public import CortexCore
import CortexStorage

/// A run of consecutive log records of one environment or analytics table, as shipped to the target.
///
/// Object key: `wal/<environment>/<timeline>/<first LSN>-<last LSN>.cxw.zst`, where `<environment>` is
/// `system` or `tenants/<id>` and the timeline and LSNs are 16 lowercase hex digits (so keys sort by
/// LSN); an analytics table's: `wal/analytics/<table>/<timeline>/<first>-<last>.cxa.zst` (see ``Kind``).
/// The object is one zstd frame (with zstd's content checksum) of (little-endian):
///
/// | size | field |
/// |--:|---|
/// | 4 | magic `CXWC` (change records) or `CXWA` (analytics log records) |
/// | 1 | format version (1) |
/// | 3 | zero |
/// | 8 | timeline |
/// | 8 | first LSN |
/// | 8 | last LSN |
/// | 8 | commit time of the first record (epoch ms); analytics: of the first time mark (0: none) |
/// | 8 | commit time of the last record; analytics: of the last time mark (0: none) |
/// | 4 | record count N (= last − first + 1) |
/// | 2 + n | environment name (u16 byte count, UTF-8): `system`, `tenant/<id>`, `analytics/<table>` |
/// | N × (4 + n) | records: u32 byte count + an encoded ``ChangeRecord`` or analytics log record (each carries its own CRC-32C) |
/// | 4 | CRC-32C of every byte before |
public struct LogChunk: Sendable, Equatable {
    /// What the records are.
    public enum Kind: Sendable, Equatable {
        /// LMDB change records (``ChangeRecord``): every record carries its commit time.
        case change
        /// Analytics append-log records, exactly as in the table's `.cxl` files: only time marks carry a time.
        case analytics

        var magic: UInt32 { self == .change ? 0x4357_5843 : 0x4157_5843 }  // "CXWC" / "CXWA" read little-endian
        var suffix: String { self == .change ? ".cxw.zst" : ".cxa.zst" }

        /// The record's LSN and commit time (nil: an analytics record other than a time mark,
        /// committed at the time of the mark before it). Checks the record's CRC-32C.
        func header(of record: [UInt8]) throws(CortexError) -> (lsn: UInt64, time: Int64?) {
            switch self {
            case .change:
                let (lsn, committedAt) = try ChangeRecord.header(of: record)
                return (lsn, committedAt)
            case .analytics:
                let (lsn, time) = try AnalyticsLogRecords.header(of: record)
                return (lsn, time)
            }
        }
    }

    static let formatVersion: UInt8 = 1

    public var kind: Kind
    public var environment: String
    public var timeline: UInt64
    public var firstLSN: UInt64
    public var lastLSN: UInt64
    public var firstCommittedAt: Int64
    public var lastCommittedAt: Int64
    /// Encoded change records, LSN `firstLSN` … `lastLSN` in order.
    public var records: [[UInt8]]

    /// Builds a chunk from consecutive encoded records (at least one), checking each.
    public init(kind: Kind = .change, environment: String, timeline: UInt64, records: [[UInt8]]) throws(CortexError) {
        precondition(!records.isEmpty, "a log chunk holds at least one record")
        var headers: [(lsn: UInt64, time: Int64?)] = []
        for record in records {
            headers.append(try kind.header(of: record))
        }
        for (index, header) in headers.enumerated() where header.lsn != headers[0].lsn + UInt64(index) {
            throw .corrupt("\(environment): log records are not consecutive at LSN \(header.lsn)")
        }
        let times = headers.compactMap(\.time)
        self.kind = kind
        self.environment = environment
        self.timeline = timeline
        self.records = records
        firstLSN = headers[0].lsn
        lastLSN = headers[headers.count - 1].lsn
        firstCommittedAt = times.first ?? 0
        lastCommittedAt = times.last ?? 0
    }

    /// The environment name of an analytics table's log: `analytics/<table>`.
    public static func analyticsEnvironment(table: String) -> String { "analytics/" + table }

    /// The folder of an environment's chunks on one timeline: `wal/system/<timeline>/`.
    public static func folder(environment: String, timeline: UInt64) -> String {
        "wal/" + objectPath(environment: environment) + "/" + Timeline.hex(timeline) + "/"
    }

    /// `system` → `system`; `tenant/acme` → `tenants/acme`.
    public static func objectPath(environment: String) -> String {
        environment.hasPrefix("tenant/") ? "tenants/" + environment.dropFirst("tenant/".count) : environment
    }

    public var key: String {
        Self.folder(environment: environment, timeline: timeline) + Timeline.hex(firstLSN) + "-" + Timeline.hex(lastLSN) + kind.suffix
    }

    /// The LSN range a chunk key names, or nil for a key that is not a chunk's.
    public static func range(ofKey key: String) -> ClosedRange<UInt64>? {
        guard let kind = [Kind.change, .analytics].first(where: { key.hasSuffix($0.suffix) }), let slash = key.lastIndex(of: "/") else { return nil }
        let name = key[key.index(after: slash)...].dropLast(kind.suffix.count)
        let parts = name.split(separator: "-")
        guard parts.count == 2, let first = Timeline.parse(String(parts[0])), let last = Timeline.parse(String(parts[1])),
              first >= 1, first <= last else { return nil }
        return first...last
    }

    /// The uncompressed chunk.
    public func encoded() -> [UInt8] {
        var writer = BinaryWriter(reservingCapacity: 64 + records.reduce(0) { $0 + 4 + $1.count })
        writer.writeFixed(kind.magic)
        writer.write(Self.formatVersion)
        writer.write(raw: [0, 0, 0] as [UInt8])
        writer.writeFixed(timeline)
        writer.writeFixed(firstLSN)
        writer.writeFixed(lastLSN)
        writer.writeFixed(firstCommittedAt)
        writer.writeFixed(lastCommittedAt)
        writer.writeFixed(UInt32(records.count))
        writer.writeFixed(UInt16(environment.utf8.count))
        writer.write(raw: environment.utf8)
        for record in records {
            writer.writeFixed(UInt32(record.count))
            writer.write(raw: record)
        }
        writer.writeFixed(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    /// Decodes and checks an uncompressed chunk: its checksum, every record's, and that the records
    /// are the consecutive LSNs the header names. `key` is for messages.
    public init(decoding bytes: [UInt8], key: String) throws(CortexError) {
        guard bytes.count >= 4 + 4 + 8 * 5 + 4 + 2 + 4 else { throw .corrupt("\(key): log chunk of \(bytes.count) bytes is truncated") }
        var tail = BinaryReader(Array(bytes[(bytes.count - 4)...]), context: key)
        guard try tail.readFixed(UInt32.self) == CRC32C.checksum(bytes, range: 0..<(bytes.count - 4)) else {
            throw .corrupt("\(key): log chunk fails its checksum")
        }
        var reader = BinaryReader(Array(bytes[..<(bytes.count - 4)]), context: key)
        let magic = try reader.readFixed(UInt32.self)
        guard let kind = [Kind.change, .analytics].first(where: { $0.magic == magic }) else { throw .corrupt("\(key) is not a log chunk (no CXWC or CXWA)") }
        let version = try reader.readByte()
        guard version == Self.formatVersion else { throw .corrupt("\(key): log chunk format version \(version); this build reads \(Self.formatVersion)") }
        _ = try reader.readRaw(count: 3)
        let timeline = try reader.readFixed(UInt64.self)
        let first = try reader.readFixed(UInt64.self)
        let last = try reader.readFixed(UInt64.self)
        _ = try reader.readFixed(Int64.self)
        _ = try reader.readFixed(Int64.self)
        let count = Int(try reader.readFixed(UInt32.self))
        let name = try reader.readRaw(count: Int(try reader.readFixed(UInt16.self)))
        guard let environment = String(validating: name, as: UTF8.self) else { throw .corrupt("\(key): environment name is not UTF-8") }
        guard count >= 1, count <= reader.remainingByteCount / 4 else { throw .corrupt("\(key): record count \(count) does not fit") }
        var records: [[UInt8]] = []
        records.reserveCapacity(count)
        for _ in 0..<count { records.append(try reader.readRaw(count: Int(try reader.readFixed(UInt32.self)))) }
        guard reader.isAtEnd else { throw .corrupt("\(key): \(reader.remainingByteCount) bytes after the last record") }
        do throws(CortexError) {
            try self.init(kind: kind, environment: environment, timeline: timeline, records: records)
        } catch {
            throw .corrupt("\(key): \(error.message)")
        }
        guard firstLSN == first, lastLSN == last else {
            throw .corrupt("\(key): header names LSN \(first)-\(last), records hold \(firstLSN)-\(lastLSN)")
        }
    }

    /// The zstd-compressed chunk: what is stored under ``key``.
    public func compressed() throws(CortexError) -> [UInt8] {
        let raw = encoded()
        var out: [UInt8] = []
        out.reserveCapacity(raw.count / 3)
        let compressor = try ZstdCompressor()
        let sink = { (chunk: UnsafeRawBufferPointer) throws(CortexError) in out.append(contentsOf: chunk) }
        let failure = unsafe raw.withUnsafeBytes { bytes -> CortexError? in
            do throws(CortexError) {
                try unsafe compressor.compress(bytes, sink: sink)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        try compressor.finish(sink: sink)
        return out
    }

    /// Reads, decompresses and checks the chunk stored under `key` in `target`.
    public static func read(_ key: String, from target: any SnapshotTarget) throws(CortexError) -> LogChunk {
        var raw: [UInt8] = []
        let decompressor = try ZstdDecompressor()
        do throws(CortexError) {
            try target.read(key) { (chunk: UnsafeRawBufferPointer) throws(CortexError) in
                try decompressor.decompress(chunk) { (bytes: UnsafeRawBufferPointer) throws(CortexError) in raw.append(contentsOf: bytes) }
            }
            try decompressor.finish()
        } catch where error.code == .corrupt {
            throw .corrupt("\(key): \(error.message)")
        }
        let chunk = try LogChunk(decoding: raw, key: key)
        guard chunk.key == key else { throw .corrupt("\(key) holds the chunk \(chunk.key)") }
        return chunk
    }
}

/// Timeline ids and LSNs in object keys and manifests: 16 lowercase hex digits.
public enum Timeline {
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    public static func parse(_ text: String) -> UInt64? {
        guard text.utf8.count == 16 else { return nil }
        return UInt64(text, radix: 16)
    }
}
