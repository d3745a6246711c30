import CLMDB
public import CortexCore
package import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One LMDB environment: a folder holding `data.mdb` and `lock.mdb`.
///
/// Readers run concurrently and never block the writer; writes are serialised
/// (one writer per environment) and durable when they return: every commit is
/// fsynced. When a write hits `MDB_MAP_FULL` the map is doubled and the write
/// transaction is run again from the start, so nothing is lost; a write body
/// must therefore touch the world only through its transaction.
///
/// Thread safety: all methods may be called from any thread. Transactions never
/// nest: do not start a transaction inside another one's body.
@safe public final class Environment: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `handle` is written once in `init` and
    // freed in `close()`, which the owner calls only when no transaction runs
    // (EnvironmentManager's use counts). `mapByteCount` and `tables` are behind
    // Mutexes; `resizeLock` orders transactions against map growth.
    let handle: OpaquePointer
    /// `system` or `tenant/<id>`; used in metrics and messages.
    public let name: String
    /// The folder holding the environment's files.
    public let path: String
    public let options: EnvironmentOptions
    let logger: Logger

    private let resizeLock = ReadWriteLock()
    let writerLock = ReadWriteLock()  // used exclusively: one writer at a time
    private let mapByteCount: Mutex<Int>
    private let tables = Mutex<[String: UInt32]>([:])
    private let namesByHandle = Mutex<[UInt32: String]>([:])
    /// The change log's tables, when the environment keeps one (``EnvironmentOptions/keepsChangeLog``).
    let changeLog: ChangeLogTables?
    /// LSN of the last change record committed (0 before the first).
    let lastLSNValue = Atomic<UInt64>(0)
    let timelineValue = Atomic<UInt64>(0)
    /// Called after each commit that wrote a change record, with its LSN.
    let onLoggedCommit: (@Sendable (Environment, UInt64) -> Void)?
    private let closed = Atomic<Bool>(false)
    /// The id of the write transaction whose commit is running or last ran.
    /// Read transactions use it to detect a torn start (see `read`).
    private let committingTransactionID = Atomic<Int>(0)
    private let attachments = Mutex<[String: any Sendable]>([:])
    /// Serialises async writes on the shared worker pool.
    let writeLane = WorkerPool.Lane()
    let pool: WorkerPool

    /// Opens (creating if needed) the environment in the existing folder `path`.
    ///
    /// Clears reader slots left by dead processes. Throws `.corrupt` when the
    /// files are not a valid LMDB environment and `.unavailable` when they
    /// cannot be read or written.
    package init(
        name: String, path: String, options: EnvironmentOptions, pool: WorkerPool, logger: Logger,
        onLoggedCommit: (@Sendable (Environment, UInt64) -> Void)? = nil
    ) throws(CortexError) {
        self.name = name
        self.path = path
        self.options = options
        self.pool = pool
        self.logger = logger
        self.onLoggedCommit = onLoggedCommit
        var created: OpaquePointer?
        try LMDBStatus.check(unsafe mdb_env_create(&created), "mdb_env_create", path: path)
        guard let environment = unsafe created else { throw .unavailable("mdb_env_create returned no handle") }
        do throws(CortexError) {
            try LMDBStatus.check(unsafe mdb_env_set_maxdbs(environment, Limits.tablesPerEnvironmentMax), "set maxdbs", path: path)
            try LMDBStatus.check(unsafe mdb_env_set_maxreaders(environment, Limits.readersPerEnvironmentMax), "set maxreaders", path: path)
            try LMDBStatus.check(unsafe mdb_env_set_mapsize(environment, options.mapByteCountInitial), "set mapsize", path: path)
            // MDB_NOTLS: read transactions are not tied to an OS thread (tasks hop threads).
            // MDB_NORDAHEAD: random access over a large map; readahead only pollutes the page cache.
            let flags = UInt32(MDB_NOTLS) | UInt32(MDB_NORDAHEAD)
            try LMDBStatus.check(unsafe mdb_env_open(environment, path, flags, 0o640), "open environment", path: path)
            var dead: Int32 = 0
            try LMDBStatus.check(unsafe mdb_reader_check(environment, &dead), "mdb_reader_check", path: path)
            if dead > 0 { logger.notice("cleared stale LMDB readers", metadata: ["environment": "\(name)", "count": "\(dead)"]) }
        } catch {
            unsafe mdb_env_close(environment)
            throw error
        }
        let opened: ChangeLogTables.Opened?
        do throws(CortexError) {
            opened = options.keepsChangeLog ? try unsafe ChangeLogTables.open(in: environment, path: path) : nil
        } catch {
            unsafe mdb_env_close(environment)
            throw error
        }
        unsafe handle = environment
        var info = unsafe MDB_envinfo()
        unsafe mdb_env_info(environment, &info)
        mapByteCount = Mutex(unsafe info.me_mapsize)
        changeLog = opened?.tables
        if let opened {
            lastLSNValue.store(opened.lastLSN, ordering: .relaxed)
            timelineValue.store(opened.timeline, ordering: .relaxed)
            tables.withLock {
                $0[ChangeLogTables.recordsName] = opened.tables.records
                $0[ChangeLogTables.metaName] = opened.tables.meta
            }
        }
    }

    deinit {
        if !closed.load(ordering: .acquiring) { unsafe mdb_env_close(handle) }
    }

    /// Closes the environment. The caller guarantees no transaction is running
    /// or will start; table handles from it become invalid.
    package func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        unsafe mdb_env_close(handle)
    }

    /// A per-environment object owned by a layer above (e.g. a cache of
    /// resolved pointers), created on first use and dropped with the environment.
    public func attachment<T: Sendable>(_ key: String, create: () -> T) -> T {
        attachments.withLock { attachments in
            if let existing = attachments[key] as? T { return existing }
            let made = create()
            attachments[key] = made
            return made
        }
    }

    /// Drops an attachment (e.g. when the collection it caches was deleted).
    public func removeAttachment(_ key: String) {
        _ = attachments.withLock { $0.removeValue(forKey: key) }
    }

    var isClosed: Bool { closed.load(ordering: .relaxed) }

    /// Runs `body` holding the resize lock shared (no map growth meanwhile).
    func resizeLockShared<T>(_ body: () throws(CortexError) -> T) throws(CortexError) -> T {
        try resizeLock.withShared(body)
    }

    /// The current size of the memory map in bytes.
    public var currentMapByteCount: Int { mapByteCount.withLock { $0 } }
}

