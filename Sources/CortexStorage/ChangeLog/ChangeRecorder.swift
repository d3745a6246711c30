import CortexCore
#if canImport(Glibc)
import Glibc
#endif

/// Collects the operations of one write transaction for its change record.
///
/// Tables are kept as LMDB handles while the body runs and named once, at
/// commit; the operation bytes are already in the record's encoding, so the
/// commit only prepends the header and table names.
struct ChangeRecorder {
    private(set) var body = BinaryWriter(reservingCapacity: 256)
    private(set) var operationCount = 0
    /// Table index in the record → LMDB handle.
    private(set) var databases: [UInt32] = []
    private var indexes: [UInt32: UInt16] = [:]

    var isEmpty: Bool { operationCount == 0 }

    mutating func put(database: UInt32, key: [UInt8], value: UnsafeRawBufferPointer) {
        ChangeRecord.writeOperation(kind: 1, table: index(of: database), key: key, into: &body)
        body.writeFixed(UInt32(value.count))
        unsafe body.write(raw: value)
        operationCount += 1
    }

    /// A same-length rewrite: logged as the changed ranges when they are under half the value, else whole.
    /// Blocks of 64 bytes are compared; changed blocks closer than 64 bytes merge into one range.
    mutating func rewrite(database: UInt32, key: [UInt8], old: [UInt8], new: UnsafeRawBufferPointer) {
        precondition(old.count == new.count, "a rewrite keeps the length")
        let block = 64
        var ranges: [Range<Int>] = []
        var changedBytes = 0
        unsafe old.withUnsafeBytes { oldBytes in
            var start = 0
            while start < new.count {
                let end = min(new.count, start + block)
                if unsafe memcmp(oldBytes.baseAddress! + start, new.baseAddress! + start, end - start) != 0 {
                    if let last = ranges.last, start - last.upperBound < block {
                        ranges[ranges.count - 1] = last.lowerBound..<end
                    } else {
                        ranges.append(start..<end)
                    }
                }
                start = end
            }
        }
        changedBytes = ranges.reduce(0) { $0 + $1.count }
        guard changedBytes * 2 < new.count else {
            unsafe put(database: database, key: key, value: new)
            return
        }
        ChangeRecord.writeOperation(kind: 4, table: index(of: database), key: key, into: &body)
        body.writeFixed(UInt32(new.count))
        body.writeFixed(UInt32(ranges.count))
        for range in ranges {
            body.writeFixed(UInt32(range.lowerBound))
            body.writeFixed(UInt32(range.count))
            unsafe body.write(raw: UnsafeRawBufferPointer(rebasing: new[range]))
        }
        operationCount += 1
    }

    mutating func delete(database: UInt32, key: [UInt8]) {
        ChangeRecord.writeOperation(kind: 2, table: index(of: database), key: key, into: &body)
        operationCount += 1
    }

    mutating func clear(database: UInt32) {
        body.write(UInt8(3))
        body.writeFixed(index(of: database))
        operationCount += 1
    }

    /// The encoded record, given the names of ``databases`` in order.
    func record(lsn: UInt64, committedAt: Int64, tableNames: [String]) -> [UInt8] {
        ChangeRecord.assemble(lsn: lsn, committedAt: committedAt, tables: tableNames, operationCount: operationCount, body: body.bytes)
    }

    private mutating func index(of database: UInt32) -> UInt16 {
        if let known = indexes[database] { return known }
        let index = UInt16(databases.count)
        databases.append(database)
        indexes[database] = index
        return index
    }
}
