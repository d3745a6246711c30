import CortexCore

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
