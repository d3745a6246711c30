#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CortexCore

/// One record of the append log.
struct LogRecord: Sendable {
    enum Kind: UInt8, Sendable {
        /// A batch of rows (payload: ``RowBatchCodec``).
        case rows = 1
        /// Every earlier row of one tenant is deleted (payload: `i64 tenant`).
        case deleteTenant = 2
        /// The commit time of the flush it opens (payload: `i64` epoch milliseconds): the first
        /// record of every group-commit flush, so point-in-time restores can stop at a time.
        case timeMark = 3
    }
    let kind: Kind
    let lsn: UInt64
    let payload: [UInt8]
}

/// The durable append log of one analytics table (docs/analytics-format.md,
/// "Append log").
///
/// Files `log-<first LSN, 16 hex digits>.cxl` in one folder, each a sequence of
/// records: a 24-byte header — `u32 magic "CXLR"`, `u8 version (1)`, `u8 kind`,
/// `u16 0`, `u64 lsn`, `u32 payloadByteCount`, `u32 CRC-32C` of the first 20
/// header bytes and the payload — then the payload. LSNs increase by one per
/// record across files. A record is acknowledged only after `fdatasync`, so a
/// crash can leave at most a torn tail on the last file, which `replay` cuts
/// off; a bad record with valid records after it is corruption, reported.
///
/// Not thread-safe: the table's commit lane is its only user.
/// `@unchecked Sendable`: used only on its table's commit lane (``GroupCommitter``), one call at a time.
final class AppendLog: @unchecked Sendable {
    static let magic: UInt32 = 0x524C_5843  // "CXLR" little-endian
    static let headerByteCount = 24
    static let version: UInt8 = 1

    let folder: String
    private var descriptor: Int32 = -1
    private var currentPath = ""
    private var currentSize = 0
    /// The LSN the next appended record gets.
    private(set) var nextLSN: UInt64 = 1

