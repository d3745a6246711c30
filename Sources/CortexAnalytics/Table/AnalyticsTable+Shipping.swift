public import CortexCore
import Synchronization

/// How far a table's append log has been shipped, and the history it belongs to
/// (docs/analytics-format.md, "SHIPPED"): `<table>/SHIPPED`, replaced atomically.
///
/// Layout, little-endian: `u32 magic "CXSH"`, `u8 version (1)`, `u64 timeline`,
/// `u64 shipped LSN`, `u32 CRC-32C` of everything before.
struct TableShipState: Sendable, Equatable {
    static let magic: UInt32 = 0x4853_5843  // "CXSH"
    static let version: UInt8 = 1

    /// The id of the table's history: a restored table starts a new one, so its later
    /// records (reusing LSNs above the restored point) never mix with the archived ones.
    var timeline: UInt64
    /// Every record up to it is in the target.
    var shippedLSN: UInt64

    static func newTimeline() -> UInt64 { UInt64.random(in: 1...UInt64.max) }

    func encoded() -> [UInt8] {
        var writer = BinaryWriter(reservingCapacity: 25)
        writer.writeFixed(Self.magic)
        writer.write(Self.version)
        writer.writeFixed(timeline)
        writer.writeFixed(shippedLSN)
        writer.writeFixed(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8], path: String) throws(CortexError) -> TableShipState {
        guard bytes.count == 25, CRC32C.checksum(Array(bytes[0..<21])) == loadCRC(bytes) else {
            throw .corrupt("\(path): not a valid SHIPPED file (\(bytes.count) bytes or checksum mismatch)")
        }
        var reader = BinaryReader(Array(bytes[0..<21]), context: path)
        guard try reader.readFixed(UInt32.self) == magic else { throw .corrupt("\(path): bad magic") }
        let version = try reader.readByte()
        guard version == Self.version else { throw .corrupt("\(path): format version \(version); this build reads version \(Self.version)") }
        return TableShipState(timeline: try reader.readFixed(UInt64.self), shippedLSN: try reader.readFixed(UInt64.self))
    }

    private static func loadCRC(_ bytes: [UInt8]) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[21 + $1]) << (8 * $1) }
    }

    /// The state in `path`, or a new timeline with nothing shipped (written there) when absent.
    static func load(_ path: String) throws(CortexError) -> TableShipState {
        if FileIO.exists(path) { return try decode(try FileIO.readAll(path), path: path) }
        let state = TableShipState(timeline: newTimeline(), shippedLSN: 0)
        try FileIO.writeAtomically(state.encoded(), to: path)
        return state
    }
}

extension AnalyticsTable {
    var shipStatePath: String { folder + "/SHIPPED" }

    /// The id of this table's history (16 hex digits in chunk keys and manifests).
    public var timeline: UInt64 { shipState.withLock { $0.timeline } }

    /// Every log record up to this LSN is in the backup target.
    public var shippedLSN: UInt64 { shipState.withLock { $0.shippedLSN } }

    /// The LSN of the last durable log record (every record up to it is fsynced).
    public var durableLSN: UInt64 { committer.durableLSN }

    /// Log files may be deleted through this LSN: sealed and, when the table keeps
    /// its log until shipped, shipped.
    func removableLSN(sealed: UInt64) -> UInt64 {
        options.keepsLogUntilShipped ? min(sealed, shippedLSN) : sealed
    }

