import CortexAnalytics
import CortexCore

extension SnapshotRestorer {
    /// Unpacks the snapshot's analytics store (if it has one) into `staging/analytics`,
    /// verifying every object before the caller makes anything live.
    func stageAnalytics(of manifest: SnapshotManifest, in staging: String, progress: (SnapshotProgress) -> Void) throws(CortexError) {
        guard let section = manifest.analytics else { return }
        progress(.environmentStarted(name: "analytics"))
        try createFolder(staging + "/analytics")
        try AnalyticsSnapshotReader(target: reader.target).extract(section, into: staging + "/analytics")
        let objects = section.objects
        progress(
            .environmentFinished(
                name: "analytics", rawBytes: objects.reduce(0) { $0 + $1.rawBytes }, storedBytes: objects.reduce(0) { $0 + $1.storedBytes }))
    }

    /// Opens the restored analytics store once: every manifest, segment footer and
    /// log record is read back (and the log tail replayed) before the restore returns.
    func checkRestoredAnalytics(_ folder: String) throws(CortexError) {
        var options = AnalyticsTableOptions()
        options.sealsAutomatically = false
        _ = try AnalyticsStore(folder: folder, options: options)
    }
}