    init(folder: String) throws(CortexError) {
        self.folder = folder
        try FileIO.createFolder(folder)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    static func fileName(firstLSN: UInt64) -> String {
        let hex = String(firstLSN, radix: 16)
        return "log-" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex + ".cxl"
    }

    /// Log files in LSN order, with their first LSN.
    func files() throws(CortexError) -> [(firstLSN: UInt64, path: String)] { try Self.files(in: folder) }

    /// Log files in `folder` in LSN order, with their first LSN (also read by checkpoints, off the lane).
    static func files(in folder: String) throws(CortexError) -> [(firstLSN: UInt64, path: String)] {
        var files: [(UInt64, String)] = []
        for name in try FileIO.list(folder) where name.hasPrefix("log-") && name.hasSuffix(".cxl") {
            let hex = name.dropFirst(4).dropLast(4)
            guard let first = UInt64(hex, radix: 16) else { continue }
            files.append((first, folder + "/" + name))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    /// Reads every record with an LSN above `lsn`, in order, cutting a torn tail
    /// off the last file. Afterwards appends continue in a fresh file.
    ///
    /// - Throws: `.corrupt` for a damaged record that is not a torn tail.
    func replay(after lsn: UInt64, _ body: (LogRecord) throws(CortexError) -> Void) throws(CortexError) {
        let files = try files()
        var last = lsn
        for (index, file) in files.enumerated() {
            let bytes = try FileIO.readAll(file.path)
            var offset = 0
            while offset < bytes.count {
                guard let (record, next) = Self.parse(bytes, at: offset) else {
                    let isLastFile = index == files.count - 1
                    guard isLastFile, !Self.containsValidRecord(bytes, after: offset) else {
                        throw .corrupt("append log \(file.path): damaged record at byte \(offset) followed by valid records")
                    }
                    let descriptor = try FileIO.openReadWrite(file.path, create: false)
                    defer { close(descriptor) }
                    try FileIO.truncate(descriptor, to: offset, path: file.path)
                    try FileIO.sync(descriptor, path: file.path)
                    break
                }
                if record.lsn > last {
                    guard record.lsn == last + 1 || last == lsn else {
                        throw .corrupt("append log \(file.path): LSN \(record.lsn) follows \(last)")
                    }
                    try body(record)
                    last = record.lsn
                }
                offset = next
            }
        }
        nextLSN = last + 1
        try startFile()
    }

    /// Parses the record at `offset`; nil when it is incomplete or fails its checksum.
    static func parse(_ bytes: [UInt8], at offset: Int) -> (LogRecord, Int)? {
        guard bytes.count - offset >= headerByteCount else { return nil }
        func load<T: FixedWidthInteger>(_ at: Int, _: T.Type) -> T {
            var value: T = 0
            for index in 0..<(T.bitWidth / 8) { value |= T(bytes[offset + at + index]) << (8 * index) }
            return value
        }
        guard load(0, UInt32.self) == magic, bytes[offset + 4] == version,
            let kind = LogRecord.Kind(rawValue: bytes[offset + 5])
        else { return nil }
        let lsn = load(8, UInt64.self)
        let payloadByteCount = Int(load(16, UInt32.self))
        let stored = load(20, UInt32.self)
        let end = offset + headerByteCount + payloadByteCount
        guard end <= bytes.count else { return nil }
        let crc = unsafe bytes.withUnsafeBytes { raw in
            let header = unsafe CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 20)]))
            return unsafe CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[(offset + headerByteCount)..<end]), seed: header)
        }
        guard crc == stored else { return nil }
        return (LogRecord(kind: kind, lsn: lsn, payload: Array(bytes[(offset + headerByteCount)..<end])), end)
    }

    private static func containsValidRecord(_ bytes: [UInt8], after offset: Int) -> Bool {
        var candidate = offset + 1
        while candidate + headerByteCount <= bytes.count {
            if bytes[candidate] == 0x43, bytes[candidate + 1] == 0x58, parse(bytes, at: candidate) != nil { return true }
            candidate += 1
        }
        return false
    }

    /// Starts a new file whose first record will be `nextLSN` (after replay and at every seal).
    func startFile() throws(CortexError) {
        if descriptor >= 0 { close(descriptor) }
        currentPath = folder + "/" + Self.fileName(firstLSN: nextLSN)
        descriptor = try FileIO.openReadWrite(currentPath)
        try FileIO.truncate(descriptor, to: 0, path: currentPath)
        currentSize = 0
        try FileIO.syncFolder(folder)
    }

    /// Appends records for `payloads` (assigning consecutive LSNs), writes them
    /// with one `pwrite` and makes them durable with one `fdatasync`.
    /// Returns the LSN of each payload.
    func append(_ payloads: [(LogRecord.Kind, [UInt8])]) throws(CortexError) -> [UInt64] {
        precondition(descriptor >= 0, "append log used before replay")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(payloads.reduce(0) { $0 + $1.1.count + Self.headerByteCount })
        func fixed<T: FixedWidthInteger>(_ value: T) {
            var little = value.littleEndian
            unsafe withUnsafeBytes(of: &little) { unsafe bytes.append(contentsOf: $0) }
        }
        var lsns: [UInt64] = []
        for (kind, payload) in payloads {
            let start = bytes.count
            fixed(Self.magic)
            bytes.append(Self.version)
            bytes.append(kind.rawValue)
            fixed(UInt16(0))
            fixed(nextLSN)
            fixed(UInt32(payload.count))
            let header = unsafe bytes.withUnsafeBytes { unsafe CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<(start + 20)])) }
            fixed(CRC32C.checksum(payload, seed: header))
            bytes.append(contentsOf: payload)
            lsns.append(nextLSN)
            nextLSN += 1
        }
        do {
            try FileIO.write(descriptor, bytes, at: currentSize, path: currentPath)
            try FileIO.sync(descriptor, path: currentPath)
        } catch {
            // The tail may hold part of these records; cut it so later records stay contiguous.
            nextLSN -= UInt64(payloads.count)
            _ = ftruncate(descriptor, off_t(currentSize))
            throw error
        }
        currentSize += bytes.count
        return lsns
    }

    /// Deletes files all of whose records have LSN ≤ `lsn` (they are sealed into segments).
    func removeFiles(through lsn: UInt64) throws(CortexError) {
        let files = try files()
        for (index, file) in files.enumerated() where file.path != currentPath {
            let nextFirst = index + 1 < files.count ? files[index + 1].firstLSN : nextLSN
            if nextFirst <= lsn + 1 { try FileIO.remove(file.path) }
        }
    }
}
