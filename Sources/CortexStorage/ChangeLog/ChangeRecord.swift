public import CortexCore

/// One committed write transaction of an environment, as the change log keeps it.
///
/// Every write transaction that changes a table gets exactly one record, stored
/// in the same LMDB transaction as the change (table `changelog.records`, key =
/// the LSN): the log and the data commit together or not at all. Records are
/// logical at the key/value level (which table, which key, which bytes), so
/// every store built on ``Environment`` is covered without knowing about it,
/// and replaying the records after a snapshot's LSN onto that snapshot gives
/// the environment's state at any later LSN.
///
/// Encoding (little-endian; docs/backups.md "Change log"):
///
/// | offset | size | field |
/// |--:|--:|---|
/// | 0 | 4 | magic `CXCR` |
/// | 4 | 1 | format version (1) |
/// | 5 | 1 | flags (0) |
/// | 6 | 2 | table count T |
/// | 8 | 8 | LSN (u64, 1 for an environment's first write, +1 per record) |
/// | 16 | 8 | commit time, epoch milliseconds (i64) |
/// | 24 | 4 | operation count N |
/// | 28 | … | T table names: u16 byte count + UTF-8 |
/// | … | … | N operations: u8 kind (1 put, 2 delete, 3 clear, 4 patch), u16 table index, then for put, delete and patch u16 key length + key, for put u32 value length + value, for patch u32 value length + u32 range count + ranges (u32 offset, u32 byte count, the bytes) |
/// | end−4 | 4 | CRC-32C of every byte before |
public struct ChangeRecord: Sendable, Equatable {
    public static let magic: UInt32 = 0x5243_5843  // "CXCR" read little-endian
    public static let formatVersion: UInt8 = 1
    static let headerByteCount = 28

    public enum Operation: Sendable, Equatable {
        case put(table: String, key: [UInt8], value: [UInt8])
        case delete(table: String, key: [UInt8])
        /// Every entry of the table removed (the table stays).
        case clear(table: String)
        /// The value of `key` rewritten at the same length: only the byte ranges that changed. Replay
        /// requires the stored value to have `length` bytes (it does on a copy at the record's LSN − 1).
        case patch(table: String, key: [UInt8], length: UInt32, ranges: [PatchRange])

        public var table: String {
            switch self {
            case .put(let table, _, _), .delete(let table, _), .clear(let table), .patch(let table, _, _, _): table
            }
        }
    }

    /// Bytes that replace `bytes.count` bytes at `offset` of a value.
    public struct PatchRange: Sendable, Equatable {
        public var offset: UInt32
        public var bytes: [UInt8]

        public init(offset: UInt32, bytes: [UInt8]) {
            self.offset = offset
            self.bytes = bytes
        }
    }

    public var lsn: UInt64
    public var committedAt: Int64
    public var operations: [Operation]

    public init(lsn: UInt64, committedAt: Int64, operations: [Operation]) {
        self.lsn = lsn
        self.committedAt = committedAt
        self.operations = operations
    }

