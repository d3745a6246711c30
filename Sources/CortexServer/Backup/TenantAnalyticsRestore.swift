public import CortexAnalytics
import CortexApp
public import CortexCore
public import CortexSnapshot
public import CortexStorage

/// Restores one tenant's analytics rows, for `cortex restore --tenant` and the server's online tenant restore.
public enum TenantAnalyticsRestore {
    /// Replaces tenant `id`'s rows in `store` with those of `manifest` plus its shipped analytics log up to
    /// `point`. The tenant's number is looked up in the snapshot's system environment and in `engine`'s
    /// (assigned there if new), so rows move between data folders whose numbers differ. Staging folders go
    /// under `scratch`. Returns the rows appended; nothing happens for a snapshot without analytics.
    @discardableResult
    public static func restore(
        _ id: TenantID, from manifest: SnapshotManifest, restorer: SnapshotRestorer, engine: StorageEngine, store: AnalyticsStore,
        scratch: String, until point: RecoveryPoint
    ) throws(CortexError) -> Int {
        guard manifest.analytics != nil else { return 0 }
        let snapshotNumber = try restorer.withSnapshotSystem(manifest, staging: scratch + "/.restore-system-" + manifest.id) {
            (snapshot: StorageEngine) throws(CortexError) in try AnalyticsTenantNumbers(engine: snapshot).existingNumber(of: id)
        }
        let number = try AnalyticsTenantNumbers(engine: engine).number(of: id)
        return try restorer.restoreTenantAnalytics(
            from: manifest, into: store, snapshotNumber: snapshotNumber, number: number, staging: scratch + "/.restore-analytics-" + manifest.id,
            until: point)
    }
}