// MARK: - Transactions

extension Environment {
    /// Runs `body` in a read transaction on the calling thread and returns its result.
    ///
    /// The transaction sees one consistent snapshot; values it hands out point
    /// into the memory map and are valid only inside `body`.
    public func read<T>(_ body: (borrowing ReadTransaction) throws(CortexError) -> T) throws(CortexError) -> T {
        precondition(!closed.load(ordering: .relaxed), "read on closed environment \(name)")
        while true {
            let outcome: ReadOutcome<T> = try resizeLock.withShared { () throws(CortexError) -> ReadOutcome<T> in
                var raw: OpaquePointer?
                let status = unsafe mdb_txn_begin(handle, nil, UInt32(MDB_RDONLY), &raw)
                if status == MDB_MAP_RESIZED { return .mapResized }
                try LMDBStatus.check(status, "begin read transaction", path: path)
                let transaction = unsafe ReadTransaction(handle: raw!, environment: self)
                defer { unsafe mdb_txn_abort(transaction.handle) }
                // LMDB starts a reader by loading the last committed id T, then
                // copying meta page T & 1. If the reader is descheduled between
                // the two while commits T+1 and T+2 land, the copy comes from
                // T+2's page (or a torn mix) while a later reader may still see
                // T+1: snapshots would go backwards. Commits store their id here
                // before writing the meta page, so an overlap is visible; retry.
                let started = unsafe Int(mdb_txn_id(transaction.handle))
                atomicMemoryFence(ordering: .sequentiallyConsistent)
                if committingTransactionID.load(ordering: .sequentiallyConsistent) >= started + 2 { return .tornStart }
                return .done(try body(transaction))
            }
            switch outcome {
            case .done(let value): return value
            case .mapResized: try adoptMapSizeOfOtherProcess()
            case .tornStart: continue
            }
        }
    }

    /// Runs `body` in the write transaction of this environment and commits it.
    ///
    /// Blocks the calling thread while another write runs. Returns once the
    /// commit is durable on disk; aborts on throw. If the map fills up, the map
    /// grows and `body` runs again on a fresh transaction.
    @discardableResult
    public func writeSync<T>(_ body: (inout WriteTransaction) throws(CortexError) -> T) throws(CortexError) -> T {
        precondition(!closed.load(ordering: .relaxed), "write on closed environment \(name)")
        return try writerLock.withExclusive { () throws(CortexError) -> T in
            while true {
                switch try attemptWrite(body) {
                case .done(let value): return value
                case .mapFull: try growMap()
                case .mapResized: try adoptMapSizeOfOtherProcess()
                }
            }
        }
    }

    /// Runs `body` in a write transaction on the storage worker pool, so the
    /// calling task never blocks a cooperative thread on LMDB's writer lock or fsync.
    public func write<T: Sendable>(
        _ body: @escaping @Sendable (inout WriteTransaction) throws(CortexError) -> T
    ) async throws(CortexError) -> T {
        try await pool.run(in: writeLane) { () throws(CortexError) -> T in try self.writeSync(body) }
    }

    private enum ReadOutcome<T> {
        case done(T)
        case mapResized
        case tornStart
    }

    private enum WriteOutcome<T> {
        case done(T)
        case mapFull
        case mapResized
    }

