public import CortexCore
package import Logging
import Synchronization

/// The storage engine: the system environment plus one environment per tenant.
///
/// - `DATA/system/` holds the tenant registry (`tenants` table) and whatever
///   the layers above keep platform-wide (users, keys, the system outbox).
/// - `DATA/tenants/<id>/` is one LMDB environment per tenant, opened lazily
///   on first use, closed when idle or when more than
///   ``StorageOptions/tenantsOpenMax`` are open; writes to different tenants
///   run in parallel.
/// - Tenants are created, listed and deleted here. Deletion is crash-safe: the
///   row is marked `deleting` first, the folder removed, then the row; a
///   deletion interrupted by a crash is finished at the next start.
///
/// An environment is never closed while a ``withTenant(_:_:)`` body uses it.
public final class StorageEngine: Sendable {
    public let options: StorageOptions
    /// The system environment (always open).
    public let system: Environment
    let clock: any EpochClock
    let logger: Logger
    let pool: WorkerPool
    private let directory: Mutex<DataDirectory?>
    let dataPath: String
    let tenants: Table<String, TenantRecord>
    let slots = Mutex<[TenantID: Slot]>([:])
    /// Serialises tenant create, first open and the registry steps of delete,
    /// so no two of them interleave for any tenant (they are rare; opens of an
    /// already-open tenant never take it).
    let lifecycle = Mutex(())
    /// Environments with change records not shipped yet (see ``takeChangedEnvironments()``).
    let changes = ChangeTracker()

    /// One open tenant environment and who is using it.
    struct Slot {
        var environment: Environment
        var userCount = 0
        var lastUsedAt: Int64
        var closing = false
    }

    /// Opens the data folder (creating it if absent) and the system environment,
    /// and finishes tenant deletions a crash interrupted.
    ///
    /// Throws `.invalidInput` for a path that is not a Cortex data folder,
    /// `.unavailable` when it cannot be read, written or locked, and `.corrupt`
    /// when the system environment is damaged.
    package init(options: StorageOptions, clock: any EpochClock = SystemEpochClock(), logger: Logger) throws(CortexError) {
        let directory = try DataDirectory(path: options.dataDirectory)
        self.options = options
        self.clock = clock
        self.logger = logger
        dataPath = directory.path
        pool = WorkerPool(name: "cortex-writer", threadCount: options.writerThreadCount)
        system = try Environment(
            name: "system", path: directory.systemPath, options: options.environment, pool: pool, logger: logger,
            onLoggedCommit: changes.hook)
        tenants = try system.table("tenants")
        self.directory = Mutex(consume directory)
        try finishInterruptedDeletions()
        try finishInterruptedInstalls()
        changes.insert(system.name)
        changes.insert(contentsOf: try listTenants().map { "tenant/\($0.id)" })
    }

    /// Opens the engine with a default logger (for tools and tests).
    public convenience init(options: StorageOptions, clock: any EpochClock = SystemEpochClock()) throws(CortexError) {
        try self.init(options: options, clock: clock, logger: Logger(label: "cortex.storage"))
    }

    /// Closes every environment and releases the data folder. Call once, after
    /// all work has finished; the engine is unusable afterwards.
    public func close() {
        let open = slots.withLock { slots in
            defer { slots.removeAll() }
            return slots.values.map(\.environment)
        }
        for environment in open { environment.close() }
        system.close()
        pool.shutdown()
        directory.withLock { $0 = nil }
    }

    func tenantPath(_ id: TenantID) -> String { dataPath + "/tenants/" + id.rawValue }
}

// MARK: - Tenant lifecycle

