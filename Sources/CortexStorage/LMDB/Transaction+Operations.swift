import CLMDB
public import CortexCore

/// Raw key/value operations. Keys and values are byte arrays; tables add types on top.
extension Transaction where Self: ~Copyable {
    /// Calls `body` with the stored value of `key` in place (inside the memory
    /// map), or with nil when the key is absent. The buffer is valid only
    /// inside `body`.
    public func withValue<T>(
        database: UInt32, key: [UInt8], _ body: (UnsafeRawBufferPointer?) throws(CortexError) -> T
    ) throws(CortexError) -> T {
        try Self.validate(key: key)
        var value = unsafe MDB_val()
        let status = unsafe key.withUnsafeBytes { keyBytes in
            var keyValue = unsafe MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            return unsafe mdb_get(handle, database, &keyValue, &value)
        }
        if status == MDB_NOTFOUND { return try body(nil) }
        try LMDBStatus.check(status, "get", path: environment.path)
        return try unsafe body(UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
    }

    /// A copy of the stored value of `key`, or nil.
    public func value(database: UInt32, key: [UInt8]) throws(CortexError) -> [UInt8]? {
        try unsafe withValue(database: database, key: key) { (bytes: UnsafeRawBufferPointer?) -> [UInt8]? in
            unsafe bytes.map { unsafe Array($0) }
        }
    }

    /// Visits keys in `range` in key order (or reverse order); `body` returns false to stop.
    ///
    /// Buffers passed to `body` point into the map and are valid only during the call.
    public func scan(
        database: UInt32, range: ByteRange = .all, reverse: Bool = false,
        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(CortexError) -> Bool
    ) throws(CortexError) {
        var cursor: OpaquePointer?
        try LMDBStatus.check(unsafe mdb_cursor_open(handle, database, &cursor), "open cursor", path: environment.path)
        defer { unsafe mdb_cursor_close(cursor) }
        var key = unsafe MDB_val()
        var value = unsafe MDB_val()
        var status = unsafe reverse
            ? Self.positionAtEnd(cursor, range, &key, &value)
            : Self.positionAtStart(cursor, range, &key, &value)
        while status == MDB_SUCCESS {
            let keyBytes = unsafe UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size)
            let inRange = unsafe reverse ? range.admitsAboveLower(keyBytes) : range.admitsBelowUpper(keyBytes)
            guard inRange else { return }
            let valueBytes = unsafe UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
            guard try unsafe body(keyBytes, valueBytes) else { return }
            status = unsafe mdb_cursor_get(cursor, &key, &value, reverse ? MDB_PREV : MDB_NEXT)
        }
        if status != MDB_NOTFOUND { try LMDBStatus.check(status, "cursor step", path: environment.path) }
    }

    /// The number of entries in a table (from the B-tree header, O(1)).
    public func entryCount(database: UInt32) throws(CortexError) -> Int {
        var stat = MDB_stat()
        try LMDBStatus.check(unsafe mdb_stat(handle, database, &stat), "stat", path: environment.path)
        return stat.ms_entries
    }

    /// The id of the snapshot this transaction reads: equal ids mean identical
    /// data, so pointers resolved in one transaction stay valid in another
    /// with the same id while either is open.
    public var snapshotID: Int { unsafe mdb_txn_id(handle) }

    static func validate(key: [UInt8]) throws(CortexError) {
        guard !key.isEmpty else { throw .invalidInput("empty key") }
        guard key.count <= Limits.keyByteCountMax else {
            throw .tooLarge("key is \(key.count) bytes; the limit is \(Limits.keyByteCountMax)")
        }
    }

    private static func positionAtStart(
        _ cursor: OpaquePointer?, _ range: ByteRange, _ key: inout MDB_val, _ value: inout MDB_val
    ) -> Int32 {
        let bound: [UInt8]
        let inclusive: Bool
        switch range.lower {
        case .unbounded: return unsafe mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
        case .including(let start): (bound, inclusive) = (start, true)
        case .excluding(let start): (bound, inclusive) = (start, false)
        }
        var status = unsafe seek(cursor, bound, &key, &value)
        if status == MDB_SUCCESS, !inclusive,
           unsafe compareKeys(UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size), bound) == 0 {
            status = unsafe mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
        }
        return status
    }

    private static func positionAtEnd(
        _ cursor: OpaquePointer?, _ range: ByteRange, _ key: inout MDB_val, _ value: inout MDB_val
    ) -> Int32 {
        let bound: [UInt8]
        let inclusive: Bool
        switch range.upper {
        case .unbounded: return unsafe mdb_cursor_get(cursor, &key, &value, MDB_LAST)
        case .including(let end): (bound, inclusive) = (end, true)
        case .excluding(let end): (bound, inclusive) = (end, false)
        }
        let status = unsafe seek(cursor, bound, &key, &value)
        if status == MDB_NOTFOUND { return unsafe mdb_cursor_get(cursor, &key, &value, MDB_LAST) }
        guard status == MDB_SUCCESS else { return status }
        // SET_RANGE found the first key >= bound; step back unless it is the bound itself and included.
        let comparison = unsafe compareKeys(UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size), bound)
        if comparison > 0 || (comparison == 0 && !inclusive) {
            return unsafe mdb_cursor_get(cursor, &key, &value, MDB_PREV)
        }
        return status
    }

    /// MDB_SET_RANGE: position at the first key >= `bound`.
    private static func seek(_ cursor: OpaquePointer?, _ bound: [UInt8], _ key: inout MDB_val, _ value: inout MDB_val) -> Int32 {
        unsafe bound.withUnsafeBytes { bytes in
            unsafe key = unsafe MDB_val(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            // LMDB replaces `key` with a pointer into the map, so the array's buffer does not escape.
            return unsafe mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE)
        }
    }
}

