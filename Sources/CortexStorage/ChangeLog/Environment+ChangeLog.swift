import CLMDB
import Synchronization
public import CortexCore

/// The change log's two tables inside an environment.
///
/// - `changelog.records`: big-endian u64 LSN → encoded ``ChangeRecord``; holds the records not yet
///   shipped (shipping deletes what it has stored elsewhere, see ``Environment/markShipped(through:)``).
/// - `changelog.meta`: `last_lsn` (the LSN of the last record ever written, kept when records are
///   pruned), `shipped_lsn` (every record up to it is stored in the backup target) and `timeline`
///   (a random id naming this history: a restore to an earlier point starts a new one, so records
///   written after it never mix with the old history's records of the same LSNs), u64 little-endian.
struct ChangeLogTables: Sendable {
    static let recordsName = "changelog.records"
    static let metaName = "changelog.meta"
    static let lastLSNKey = Array("last_lsn".utf8)
    static let shippedLSNKey = Array("shipped_lsn".utf8)
    static let timelineKey = Array("timeline".utf8)

    let records: UInt32
    let meta: UInt32

    struct Opened {
        var tables: ChangeLogTables
        var lastLSN: UInt64
        var timeline: UInt64
    }

    /// Opens (creating) both tables in their own write transaction and reads the last LSN.
    static func open(in environment: OpaquePointer, path: String) throws(CortexError) -> Opened {
        var raw: OpaquePointer?
        try LMDBStatus.check(unsafe mdb_txn_begin(environment, nil, 0, &raw), "begin change log transaction", path: path)
        var records: MDB_dbi = 0
        var meta: MDB_dbi = 0
        var status = unsafe mdb_dbi_open(raw, recordsName, UInt32(MDB_CREATE), &records)
        if status == MDB_SUCCESS { status = unsafe mdb_dbi_open(raw, metaName, UInt32(MDB_CREATE), &meta) }
        var lastLSN: UInt64 = 0
        var timeline: UInt64 = 0
        if status == MDB_SUCCESS {
            do throws(CortexError) {
                lastLSN = try unsafe readMeta(lastLSNKey, in: raw, meta: meta, path: path) ?? 0
                if let stored = try unsafe readMeta(timelineKey, in: raw, meta: meta, path: path) {
                    timeline = stored
                } else {
                    timeline = newTimeline()
                    status = unsafe writeMeta(timelineKey, timeline, in: raw, meta: meta)
                }
            } catch {
                unsafe mdb_txn_abort(raw)
                throw error
            }
        }
        guard status == MDB_SUCCESS else {
            unsafe mdb_txn_abort(raw)
            throw LMDBStatus.error(status, "open change log tables", path: path)
        }
        try LMDBStatus.check(unsafe mdb_txn_commit(raw), "commit change log tables", path: path)
        return Opened(tables: ChangeLogTables(records: records, meta: meta), lastLSN: lastLSN, timeline: timeline)
    }

    /// A random non-zero timeline id.
    static func newTimeline() -> UInt64 { UInt64.random(in: 1...UInt64.max) }

    private static func readMeta(_ name: [UInt8], in transaction: OpaquePointer?, meta: MDB_dbi, path: String) throws(CortexError) -> UInt64? {
        var key = unsafe MDB_val()
        var value = unsafe MDB_val()
        let found = unsafe name.withUnsafeBytes { bytes in
            unsafe key = MDB_val(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            return unsafe mdb_get(transaction, meta, &key, &value)
        }
        if found == MDB_NOTFOUND { return nil }
        try LMDBStatus.check(found, "read changelog.meta", path: path)
        guard unsafe value.mv_size == 8 else {
            throw .corrupt("\(path): changelog.meta \(String(decoding: name, as: UTF8.self)) is \(unsafe value.mv_size) bytes, not 8")
        }
        return unsafe UInt64(littleEndian: value.mv_data.loadUnaligned(as: UInt64.self))
    }

    private static func writeMeta(_ name: [UInt8], _ number: UInt64, in transaction: OpaquePointer?, meta: MDB_dbi) -> Int32 {
        let bytes = value(number)
        return unsafe name.withUnsafeBytes { keyBytes in
            unsafe bytes.withUnsafeBytes { valueBytes in
                var key = unsafe MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                var data = unsafe MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                return unsafe mdb_put(transaction, meta, &key, &data, 0)
            }
        }
    }

    static func key(_ lsn: UInt64) -> [UInt8] { unsafe withUnsafeBytes(of: lsn.bigEndian) { unsafe Array($0) } }
    static func value(_ lsn: UInt64) -> [UInt8] { unsafe withUnsafeBytes(of: lsn.littleEndian) { unsafe Array($0) } }
}

extension Environment {
    /// The LSN of the last committed change record (0 when the environment was never written,
    /// or keeps no change log).
    public var lastLSN: UInt64 { lastLSNValue.load(ordering: .acquiring) }

