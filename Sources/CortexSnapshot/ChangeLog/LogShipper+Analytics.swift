public import CortexAnalytics
public import CortexCore

extension LogShipper {
    /// Ships every table of `store` with unshipped append-log records, as chunks under
    /// `wal/analytics/<table>/<timeline>/` (docs/backups.md, "Analytics"). Failed tables
    /// are retried next round; the report names them (`analytics/<table>`).
    ///
    /// Open `store` with ``AnalyticsTableOptions/keepsLogUntilShipped`` so that seals
    /// keep the log files until they are shipped; otherwise records sealed before a
    /// round are never shipped (a restore to a point among them then reports the gap).
    @discardableResult
    public func shipAnalytics(_ store: AnalyticsStore) -> ShipReport {
        var report = ShipReport()
        for name in store.tableNames {
            guard let table = store.analyticsTable(named: name), table.shippedLSN < table.durableLSN else { continue }
            do throws(CortexError) {
                report.add(try ship(table))
            } catch {
                report.failures[LogChunk.analyticsEnvironment(table: name)] = error.message
            }
        }
        return report
    }

    /// Ships every unshipped record of one analytics table.
    public func ship(_ table: AnalyticsTable) throws(CortexError) -> ShipReport {
        try ship(
            .analytics, name: LogChunk.analyticsEnvironment(table: table.schema.name.lowercased()), timeline: table.timeline,
            shippedLSN: { () throws(CortexError) in table.shippedLSN },
            records: { (after: UInt64) throws(CortexError) in try table.logRecords(after: after, byteCountMax: chunkByteCountMax) },
            markShipped: { (lsn: UInt64) throws(CortexError) in try table.markShipped(through: lsn) })
    }
}
