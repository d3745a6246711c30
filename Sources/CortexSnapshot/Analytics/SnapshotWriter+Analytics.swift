import CortexAnalytics
public import CortexCore

extension SnapshotWriter {
    /// Checkpoints the analytics store, writes its objects under `folder`
    /// (`snapshots/<id>/`) and the shared segment folder, then releases the checkpoint.
    func writeAnalytics(
        _ store: AnalyticsStore, folder: String, progress: (SnapshotProgress) -> Void
    ) throws(CortexError) -> AnalyticsSnapshotSection {
        let checkpoint = try store.checkpoint()
        defer { checkpoint.release() }
        let (section, stats) = try AnalyticsSnapshotWriter(target: target).write(checkpoint, folder: folder)
        progress(.analyticsFinished(stats))
        return section
    }
}

extension SnapshotReader {
    /// Deletes shared analytics segments that no complete snapshot refers to (left by
    /// pruned snapshots or by snapshots that never completed). Returns their keys.
    ///
    /// Do not run it while a snapshot is being created in the same target: that
    /// snapshot may count on a segment it found there and not yet listed in a manifest.
    @discardableResult
    public func pruneAnalyticsSegments() throws(CortexError) -> [String] {
        let unreferenced = try AnalyticsSnapshotReader(target: target).unreferencedSegments(kept: try list())
        for key in unreferenced { try target.delete(key) }
        return unreferenced
    }
}
