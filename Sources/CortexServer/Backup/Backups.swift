import CortexAnalytics
import CortexApp
import CortexCore
import CortexSnapshot
import CortexStorage
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The server's side of backups: ships the change log every `backup.ship_interval_ms`, takes
/// scheduled and requested snapshots, and restores single tenants while the others keep serving.
///
/// Shipping and snapshots run on their own two threads (never the request pools), so a long
/// snapshot does not hold up shipping: the recovery point stays one ship interval. One snapshot
/// and one tenant restore run at a time.
final class Backups: Sendable {
    let engine: StorageEngine
    /// The server's live analytics store: snapshots include it (its checkpoint does not block appends).
    let analytics: AnalyticsStore?
    /// nil when backups are off (`backup.target = none`): the change log is then discarded each interval.
    let target: (any SnapshotTarget)?
    let settings: BackupSettings
    let executor: any BlockingExecutor
    let logger: Logger
    private let snapshotRunning = Mutex(false)
    /// One shipper at a time: the interval, `POST /admin/log/ship` and a tenant restore all ship, and a
    /// log's shipping (read, upload, mark shipped) assumes no other shipper of it runs meanwhile.
    private let shipping = Mutex(())
    private let lastSnapshotAt: Mutex<ContinuousClock.Instant>

    init(
        engine: StorageEngine, analytics: AnalyticsStore?, settings: BackupSettings, executor: any BlockingExecutor, logger: Logger
    ) throws(CortexError) {
        self.engine = engine
        self.analytics = analytics
        self.settings = settings
        self.executor = executor
        self.logger = logger
        target = try settings.target.map { (url: String) throws(CortexError) in try snapshotTarget(url: url, endpoint: settings.endpoint) }
        lastSnapshotAt = Mutex(ContinuousClock.now)
    }

    /// Ships every environment with new change records and every analytics table with new log
    /// records; logs failures (they are retried next round).
    @discardableResult
    func ship() async -> ShipReport {
        let engine = engine
        guard let target else {
            try? await executor.run { () throws(CortexError) in LogShipper.discardChanged(in: engine) }
            return ShipReport()
        }
        let analytics = analytics
        let report: ShipReport
        do {
            report = try await executor.run { [self] () throws(CortexError) in
                self.shipping.withLock { _ in
                    let shipper = LogShipper(engine: engine, target: target)
                    var report = shipper.shipChanged()
                    if let analytics { report.add(shipper.shipAnalytics(analytics)) }
                    return report
                }
            }
        } catch {
            logger.warning("change-log shipping did not run", metadata: ["error": "\(error.message)"])
            return ShipReport()
        }
        for (name, message) in report.failures.sorted(by: { $0.key < $1.key }) {
            logger.warning("change-log shipping failed; retrying next round", metadata: ["environment": "\(name)", "error": "\(message)"])
        }
        if report.records > 0 {
            logger.debug("shipped change records", metadata: ["records": "\(report.records)", "chunks": "\(report.chunks)", "bytes": "\(report.storedBytes)"])
        }
        return report
    }

    /// Takes a snapshot now; with `prune`, keeps the newest `backup.snapshot_keep`.
    func snapshot(prune: Bool) async throws(CortexError) -> SnapshotManifest {
        guard let target else { throw .unavailable("backups are off (backup.target = none)") }
        let started = snapshotRunning.withLock { running -> Bool in
            defer { running = true }
            return !running
        }
        guard started else { throw .conflict("a snapshot is already running") }
        defer { snapshotRunning.withLock { $0 = false } }
        let engine = engine
        let analytics = analytics
        let keep = settings.snapshotKeep
        let manifest = try await executor.run { () throws(CortexError) -> SnapshotManifest in
            let manifest = try SnapshotWriter(engine: engine, target: target, analytics: analytics).create()
            if prune { _ = try SnapshotReader(target: target).prune(keep: keep) }
            return manifest
        }
        lastSnapshotAt.withLock { $0 = ContinuousClock.now }
        logger.notice("snapshot taken", metadata: [
            "id": "\(manifest.id)", "environments": "\(manifest.environments.count)", "stored_bytes": "\(manifest.storedBytes)",
        ])
        return manifest
    }