    /// Whole encoded log records (header and payload, as in the `.cxl` files) with
    /// LSN > `lsn`, in order, up to the last durable LSN and about `byteCountMax`
    /// bytes (at least one record). Reads the log files while appends go on; each
    /// record's CRC-32C is checked.
    ///
    /// Records that are gone locally (sealed before shipping was turned on) are
    /// skipped: the first record returned is the first one still here above `lsn`;
    /// after it, LSNs are consecutive.
    ///
    /// Thread: any; one shipper per table at a time (``markShipped(through:)``
    /// deletes files behind it).
    /// - Throws: `.corrupt` when a record in the range is damaged or missing.
    public func logRecords(after lsn: UInt64, byteCountMax: Int) throws(CortexError) -> [[UInt8]] {
        // Read first: records up to it are whole in the files; later ones may be half written.
        let durable = committer.durableLSN
        guard durable > lsn else { return [] }
        let files = try AppendLog.files(in: folder + "/log")
        var records: [[UInt8]] = []
        var byteCount = 0
        var expected: UInt64?
        for (index, file) in files.enumerated() {
            // A file followed by one starting at or below lsn + 1 holds nothing wanted (and may be being deleted).
            if index + 1 < files.count, files[index + 1].firstLSN <= lsn + 1 { continue }
            // Deleted since the listing: it held only shipped, sealed records.
            guard FileIO.exists(file.path) else { continue }
            let bytes = try FileIO.readAll(file.path)
            var offset = 0
            while let (record, next) = AppendLog.parse(bytes, at: offset), record.lsn <= durable {
                defer { offset = next }
                guard record.lsn > lsn else { continue }
                guard expected == nil || record.lsn == expected else {
                    throw .corrupt("append log \(file.path): LSN \(record.lsn) where \(expected ?? 0) was expected")
                }
                records.append(Array(bytes[offset..<next]))
                byteCount += next - offset
                expected = record.lsn + 1
                if byteCount >= byteCountMax || record.lsn == durable { return records }
            }
        }
        guard let expected, expected > durable else {
            throw .corrupt("append log of table \(schema.name): record \(expected ?? lsn + 1) (of …\(durable)) is missing or damaged")
        }
        return records
    }

    /// Records that every record up to `lsn` is in the backup target (persisted in
    /// SHIPPED before this returns), then deletes log files now fully sealed and shipped.
    public func markShipped(through lsn: UInt64) throws(CortexError) {
        precondition(lsn <= committer.durableLSN, "shipped beyond the durable log")
        let state = try shipState.withLock { (state: inout TableShipState) throws(CortexError) -> TableShipState? in
            guard lsn > state.shippedLSN else { return nil }
            var next = state
            next.shippedLSN = lsn
            try FileIO.writeAtomically(next.encoded(), to: shipStatePath)
            state = next
            return next
        }
        guard state != nil else { return }
        let removable = removableLSN(sealed: self.state.withLock { $0.manifest.sealedLSN })
        try committer.withLog { (log: AppendLog) throws(CortexError) in try log.removeFiles(through: removable) }
    }

    /// Starts a new history: a new timeline, with every record held so far counted
    /// as shipped (they belong to the old history). A restore calls it on each
    /// restored table, so records written later never land over archived ones.
    public func startNewTimeline() throws(CortexError) {
        try shipState.withLock { (state: inout TableShipState) throws(CortexError) in
            let next = TableShipState(timeline: TableShipState.newTimeline(), shippedLSN: committer.durableLSN)
            try FileIO.writeAtomically(next.encoded(), to: shipStatePath)
            state = next
        }
    }
}

/// Shipped analytics log records, read back by backups (CortexSnapshot).
public enum AnalyticsLogRecords {
    /// The LSN of one encoded record and, for a time mark, its time (epoch ms).
    ///
    /// - Throws: `.corrupt` when `bytes` is not exactly one valid record.
    public static func header(of bytes: [UInt8]) throws(CortexError) -> (lsn: UInt64, timeMark: Int64?) {
        guard let (record, end) = AppendLog.parse(bytes, at: 0), end == bytes.count else {
            throw .corrupt("an analytics log record of \(bytes.count) bytes is damaged")
        }
        guard record.kind == .timeMark else { return (record.lsn, nil) }
        var reader = BinaryReader(record.payload, context: "time mark \(record.lsn)")
        return (record.lsn, try reader.readFixed(Int64.self))
    }

    /// The name of the log file whose first record is `lsn` (`log-<16 hex digits>.cxl`).
    public static func fileName(firstLSN lsn: UInt64) -> String { AppendLog.fileName(firstLSN: lsn) }
}
