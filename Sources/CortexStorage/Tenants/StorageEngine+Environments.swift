public import CortexCore
import Synchronization

// Opening, sharing and closing tenant environments.
extension StorageEngine {
    /// Runs `body` with the tenant's environment, opening it if needed; the
    /// environment stays open until `body` returns. Throws `.notFound` for an
    /// unknown (or being-deleted) tenant.
    public func withTenant<T>(
        _ id: TenantID, _ body: (Environment) async throws(CortexError) -> T
    ) async throws(CortexError) -> T {
        let environment = try acquire(id)
        defer { release(id) }
        return try await body(environment)
    }

    /// Synchronous form of ``withTenant(_:_:)`` for tools and worker threads.
    public func withTenantSync<T>(_ id: TenantID, _ body: (Environment) throws(CortexError) -> T) throws(CortexError) -> T {
        let environment = try acquire(id)
        defer { release(id) }
        return try body(environment)
    }

    /// Runs `body` with the tenant's environment only when it is open and not closing, without
    /// waiting for anything (no lifecycle lock, no open); nil otherwise. For callers that must not
    /// block (a request's own task) and can fall back to ``withTenantSync(_:_:)`` elsewhere.
    public func withOpenTenantSync<T>(_ id: TenantID, _ body: (Environment) throws(CortexError) -> T) throws(CortexError) -> T? {
        guard let environment = acquireIfOpen(id) else { return nil }
        defer { release(id) }
        return try body(environment)
    }

    /// Closes tenant environments unused for ``StorageOptions/tenantIdleTimeout``; returns how many.
    @discardableResult
    public func closeIdleTenants() -> Int {
        let deadline = clock.nowMilliseconds() - options.tenantIdleTimeout.wholeMilliseconds
        let idle = takeSlots { slot in slot.userCount == 0 && slot.lastUsedAt <= deadline }
        for environment in idle { environment.close() }
        return idle.count
    }

    /// Ids of the tenants whose environments are open now.
    public func openTenantIDs() -> [TenantID] {
        slots.withLock { $0.keys.sorted() }
    }

    /// Statistics of the system environment and every open tenant environment.
    public func environmentStatistics() -> [EnvironmentStatistics] {
        // Pin each environment while reading it so eviction cannot close it underneath.
        let pinned = slots.withLock { slots -> [TenantID] in
            for id in slots.keys { slots[id]?.userCount += 1 }
            return Array(slots.keys)
        }
        var statistics = [system.statistics()]
        for id in pinned.sorted() {
            if let environment = slots.withLock({ $0[id]?.environment }) { statistics.append(environment.statistics()) }
            release(id, touch: false)
        }
        return statistics
    }

    func acquire(_ id: TenantID) throws(CortexError) -> Environment {
        if let open = acquireIfOpen(id) { return open }
        return try openTenant(id)
    }

    /// A use of the tenant's environment when it is open and not closing; nil otherwise.
    func acquireIfOpen(_ id: TenantID) -> Environment? {
        let now = clock.nowMilliseconds()
        return slots.withLock { slots -> Environment? in
            guard var slot = slots[id], !slot.closing else { return nil }
            slot.userCount += 1
            slot.lastUsedAt = now
            slots[id] = slot
            return slot.environment
        }
    }

    /// Ends one use; `touch` false for bookkeeping reads (metrics) that must not keep a tenant from idling.
    func release(_ id: TenantID, touch: Bool = true) {
        let now = clock.nowMilliseconds()
        slots.withLock { slots in
            guard var slot = slots[id] else { return }
            precondition(slot.userCount > 0, "release without acquire for tenant \(id)")
            slot.userCount -= 1
            if touch { slot.lastUsedAt = now }
            slots[id] = slot
        }
    }

    /// Registers an environment `createTenant` just made (called under `lifecycle`), unused.
    func adopt(_ environment: Environment, for id: TenantID) {
        let previous = slots.withLock { slots -> Environment? in
            defer { slots[id] = Slot(environment: environment, lastUsedAt: clock.nowMilliseconds()) }
            return slots[id]?.environment
        }
        precondition(previous == nil, "tenant \(id) was open before it was created")
    }

    /// The slow path of `acquire`: under `lifecycle`, so it cannot interleave
    /// with a create or delete of the same tenant, and LMDB never sees one
    /// environment opened twice in this process.
    private func openTenant(_ id: TenantID) throws(CortexError) -> Environment {
        let environment = try lifecycle.withLock { _ throws(CortexError) -> Environment in
            let now = clock.nowMilliseconds()
            if let open = slots.withLock({ slots -> Environment? in
                guard var slot = slots[id], !slot.closing else { return nil }
                slot.userCount += 1
                slot.lastUsedAt = now
                slots[id] = slot
                return slot.environment
            }) {
                return open
            }
            guard let record = try tenants.get(id.rawValue, in: system), record.state == .active else {
                throw .notFound("tenant '\(id)' does not exist")
            }
            let environment = try Environment(
                name: "tenant/\(id)", path: tenantPath(id), options: options.environment, pool: pool, logger: logger,
                onLoggedCommit: changes.hook)
            slots.withLock { $0[id] = Slot(environment: environment, userCount: 1, lastUsedAt: now) }
            return environment
        }
        evictBeyondLimit()
        return environment
    }

    /// Closes least-recently-used idle environments while more than the limit are open.
    func evictBeyondLimit() {
        let evicted = slots.withLock { slots -> [Environment] in
            let excess = slots.count - options.tenantsOpenMax
            guard excess > 0 else { return [] }
            let victims = slots.filter { $0.value.userCount == 0 }
                .sorted { $0.value.lastUsedAt < $1.value.lastUsedAt }
                .prefix(excess)
            return victims.map { victim in
                slots[victim.key] = nil
                return victim.value.environment
            }
        }
        for environment in evicted { environment.close() }
    }

    private func takeSlots(where shouldTake: (Slot) -> Bool) -> [Environment] {
        slots.withLock { slots -> [Environment] in
            let taken = slots.filter { shouldTake($0.value) }
            for id in taken.keys { slots[id] = nil }
            return taken.values.map(\.environment)
        }
    }
}
