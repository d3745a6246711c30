import CortexAnalytics
import CortexCore

extension SnapshotRestorer {
    /// Unpacks the snapshot's analytics store (if it has one) into `staging/analytics`,
    /// verifying every object before the caller makes anything live, then adds each
    /// table's shipped log records after its pinned LSN up to `point` (see
    /// ``stageShippedAnalyticsLog(_:in:until:)``). Returns what was added per table.
    func stageAnalytics(
        of manifest: SnapshotManifest, in staging: String, until point: RecoveryPoint, progress: (SnapshotProgress) -> Void
    ) throws(CortexError) -> [ReplayResult] {
        guard let section = manifest.analytics else { return [] }
        progress(.environmentStarted(name: "analytics"))
        try createFolder(staging + "/analytics")
        try AnalyticsSnapshotReader(target: reader.target).extract(section, into: staging + "/analytics")
        var replays: [ReplayResult] = []
        for table in section.tables {
            if let replay = try stageShippedAnalyticsLog(table, in: staging + "/analytics", until: point) { replays.append(replay) }
        }
        let objects = section.objects
        progress(
            .environmentFinished(
                name: "analytics", rawBytes: objects.reduce(0) { $0 + $1.rawBytes }, storedBytes: objects.reduce(0) { $0 + $1.storedBytes }))
        return replays
    }

    /// Writes the shipped log records of `table` (on the snapshot's timeline) with LSN above its
    /// pinned LSN, up to `point`, into the unpacked analytics folder `folder` as one log file,
    /// `<table>/log/log-<pinned LSN + 1>.cxl`: exactly the bytes the append log wrote, so opening
    /// the store replays them into hot rows. For a time, records stop before the first time mark
    /// after it. Nil when nothing is to be replayed (`.snapshot`, or a snapshot without timelines).
    ///
    /// - Throws: `.corrupt` naming a damaged chunk, or the LSNs missing before a chunk.
    func stageShippedAnalyticsLog(
        _ table: AnalyticsSnapshotSection.Table, in folder: String, until point: RecoveryPoint
    ) throws(CortexError) -> ReplayResult? {
        guard point != .snapshot, let text = table.timeline else { return nil }
        guard let timeline = Timeline.parse(text) else { throw .corrupt("analytics table \(table.name) has a malformed timeline \(text)") }
        let name = LogChunk.analyticsEnvironment(table: table.name)
        let path = folder + "/" + AnalyticsFolderLayout.log(table.name, fileName: AnalyticsLogRecords.fileName(firstLSN: table.pinnedLSN + 1))
        let writer = try LocalObjectWriter(finalPath: path)
        var result = ReplayResult(environment: name, lastLSN: table.pinnedLSN)
        do throws(CortexError) {
            let scanned = try archive.forEachRecord(of: name, kind: .analytics, timeline: timeline, after: table.pinnedLSN, until: point) {
                (record: [UInt8]) throws(CortexError) in
                try withBytes(record) { (bytes: UnsafeRawBufferPointer) throws(CortexError) in try writer.append(bytes) }
                result.applied += 1
            }
            guard result.applied > 0 else {
                writer.abort()
                return result
            }
            try writer.commit()
            result.lastLSN = scanned.lastLSN
            result.lastCommittedAt = scanned.lastTime
        } catch {
            writer.abort()
            throw error
        }
        return result
    }

    /// Opens the restored analytics store once: every manifest, segment footer and
    /// log record is read back (and the log replayed); then each table starts a new
    /// timeline, so its later records are shipped beside the archived history.
    func checkRestoredAnalytics(_ folder: String) throws(CortexError) {
        var options = AnalyticsTableOptions()
        options.sealsAutomatically = false
        let store = try AnalyticsStore(folder: folder, options: options)
        for name in store.tableNames { try store.analyticsTable(named: name)?.startNewTimeline() }
    }
}
