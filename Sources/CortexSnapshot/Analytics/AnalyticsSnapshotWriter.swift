import CortexAnalytics
import CortexCore
import Foundation

/// Writes the analytics part of a snapshot from a checkpoint of the store.
///
/// Per snapshot, under `snapshots/<id>/analytics/`: `TABLES.zst`,
/// `<table>/MANIFEST.zst` and `<table>/log/log-<first LSN>.cxl.zst` (the hot log
/// tail). Segments are shared by every snapshot of the target, named by the
/// SHA-256 of their content: `analytics/segments/<table>/<sha256>.cxs`. A segment
/// whose object exists with the expected size is not uploaded again.
struct AnalyticsSnapshotWriter {
    /// Segments are stored raw: their column chunks are zstd-compressed already, and a
    /// second zstd pass saved under 1 % in our measurement (docs/backups.md, "Analytics").
    static let segmentCompression = AnalyticsSnapshotSection.Compression.none

    let target: any SnapshotTarget

    /// Uploads the checkpoint's objects; `folder` is `snapshots/<id>/`.
    func write(_ checkpoint: AnalyticsCheckpoint, folder: String) throws(CortexError) -> (AnalyticsSnapshotSection, AnalyticsSnapshotStats) {
        var stats = AnalyticsSnapshotStats()
        let base = folder + "analytics/"
        var section = AnalyticsSnapshotSection(tablesFile: nil, tables: [])
        if let tablesFile = checkpoint.tablesFile {
            section.tablesFile = try put(tablesFile, key: base + "TABLES.zst", compression: .zstd, stats: &stats)
        }
        for table in checkpoint.tables {
            let manifest = try put(table.manifest, key: base + table.name + "/MANIFEST.zst", compression: .zstd, stats: &stats)
            var log: AnalyticsSnapshotSection.Object?
            if !table.logTail.isEmpty {
                log = try put(table.logTail, key: base + table.name + "/log/" + table.logFileName + ".zst", compression: .zstd, stats: &stats)
            }
            var segments: [AnalyticsSnapshotSection.Segment] = []
            for segment in table.segments {
                let raw = try readFile(segment.path)
                guard raw.count == segment.byteCount else {
                    throw .corrupt("analytics segment \(segment.path) has \(raw.count) bytes; its table manifest says \(segment.byteCount)")
                }
                let suffix = Self.segmentCompression == .zstd ? ".cxs.zst" : ".cxs"
                let key = "analytics/segments/" + table.name + "/" + SHA256.hexHash(raw) + suffix
                let object = try put(raw, key: key, compression: Self.segmentCompression, reusing: true, stats: &stats)
                segments.append(AnalyticsSnapshotSection.Segment(file: segment.fileName, rowCount: segment.rowCount, object: object))
            }
            section.tables.append(
                AnalyticsSnapshotSection.Table(
                    name: table.name, sealedLSN: table.sealedLSN, pinnedLSN: table.pinnedLSN, timeline: Timeline.hex(table.timeline), manifest: manifest, log: log,
                    logFile: log == nil ? nil : table.logFileName, segments: segments))
        }
        stats.objectCount = section.objects.count
        return (section, stats)
    }

    /// Stores `raw` under `key` (compressed as `compression` says) unless `reusing`
    /// and an object of the same size is there already (keys of reused objects
    /// name their content).
    private func put(
        _ raw: [UInt8], key: String, compression: AnalyticsSnapshotSection.Compression, reusing: Bool = false,
        stats: inout AnalyticsSnapshotStats
    ) throws(CortexError) -> AnalyticsSnapshotSection.Object {
        let stored = compression == .zstd ? try zstdCompress(raw) : raw
        let rawSHA256 = SHA256.hexHash(raw)
        let object = AnalyticsSnapshotSection.Object(
            key: key, compression: compression, rawBytes: raw.count, rawSHA256: rawSHA256, storedBytes: stored.count,
            sha256: compression == .none ? rawSHA256 : SHA256.hexHash(stored))
        if reusing, try target.size(of: key) == stored.count {
            stats.reusedSegmentCount += 1
            stats.reusedByteCount += stored.count
            return object
        }
        try target.write(key, bytes: stored)
        stats.uploadedObjectCount += 1
        stats.uploadedByteCount += stored.count
        return object
    }
}

/// `bytes` as one zstd frame with its content checksum.
func zstdCompress(_ bytes: [UInt8]) throws(CortexError) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(bytes.count / 2 + 64)
    let compressor = try ZstdCompressor()
    let sink = { (chunk: UnsafeRawBufferPointer) throws(CortexError) in output.append(contentsOf: chunk) }
    try withBytes(bytes) { (buffer: UnsafeRawBufferPointer) throws(CortexError) in try compressor.compress(buffer, sink: sink) }
    try compressor.finish(sink: sink)
    return output
}

/// The whole file at `path`.
func readFile(_ path: String) throws(CortexError) -> [UInt8] {
    do {
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
        throw .unavailable("cannot read \(path): \(error.localizedDescription)")
    }
}