    private func attemptWrite<T>(_ body: (inout WriteTransaction) throws(CortexError) -> T) throws(CortexError) -> WriteOutcome<T> {
        try resizeLock.withShared { () throws(CortexError) -> WriteOutcome<T> in
            var raw: OpaquePointer?
            let status = unsafe mdb_txn_begin(handle, nil, 0, &raw)
            if status == MDB_MAP_RESIZED { return .mapResized }
            try LMDBStatus.check(status, "begin write transaction", path: path)
            var transaction = unsafe WriteTransaction(handle: raw!, environment: self)
            let value: T
            do throws(CortexError) {
                value = try body(&transaction)
            } catch {
                unsafe mdb_txn_abort(transaction.handle)
                if transaction.hitMapFull { return .mapFull }
                throw error
            }
            if transaction.hitMapFull {
                // The body swallowed the MAP_FULL error; the transaction is unusable anyway.
                unsafe mdb_txn_abort(transaction.handle)
                return .mapFull
            }
            let loggedLSN: UInt64?
            do throws(CortexError) {
                loggedLSN = try appendChangeRecord(&transaction)
            } catch {
                unsafe mdb_txn_abort(transaction.handle)
                if transaction.hitMapFull { return .mapFull }
                throw error
            }
            committingTransactionID.store(unsafe Int(mdb_txn_id(transaction.handle)), ordering: .sequentiallyConsistent)
            let committed = unsafe mdb_txn_commit(transaction.handle)
            if committed == MDB_MAP_FULL { return .mapFull }
            try LMDBStatus.check(committed, "commit", path: path)
            transaction.didCommit()
            if let loggedLSN {
                lastLSNValue.store(loggedLSN, ordering: .releasing)
                onLoggedCommit?(self, loggedLSN)
            }
            return .done(value)
        }
    }

    /// Doubles the map (capped at the maximum); called with the writer lock held.
    private func growMap() throws(CortexError) {
        let current = currentMapByteCount
        guard current < options.mapByteCountMax else {
            throw .tooLarge(
                "environment \(name) is full: map size reached its limit of \(options.mapByteCountMax) bytes (storage.map_size_max_bytes)")
        }
        let grown = min(options.mapByteCountMax, max(current * 2, current + (1 << 20)))
        try resizeLock.withExclusive { () throws(CortexError) in
            try LMDBStatus.check(unsafe mdb_env_set_mapsize(handle, grown), "grow map to \(grown) bytes", path: path)
            mapByteCount.withLock { $0 = grown }
        }
        logger.info("grew LMDB map", metadata: ["environment": "\(name)", "from": "\(current)", "to": "\(grown)"])
    }

    /// Another process grew the map (`MDB_MAP_RESIZED`): adopt its size.
    private func adoptMapSizeOfOtherProcess() throws(CortexError) {
        try resizeLock.withExclusive { () throws(CortexError) in
            try LMDBStatus.check(unsafe mdb_env_set_mapsize(handle, 0), "adopt map size", path: path)
            var info = unsafe MDB_envinfo()
            unsafe mdb_env_info(handle, &info)
            mapByteCount.withLock { $0 = unsafe info.me_mapsize }
        }
    }
}

// MARK: - Tables and statistics

extension Environment {
    /// The LMDB handle of the named database, creating it on first use.
    ///
    /// Must not be called inside a transaction body of this environment: it
    /// may run its own write transaction.
    package func databaseHandle(named tableName: String) throws(CortexError) -> UInt32 {
        if let known = tables.withLock({ $0[tableName] }) { return known }
        guard !tableName.isEmpty, tableName.utf8.count <= 200 else {
            throw .invalidInput("table name must be 1-200 bytes; got \(tableName.utf8.count)")
        }
        let opened = try writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> UInt32 in
            var dbi: MDB_dbi = 0
            let status = unsafe mdb_dbi_open(transaction.handle, tableName, UInt32(MDB_CREATE), &dbi)
            if status == MDB_DBS_FULL {
                throw .tooLarge("environment \(name) already has \(Limits.tablesPerEnvironmentMax) tables, the limit")
            }
            try transaction.check(status, "open table \(tableName)")
            return dbi
        }
        // Published only after the commit: an aborted mdb_dbi_open leaves no usable handle.
        tables.withLock { $0[tableName] = opened }
        namesByHandle.withLock { $0[opened] = tableName }
        return opened
    }

    /// The names of tables opened through ``databaseHandle(named:)``, by handle.
    func names(of databases: [UInt32]) -> [String] {
        namesByHandle.withLock { names in databases.map { names[$0] ?? "" } }
    }

    /// Size and use of the environment right now.
    public func statistics() -> EnvironmentStatistics {
        var info = unsafe MDB_envinfo()
        var stat = MDB_stat()
        unsafe mdb_env_info(handle, &info)
        unsafe mdb_env_stat(handle, &stat)
        let fileByteCount = Self.fileByteCount(path + "/data.mdb")
        return unsafe EnvironmentStatistics(
            name: name,
            mapByteCount: info.me_mapsize,
            pageCountUsed: info.me_last_pgno + 1,
            pageByteCount: Int(stat.ms_psize),
            fileByteCount: fileByteCount,
            readerCount: Int(info.me_numreaders))
    }
}

extension Environment {
    static func fileByteCount(_ filePath: String) -> Int {
        let descriptor = unsafe open(filePath, O_RDONLY)
        guard descriptor >= 0 else { return 0 }
        defer { _ = Glibc.close(descriptor) }
        return Int(lseek(descriptor, 0, SEEK_END))
    }
}
