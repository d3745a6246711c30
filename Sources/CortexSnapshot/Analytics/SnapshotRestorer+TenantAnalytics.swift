public import CortexAnalytics
public import CortexCore
public import CortexStorage
import Foundation

extension SnapshotRestorer {
    /// Opens the snapshot's system environment (extracted and verified into
    /// `staging`, a folder that must not exist) as a storage engine, runs `body`
    /// on it, then removes `staging`. For lookups in the snapshot's registry,
    /// such as the analytics tenant numbers of the moment of the snapshot.
    public func withSnapshotSystem<T>(
        _ manifest: SnapshotManifest, staging: String, _ body: (StorageEngine) throws(CortexError) -> T
    ) throws(CortexError) -> T {
        guard let system = manifest.environments.first(where: { $0.name == "system" && $0.tenant == nil }) else {
            throw .corrupt("snapshot \(manifest.id) has no system environment")
        }
        defer { removeTreeLeavingLitter(staging) }
        try reader.extract(system, of: manifest, into: staging + "/system")
        try createFolder(staging + "/tenants")
        try StorageEngine.markRestoredDataFolder(staging)
        let engine = try StorageEngine(options: StorageOptions(dataDirectory: staging))
        defer { engine.close() }
        return try body(engine)
    }

    /// Replaces the analytics rows of one tenant in `store` with its rows in the
    /// snapshot plus the shipped analytics log up to `point`; other tenants' rows are untouched.
    ///
    /// Analytics rows carry tenant numbers, which may differ between the data folder
    /// the snapshot came from and `store`'s: `snapshotNumber` is the tenant's number in
    /// the snapshot (nil: it had none, so no rows), `number` its number in `store`.
    /// Every object is verified while the snapshot's analytics store is unpacked into
    /// `staging` (removed afterwards) together with each table's shipped log records
    /// after the snapshot up to `point` (replayed when the unpacked store opens, so a
    /// `deleteTenant` among them removes the rows before it); only then are the tenant's rows in `store`
    /// deleted (``AnalyticsTable/deleteTenant(_:)``) and the snapshot's appended
    /// through the append log, table by table. A failure after the delete leaves the
    /// tenant with part of its rows: run the restore again.
    ///
    /// - Returns: the rows appended.
    public func restoreTenantAnalytics(
        from manifest: SnapshotManifest, into store: AnalyticsStore, snapshotNumber: Int64?, number: Int64, staging: String,
        until point: RecoveryPoint = .snapshot
    ) throws(CortexError) -> Int {
        guard let section = manifest.analytics else { return 0 }
        defer { removeTreeLeavingLitter(staging) }
        try createFolder(staging)
        try AnalyticsSnapshotReader(target: reader.target).extract(section, into: staging)
        for table in section.tables { _ = try stageShippedAnalyticsLog(table, in: staging, until: point) }
        var options = AnalyticsTableOptions()
        options.sealsAutomatically = false
        let snapshotStore = try AnalyticsStore(folder: staging, options: options)
        var restored = 0
        for name in snapshotStore.tableNames {
            guard let source = snapshotStore.analyticsTable(named: name) else { continue }
            let table: AnalyticsTable
            if let existing = store.analyticsTable(named: name) { table = existing } else { table = try store.createTable(source.schema, ifNotExists: true) }
            guard table.schema == source.schema else {
                throw .conflict("table \(name) has another schema in the snapshot than in the data folder; its rows cannot be restored")
            }
            try table.deleteTenant(number)
            guard let snapshotNumber else { continue }
            restored += try copyRows(of: snapshotNumber, from: source, to: table, as: number)
        }
        return restored
    }

    /// Appends the rows of tenant `tenant` in `source` to `table`, with `number` in the tenant column.
    private func copyRows(of tenant: Int64, from source: AnalyticsTable, to table: AnalyticsTable, as number: Int64) throws(CortexError) -> Int {
        let request = ScanRequest(tenant: tenant)
        let schema = source.schema
        var rows = 0
        for unit in try source.scanUnits(for: request) {
            try unit.forEachBlock(request) { (block: any ColumnBlock) throws(CortexError) in
                var columns: [ColumnVector] = []
                for index in schema.columns.indices {
                    columns.append(
                        index == schema.tenantColumn
                            ? ColumnVector(.int64(ContiguousArray(repeating: number, count: block.rowCount)))
                            : try block.column(index))
                }
                try table.append(columns)
                rows += block.rowCount
            }
        }
        return rows
    }
}

/// Removes a staging folder on the way out of a restore; what cannot be removed
/// stays as a hidden folder of the destination (restore ignores dot entries).
func removeTreeLeavingLitter(_ path: String) {
    if FileManager.default.fileExists(atPath: path) { _ = try? FileManager.default.removeItem(atPath: path) }
}