extension StorageEngine {
    /// Creates a tenant and its environment. Throws `.conflict` if it exists.
    @discardableResult
    public func createTenant(_ id: TenantID) throws(CortexError) -> TenantRecord {
        let record = try lifecycle.withLock { _ throws(CortexError) -> TenantRecord in
            if let existing = try tenants.get(id.rawValue, in: system) {
                throw .conflict(existing.state == .active ? "tenant '\(id)' already exists" : "tenant '\(id)' is being deleted")
            }
            // A folder without a registry row is left over from a crash during an
            // earlier create; nothing was acknowledged in it, so start clean.
            let path = tenantPath(id)
            try DataDirectory.removeTree(path)
            try DataDirectory.createDirectory(path)
            let environment = try Environment(
                name: "tenant/\(id)", path: path, options: options.environment, pool: pool, logger: logger,
                onLoggedCommit: changes.hook)
            let record = TenantRecord(id: id, createdAt: clock.nowMilliseconds(), state: .active)
            let table = tenants
            do throws(CortexError) {
                try system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
                    try table.put(record, for: id.rawValue, in: &transaction)
                }
            } catch {
                environment.close()
                throw error
            }
            adopt(environment, for: id)
            return record
        }
        evictBeyondLimit()
        logger.info("created tenant", metadata: ["tenant": "\(id)"])
        return record
    }

    /// Every active tenant, ordered by id.
    public func listTenants() throws(CortexError) -> [TenantRecord] {
        try system.read { transaction throws(CortexError) in
            try tenants.entries(in: transaction).map(\.value).filter { $0.state == .active }
        }
    }

    /// The tenant's record, or nil.
    public func tenant(_ id: TenantID) throws(CortexError) -> TenantRecord? {
        guard let record = try tenants.get(id.rawValue, in: system), record.state == .active else { return nil }
        return record
    }

    /// Deletes a tenant and its whole environment. Waits for running bodies
    /// on the tenant to finish; new ones fail with `.notFound` meanwhile.
    public func deleteTenant(_ id: TenantID) async throws(CortexError) {
        let table = tenants
        try lifecycle.withLock { _ throws(CortexError) in
            try system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
                guard var record = try table.get(id.rawValue, in: transaction), record.state == .active else {
                    throw .notFound("tenant '\(id)' does not exist")
                }
                record.state = .deleting
                try table.put(record, for: id.rawValue, in: &transaction)
            }
            // New uses fail from here on; running ones finish first.
            markClosing(id)
        }
        while let environment = detachWhenIdle(id) {
            guard let environment else {
                do {
                    try await Task.sleep(for: .milliseconds(2))
                } catch {
                    // The row stays `deleting`; the next start finishes the deletion.
                    throw .unavailable("deletion of tenant '\(id)' was cancelled while requests were still running")
                }
                continue
            }
            environment.close()
            break
        }
        try removeDeletedTenant(id)
        logger.info("deleted tenant", metadata: ["tenant": "\(id)"])
    }

    private func removeDeletedTenant(_ id: TenantID) throws(CortexError) {
        let table = tenants
        try lifecycle.withLock { _ throws(CortexError) in
            try DataDirectory.removeTree(tenantPath(id))
            try system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
                try table.delete(id.rawValue, in: &transaction)
            }
        }
    }

    private func markClosing(_ id: TenantID) {
        slots.withLock { slots in slots[id]?.closing = true }
    }

    private func finishInterruptedDeletions() throws(CortexError) {
        let interrupted = try system.read { transaction throws(CortexError) in
            try tenants.entries(in: transaction).map(\.value).filter { $0.state == .deleting }
        }
        for record in interrupted {
            logger.notice("finishing interrupted tenant deletion", metadata: ["tenant": "\(record.id)"])
            try removeDeletedTenant(record.id)
        }
    }

    /// For deletion: nil when no slot is open; `.some(nil)` while bodies still
    /// run (the slot is marked closing); `.some(env)` once detached.
    private func detachWhenIdle(_ id: TenantID) -> Environment?? {
        slots.withLock { slots -> Environment?? in
            guard var slot = slots[id] else { return nil }
            guard slot.userCount == 0 else {
                slot.closing = true
                slots[id] = slot
                return .some(nil)
            }
            slots[id] = nil
            return .some(slot.environment)
        }
    }
}