    /// The LSN and commit time of an encoded record, after checking its frame and checksum.
    public static func header(of bytes: UnsafeRawBufferPointer) throws(CortexError) -> (lsn: UInt64, committedAt: Int64) {
        try unsafe checkFrame(bytes)
        return unsafe (bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian,
                       Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: Int64.self)))
    }

    /// The LSN and commit time of an encoded record, after checking its frame and checksum.
    public static func header(of record: [UInt8]) throws(CortexError) -> (lsn: UInt64, committedAt: Int64) {
        let result = unsafe record.withUnsafeBytes { bytes -> Result<(lsn: UInt64, committedAt: Int64), CortexError> in
            do throws(CortexError) {
                return .success(try unsafe header(of: bytes))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Decodes and validates an encoded record.
    public init(decoding bytes: [UInt8]) throws(CortexError) {
        _ = try Self.header(of: bytes)
        var reader = BinaryReader(Array(bytes[0..<(bytes.count - 4)]), context: "change record")
        _ = try reader.readRaw(count: 6)
        let tableCount = Int(try reader.readFixed(UInt16.self))
        lsn = try reader.readFixed(UInt64.self)
        committedAt = try reader.readFixed(Int64.self)
        let operationCount = Int(try reader.readFixed(UInt32.self))
        var tables: [String] = []
        tables.reserveCapacity(tableCount)
        for _ in 0..<tableCount {
            let name = try reader.readRaw(count: Int(try reader.readFixed(UInt16.self)))
            guard !name.isEmpty, let text = String(validating: name, as: UTF8.self) else {
                throw .corrupt("change record \(lsn): table name is not valid UTF-8")
            }
            tables.append(text)
        }
        guard operationCount <= bytes.count else { throw .corrupt("change record \(lsn): \(operationCount) operations cannot fit") }
        var operations: [Operation] = []
        operations.reserveCapacity(operationCount)
        for _ in 0..<operationCount {
            let kind = try reader.readByte()
            let tableIndex = Int(try reader.readFixed(UInt16.self))
            guard tableIndex < tables.count else { throw .corrupt("change record \(lsn): table index \(tableIndex) of \(tables.count)") }
            let table = tables[tableIndex]
            switch kind {
            case 1:
                let key = try reader.readRaw(count: Int(try reader.readFixed(UInt16.self)))
                let value = try reader.readRaw(count: Int(try reader.readFixed(UInt32.self)))
                operations.append(.put(table: table, key: key, value: value))
            case 2:
                operations.append(.delete(table: table, key: try reader.readRaw(count: Int(try reader.readFixed(UInt16.self)))))
            case 3:
                operations.append(.clear(table: table))
            case 4:
                let key = try reader.readRaw(count: Int(try reader.readFixed(UInt16.self)))
                let length = try reader.readFixed(UInt32.self)
                let rangeCount = Int(try reader.readFixed(UInt32.self))
                guard rangeCount <= reader.remainingByteCount / 8 else { throw .corrupt("change record \(lsn): \(rangeCount) patch ranges cannot fit") }
                var ranges: [PatchRange] = []
                var end: UInt64 = 0
                for _ in 0..<rangeCount {
                    let offset = try reader.readFixed(UInt32.self)
                    let bytes = try reader.readRaw(count: Int(try reader.readFixed(UInt32.self)))
                    guard UInt64(offset) >= end, UInt64(offset) + UInt64(bytes.count) <= UInt64(length) else {
                        throw .corrupt("change record \(lsn): patch range at \(offset) overlaps or leaves the value of \(length) bytes")
                    }
                    end = UInt64(offset) + UInt64(bytes.count)
                    ranges.append(PatchRange(offset: offset, bytes: bytes))
                }
                operations.append(.patch(table: table, key: key, length: length, ranges: ranges))
            default:
                throw .corrupt("change record \(lsn): unknown operation kind \(kind)")
            }
        }
        guard reader.isAtEnd else { throw .corrupt("change record \(lsn): \(reader.remainingByteCount) bytes left after the operations") }
        self.operations = operations
    }

    /// The record's bytes (what the log table stores and log chunks carry).
    public func encoded() -> [UInt8] {
        var tables: [String] = []
        var indexes: [String: UInt16] = [:]
        var body = BinaryWriter()
        for operation in operations {
            let table = operation.table
            let index: UInt16
            if let known = indexes[table] {
                index = known
            } else {
                index = UInt16(tables.count)
                indexes[table] = index
                tables.append(table)
            }
            switch operation {
            case .put(_, let key, let value):
                Self.writeOperation(kind: 1, table: index, key: key, into: &body)
                body.writeFixed(UInt32(value.count))
                body.write(raw: value)
            case .delete(_, let key):
                Self.writeOperation(kind: 2, table: index, key: key, into: &body)
            case .clear:
                body.write(UInt8(3))
                body.writeFixed(index)
            case .patch(_, let key, let length, let ranges):
                Self.writeOperation(kind: 4, table: index, key: key, into: &body)
                body.writeFixed(length)
                body.writeFixed(UInt32(ranges.count))
                for range in ranges {
                    body.writeFixed(range.offset)
                    body.writeFixed(UInt32(range.bytes.count))
                    body.write(raw: range.bytes)
                }
            }
        }
        return Self.assemble(lsn: lsn, committedAt: committedAt, tables: tables, operationCount: operations.count, body: body.bytes)
    }

    /// Kind, table index and length-prefixed key of a put or delete.
    static func writeOperation(kind: UInt8, table: UInt16, key: some Collection<UInt8>, into writer: inout BinaryWriter) {
        writer.write(kind)
        writer.writeFixed(table)
        writer.writeFixed(UInt16(key.count))
        writer.write(raw: key)
    }

    /// Header + table names + operation bytes + CRC-32C.
    static func assemble(lsn: UInt64, committedAt: Int64, tables: [String], operationCount: Int, body: [UInt8]) -> [UInt8] {
        var out = BinaryWriter(reservingCapacity: headerByteCount + body.count + 4 + tables.reduce(0) { $0 + 2 + $1.utf8.count })
        out.writeFixed(magic)
        out.write(formatVersion)
        out.write(UInt8(0))
        out.writeFixed(UInt16(tables.count))
        out.writeFixed(lsn)
        out.writeFixed(committedAt)
        out.writeFixed(UInt32(operationCount))
        for table in tables {
            out.writeFixed(UInt16(table.utf8.count))
            out.write(raw: table.utf8)
        }
        out.write(raw: body)
        out.writeFixed(CRC32C.checksum(out.bytes))
        return out.bytes
    }

    private static func checkFrame(_ bytes: UnsafeRawBufferPointer) throws(CortexError) {
        guard bytes.count >= headerByteCount + 4 else { throw .corrupt("change record of \(bytes.count) bytes is truncated") }
        guard unsafe UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self)) == magic else {
            throw .corrupt("change record does not start with CXCR")
        }
        let version = unsafe bytes[4]
        guard version == formatVersion else { throw .corrupt("change record has format version \(version); this build reads \(formatVersion)") }
        let stored = unsafe UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self))
        let computed = unsafe CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 4)]))
        guard stored == computed else {
            let lsn = unsafe bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian
            throw .corrupt("change record \(lsn) fails its checksum")
        }
    }
}