extension WriteTransaction {
    /// Stores `value` under `key`, replacing any previous value.
    public mutating func put(database: UInt32, key: [UInt8], value: [UInt8]) throws(CortexError) {
        try Self.validate(key: key)
        guard value.count <= Limits.valueByteCountMax else {
            throw .tooLarge("value is \(value.count) bytes; the limit is \(Limits.valueByteCountMax)")
        }
        let previous = isLogged(database) ? try sameLengthValue(database: database, key: key, count: value.count) : nil
        let status = unsafe key.withUnsafeBytes { keyBytes in
            unsafe value.withUnsafeBytes { valueBytes in
                var keyValue = unsafe MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                var dataValue = unsafe MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                return unsafe mdb_put(handle, database, &keyValue, &dataValue, 0)
            }
        }
        try check(status, "put")
        if isLogged(database) {
            unsafe value.withUnsafeBytes { bytes in
                if let previous {
                    unsafe recorder!.rewrite(database: database, key: key, old: previous, new: bytes)
                } else {
                    unsafe recorder!.put(database: database, key: key, value: bytes)
                }
            }
        }
    }

    /// Reserves `byteCount` bytes for the value of `key` and lets `fill` write
    /// them in place (LMDB's `MDB_RESERVE`): no intermediate copy of large values.
    /// The buffer is valid only inside `fill`.
    public mutating func putReserved(
        database: UInt32, key: [UInt8], byteCount: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void
    ) throws(CortexError) {
        try Self.validate(key: key)
        guard byteCount <= Limits.valueByteCountMax else {
            throw .tooLarge("value is \(byteCount) bytes; the limit is \(Limits.valueByteCountMax)")
        }
        // Copied before the put: the reserved space may be the old value's own pages.
        let previous = isLogged(database) ? try sameLengthValue(database: database, key: key, count: byteCount) : nil
        var data = unsafe MDB_val(mv_size: byteCount, mv_data: nil)
        let status = unsafe key.withUnsafeBytes { keyBytes in
            var keyValue = unsafe MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            return unsafe mdb_put(handle, database, &keyValue, &data, UInt32(MDB_RESERVE))
        }
        try check(status, "put")
        let reserved = unsafe UnsafeMutableRawBufferPointer(start: data.mv_data, count: byteCount)
        unsafe fill(reserved)
        if isLogged(database) {
            if let previous {
                unsafe recorder!.rewrite(database: database, key: key, old: previous, new: UnsafeRawBufferPointer(reserved))
            } else {
                unsafe recorder!.put(database: database, key: key, value: UnsafeRawBufferPointer(reserved))
            }
        }
    }

    /// Removes `key`; returns whether it existed.
    @discardableResult
    public mutating func delete(database: UInt32, key: [UInt8]) throws(CortexError) -> Bool {
        try Self.validate(key: key)
        let status = unsafe key.withUnsafeBytes { keyBytes in
            var keyValue = unsafe MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            return unsafe mdb_del(handle, database, &keyValue, nil)
        }
        if status == MDB_NOTFOUND { return false }
        try check(status, "delete")
        if isLogged(database) { recorder!.delete(database: database, key: key) }
        return true
    }

    /// Removes every entry of a table, keeping the table.
    public mutating func removeAll(database: UInt32) throws(CortexError) {
        try check(unsafe mdb_drop(handle, database, 0), "clear table")
        if isLogged(database) { recorder!.clear(database: database) }
    }

    /// A copy of the stored value of `key` when it has exactly `count` bytes (a rewrite the change log
    /// can record as a patch); nil otherwise. Values under 256 bytes are logged whole.
    private func sameLengthValue(database: UInt32, key: [UInt8], count: Int) throws(CortexError) -> [UInt8]? {
        guard count >= 256 else { return nil }
        return try unsafe withValue(database: database, key: key) { (bytes: UnsafeRawBufferPointer?) -> [UInt8]? in
            guard let stored = unsafe bytes, stored.count == count else { return nil }
            return unsafe Array(stored)
        }
    }

    /// A put that bypasses the change log: for the log's own tables.
    mutating func putUnlogged(database: UInt32, key: [UInt8], value: [UInt8]) throws(CortexError) {
        let status = unsafe key.withUnsafeBytes { keyBytes in
            unsafe value.withUnsafeBytes { valueBytes in
                var keyValue = unsafe MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                var dataValue = unsafe MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                return unsafe mdb_put(handle, database, &keyValue, &dataValue, 0)
            }
        }
        try check(status, "put change record")
    }

    /// A delete that bypasses the change log: for the log's own tables.
    mutating func deleteUnlogged(database: UInt32, key: [UInt8]) throws(CortexError) {
        let status = unsafe key.withUnsafeBytes { keyBytes in
            var keyValue = unsafe MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            return unsafe mdb_del(handle, database, &keyValue, nil)
        }
        if status != MDB_NOTFOUND { try check(status, "delete change record") }
    }
}