    /// The id of this environment's history (see ``ChangeLogTables``); 0 without a change log.
    public var timeline: UInt64 { timelineValue.load(ordering: .acquiring) }

    /// Starts a new history after a restore to an earlier point: later records are shipped under the
    /// new timeline and never mixed with the old one's records of the same LSNs. Returns the new id.
    @discardableResult
    public func startNewTimeline() throws(CortexError) -> UInt64 {
        let log = try requireChangeLog()
        let timeline = ChangeLogTables.newTimeline()
        try writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            // The records held so far belong to the old history (a restored copy's, or replayed ones):
            // the new history starts after them, with nothing left to ship.
            try Environment.deleteRecords(upTo: lastLSN, log: log, in: &transaction)
            try transaction.putUnlogged(database: log.meta, key: ChangeLogTables.timelineKey, value: ChangeLogTables.value(timeline))
            try transaction.putUnlogged(database: log.meta, key: ChangeLogTables.shippedLSNKey, value: ChangeLogTables.value(lastLSN))
        }
        timelineValue.store(timeline, ordering: .releasing)
        return timeline
    }

    /// Whether this environment keeps a change log.
    public var keepsChangeLog: Bool { changeLog != nil }

    /// Called in the write path just before commit: stores the transaction's change record, if it changed anything.
    func appendChangeRecord(_ transaction: inout WriteTransaction) throws(CortexError) -> UInt64? {
        guard let log = changeLog, let recorder = transaction.recorder, !recorder.isEmpty else { return nil }
        let lsn = lastLSN + 1
        let committedAt = SystemEpochClock().nowMilliseconds()
        let names = self.names(of: recorder.databases)
        precondition(!names.contains(""), "a write touched a table not opened through databaseHandle(named:)")
        let record = recorder.record(lsn: lsn, committedAt: committedAt, tableNames: names)
        try transaction.putUnlogged(database: log.records, key: ChangeLogTables.key(lsn), value: record)
        try transaction.putUnlogged(database: log.meta, key: ChangeLogTables.lastLSNKey, value: ChangeLogTables.value(lsn))
        return lsn
    }

    /// Every record up to this LSN is stored in the backup target (0 before the first shipment).
    public func shippedLSN() throws(CortexError) -> UInt64 {
        let log = try requireChangeLog()
        return try read { (transaction: borrowing ReadTransaction) throws(CortexError) -> UInt64 in
            try Self.lsnValue(try transaction.value(database: log.meta, key: ChangeLogTables.shippedLSNKey), name: "shipped_lsn", path: path)
        }
    }

    /// The stored records with LSN > `lsn`, in LSN order, as their encoded bytes (each checked),
    /// up to about `byteCountMax` bytes (always at least one record when one exists).
    public func changeRecords(after lsn: UInt64, byteCountMax: Int) throws(CortexError) -> [[UInt8]] {
        let log = try requireChangeLog()
        return try read { (transaction: borrowing ReadTransaction) throws(CortexError) -> [[UInt8]] in
            var records: [[UInt8]] = []
            var total = 0
            var expected = lsn + 1
            unsafe try transaction.scan(database: log.records, range: ByteRange(lower: .excluding(ChangeLogTables.key(lsn)))) {
                (key, value) throws(CortexError) -> Bool in
                let (recordLSN, _) = try unsafe ChangeRecord.header(of: value)
                let keyLSN = unsafe UInt64(bigEndian: key.loadUnaligned(as: UInt64.self))
                guard keyLSN == recordLSN, recordLSN == expected else {
                    throw .corrupt("\(path): change log holds LSN \(recordLSN) under key \(keyLSN) where \(expected) was expected")
                }
                records.append(unsafe Array(value))
                total += value.count
                expected += 1
                return total < byteCountMax
            }
            return records
        }
    }