    func list() async throws(CortexError) -> [SnapshotManifest] {
        guard let target else { throw .unavailable("backups are off (backup.target = none)") }
        return try await executor.run { () throws(CortexError) in try SnapshotReader(target: target).list() }
    }

    /// Restores one tenant from the target while the server runs: the base snapshot (`snapshotID`,
    /// else the newest that reaches `point`) plus its shipped log up to `point`, its LMDB environment
    /// and its analytics rows. Its own unshipped records (and the analytics log) are shipped first, so
    /// "latest" includes every acknowledged write. A snapshot follows, so the restored tenant's new
    /// timeline has a base for later restores.
    func restoreTenant(_ id: TenantID, snapshotID: String?, until point: RecoveryPoint) async throws(CortexError) -> (snapshot: String?, replay: ReplayResult) {
        guard let target else { throw .unavailable("backups are off (backup.target = none)") }
        guard try engine.tenant(id) != nil || point != .snapshot else { throw .notFound("tenant '\(id)' does not exist") }
        let engine = engine
        let analytics = analytics
        let result = try await executor.run { [self] () throws(CortexError) -> (String?, ReplayResult) in
            try self.shipping.withLock { (_) throws(CortexError) in
                if try engine.tenant(id) != nil {
                    _ = try engine.withTenantSync(id) { (environment: Environment) throws(CortexError) in
                        try LogShipper(engine: engine, target: target).ship(environment)
                    }
                }
                if let analytics {
                    let report = LogShipper(engine: engine, target: target).shipAnalytics(analytics)
                    if let (name, message) = report.failures.min(by: { $0.key < $1.key }) {
                        throw .unavailable("shipping the analytics log before the restore failed: \(name): \(message)")
                    }
                }
            }
            let reader = SnapshotReader(target: target)
            let base = try snapshotID == nil ? reader.base(for: point, tenant: id) : reader.manifest(id: snapshotID)
            let restorer = SnapshotRestorer(target: target)
            let replay = try restorer.restoreTenant(id, from: base, into: engine, until: point)
            if let base, let analytics {
                try TenantAnalyticsRestore.restore(
                    id, from: base, restorer: restorer, engine: engine, store: analytics, scratch: engine.options.dataDirectory, until: point)
            }
            return (base?.id, replay)
        }
        logger.notice("restored tenant", metadata: [
            "tenant": "\(id)", "snapshot": "\(result.0 ?? "none")", "applied": "\(result.1.applied)", "lsn": "\(result.1.lastLSN)",
        ])
        do throws(CortexError) {
            _ = try await snapshot(prune: false)
        } catch {
            logger.warning("no snapshot after the tenant restore; take one before relying on later restores of this tenant",
                           metadata: ["tenant": "\(id)", "error": "\(error.message)"])
        }
        return result
    }

    /// Whether a scheduled snapshot is due.
    var snapshotDue: Bool {
        guard let interval = settings.snapshotInterval, target != nil else { return false }
        return ContinuousClock.now - lastSnapshotAt.withLock { $0 } >= interval
    }
}

/// Runs shipping every `backup.ship_interval_ms` and scheduled snapshots; ships once more at shutdown.
struct BackupService: Service {
    let backups: Backups

    func run() async throws {
        await runEvery(backups.settings.shipInterval) {
            await backups.ship()
            if backups.snapshotDue {
                do throws(CortexError) {
                    _ = try await backups.snapshot(prune: true)
                } catch {
                    backups.logger.warning("scheduled snapshot failed", metadata: ["error": "\(error.message)"])
                }
            }
        }
        // Graceful shutdown: what was acknowledged since the last round goes out now.
        await backups.ship()
    }
}