    /// Records that every change record up to `lsn` is stored in the backup target, and deletes them here.
    public func markShipped(through lsn: UInt64) throws(CortexError) {
        let log = try requireChangeLog()
        precondition(lsn <= lastLSN, "cannot mark LSN \(lsn) shipped beyond the last LSN \(lastLSN)")
        try writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            try Environment.deleteRecords(upTo: lsn, log: log, in: &transaction)
            try transaction.putUnlogged(database: log.meta, key: ChangeLogTables.shippedLSNKey, value: ChangeLogTables.value(lsn))
        }
    }

    private static func deleteRecords(upTo lsn: UInt64, log: ChangeLogTables, in transaction: inout WriteTransaction) throws(CortexError) {
        var keys: [[UInt8]] = []
        try unsafe transaction.scan(database: log.records, range: ByteRange(upper: .including(ChangeLogTables.key(lsn)))) { key, _ in
            keys.append(unsafe Array(key))
            return true
        }
        for key in keys { try transaction.deleteUnlogged(database: log.records, key: key) }
    }

    /// Applies shipped change records (replay onto a restored copy), in one write transaction: each
    /// record's operations, and the record itself under its own LSN, so the log continues exactly.
    /// Records at or below ``lastLSN`` are skipped; returns how many were applied. Throws `.corrupt`
    /// for a gap (a record that is not the next LSN) or a damaged record, changing nothing.
    @discardableResult
    public func apply(changeRecords encoded: [[UInt8]]) throws(CortexError) -> Int {
        let log = try requireChangeLog()
        var next = lastLSN + 1
        var records: [(record: ChangeRecord, bytes: [UInt8])] = []
        for bytes in encoded {
            let record = try ChangeRecord(decoding: bytes)
            if record.lsn < next { continue }
            guard record.lsn == next else {
                throw .corrupt("\(name): change record \(record.lsn) cannot follow LSN \(next - 1); records \(next)-\(record.lsn - 1) are missing")
            }
            records.append((record, bytes))
            next += 1
        }
        guard let last = records.last?.record.lsn else { return 0 }
        var handles: [String: UInt32] = [:]
        for (record, _) in records {
            for operation in record.operations where handles[operation.table] == nil {
                handles[operation.table] = try databaseHandle(named: operation.table)
            }
        }
        try writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            transaction.recorder = nil  // the original records are stored as they are
            for (record, bytes) in records {
                for operation in record.operations {
                    switch operation {
                    case .put(let table, let key, let value): try transaction.put(database: handles[table]!, key: key, value: value)
                    case .delete(let table, let key): try transaction.delete(database: handles[table]!, key: key)
                    case .clear(let table): try transaction.removeAll(database: handles[table]!)
                    case .patch(let table, let key, let length, let ranges):
                        let database = handles[table]!
                        guard var value = try transaction.value(database: database, key: key), value.count == Int(length) else {
                            throw .corrupt("\(name): change record \(record.lsn) patches a value of \(length) bytes in \(table) that this copy does not hold")
                        }
                        for range in ranges {
                            value.replaceSubrange(Int(range.offset)..<(Int(range.offset) + range.bytes.count), with: range.bytes)
                        }
                        try transaction.put(database: database, key: key, value: value)
                    }
                }
                try transaction.putUnlogged(database: log.records, key: ChangeLogTables.key(record.lsn), value: bytes)
            }
            try transaction.putUnlogged(database: log.meta, key: ChangeLogTables.lastLSNKey, value: ChangeLogTables.value(last))
        }
        lastLSNValue.store(last, ordering: .releasing)
        return records.count
    }

    private func requireChangeLog() throws(CortexError) -> ChangeLogTables {
        guard let changeLog else { throw .invalidInput("environment \(name) keeps no change log") }
        return changeLog
    }

    private static func lsnValue(_ bytes: [UInt8]?, name: String, path: String) throws(CortexError) -> UInt64 {
        guard let bytes else { return 0 }
        guard bytes.count == 8 else { throw .corrupt("\(path): changelog.meta \(name) is \(bytes.count) bytes, not 8") }
        var reader = BinaryReader(bytes, context: "changelog.meta \(name)")
        return try reader.readFixed(UInt64.self)
    }
}
