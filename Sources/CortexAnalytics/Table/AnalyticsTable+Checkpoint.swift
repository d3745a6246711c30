#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CortexCore
import Synchronization

/// Segments held by checkpoints. A seal, merge or compaction that drops a pinned
/// segment from the manifest leaves its file in place; the last unpin deletes it.
struct SegmentPins {
    /// Segment id → number of checkpoints holding it.
    var counts: [UInt64: Int] = [:]
    /// Pinned segments no longer in the manifest: id → file path, deleted at the last unpin.
    var dropped: [UInt64: String] = [:]
}

/// One table as of one moment: its MANIFEST, the segment files it lists (pinned
/// until the owning ``AnalyticsCheckpoint`` is released) and the log records above
/// the manifest's sealed LSN up to a pinned LSN.
///
/// Restored as `<name>/MANIFEST`, `<name>/segments/<file name>` and
/// `<name>/log/<logFileName>`, the table opens with exactly the rows of every
/// record up to `pinnedLSN` (docs/analytics-format.md, "Checkpoints").
public struct AnalyticsTableCheckpoint: Sendable {
    /// One segment file the manifest lists.
    public struct SegmentFile: Sendable, Equatable {
        public let id: UInt64
        /// `<16 hex digits>.cxs`, the name inside `<table>/segments/`.
        public let fileName: String
        /// Where the file is now; readable until the checkpoint is released.
        public let path: String
        public let byteCount: Int
        public let rowCount: Int
    }

    /// The table's folder name (its name, lowercased).
    public let name: String
    /// The MANIFEST file's bytes.
    public let manifest: [UInt8]
    /// Every log record up to this LSN is in the listed segments.
    public let sealedLSN: UInt64
    /// The checkpoint holds every record up to this LSN: the segments up to
    /// `sealedLSN`, `logTail` above it.
    public let pinnedLSN: UInt64
    /// The table's history (``AnalyticsTable/timeline``): its records after `pinnedLSN` are
    /// shipped under this timeline.
    public let timeline: UInt64
    public let segments: [SegmentFile]
    /// Whole log records (header and payload) with `sealedLSN < LSN ≤ pinnedLSN`,
    /// in LSN order: a valid log file.
    public let logTail: [UInt8]

    /// The name the log tail takes in `<table>/log/` (`log-<sealedLSN + 1>.cxl`).
    public var logFileName: String { AppendLog.fileName(firstLSN: sealedLSN + 1) }
}

extension AnalyticsTable {
    /// Takes this table's part of a checkpoint. Holds `publishing` (seals, merges and
    /// bulk loads wait) while it reads the manifest and the log tail; appends go on.
    /// The listed segments stay pinned until ``unpin(_:)``.
    func checkpoint() throws(CortexError) -> AnalyticsTableCheckpoint {
        try publishing.withLock { _ throws(CortexError) -> AnalyticsTableCheckpoint in
            // Under `publishing` the file is the manifest the state holds; no publish can replace it now.
            let bytes = FileIO.exists(manifestPath) ? try FileIO.readAll(manifestPath) : TableManifest().encoded()
            let manifest = try TableManifest.decode(bytes, path: manifestPath)
            // Taken after the manifest: a seal covers only durable records, so pinned ≥ sealed.
            let pinned = committer.durableLSN
            assert(pinned >= manifest.sealedLSN, "durable LSN below the sealed LSN")
            let ids = manifest.entries.map(\.id)
            pin(ids)
            do throws(CortexError) {
                let tail = try logTail(after: manifest.sealedLSN, through: max(pinned, manifest.sealedLSN))
                let segments = manifest.entries.map { entry in
                    AnalyticsTableCheckpoint.SegmentFile(
                        id: entry.id, fileName: Self.segmentFileName(id: entry.id), path: Self.segmentPath(folder: segmentFolder, id: entry.id),
                        byteCount: entry.byteCount, rowCount: entry.rowCount)
                }
                return AnalyticsTableCheckpoint(
                    name: schema.name.lowercased(), manifest: bytes, sealedLSN: manifest.sealedLSN, pinnedLSN: max(pinned, manifest.sealedLSN),
                    timeline: timeline, segments: segments, logTail: tail)
            } catch {
                unpin(ids)
                throw error
            }
        }
    }

    /// The bytes of the log records `sealed + 1 … pinned`, read from the log files
    /// while appends continue. Caller holds `publishing`, so no seal deletes a file
    /// that holds one of them; files whose records are all ≤ `sealed` are skipped
    /// (an earlier seal may be deleting them).
    ///
    /// - Throws: `.corrupt` when a record in that range is missing or damaged.
    private func logTail(after sealed: UInt64, through pinned: UInt64) throws(CortexError) -> [UInt8] {
        guard pinned > sealed else { return [] }
        let files = try AppendLog.files(in: folder + "/log")
        var tail: [UInt8] = []
        var expected = sealed + 1
        for (index, file) in files.enumerated() where expected <= pinned {
            if index + 1 < files.count, files[index + 1].firstLSN <= expected { continue }
            let bytes = try FileIO.readAll(file.path)
            var offset = 0
            // Records past `pinned` may be half written right now: stop before them.
            while expected <= pinned, let (record, next) = AppendLog.parse(bytes, at: offset) {
                if record.lsn == expected {
                    tail.append(contentsOf: bytes[offset..<next])
                    expected += 1
                }
                offset = next
            }
        }
        guard expected > pinned else {
            throw .corrupt("append log of table \(schema.name): record \(expected) (of \(sealed + 1)…\(pinned)) is missing or damaged")
        }
        return tail
    }

    func pin(_ ids: [UInt64]) {
        pins.withLock { pins in for id in ids { pins.counts[id, default: 0] += 1 } }
    }

    /// Releases one checkpoint's hold on `ids`; deletes the files of segments the
    /// manifest dropped meanwhile once nothing holds them. A file that cannot be
    /// deleted stays as an orphan, which the next open removes.
    func unpin(_ ids: [UInt64]) {
        let paths = pins.withLock { pins -> [String] in
            var paths: [String] = []
            for id in ids {
                guard let count = pins.counts[id] else { preconditionFailure("segment \(id) unpinned more often than pinned") }
                if count > 1 {
                    pins.counts[id] = count - 1
                    continue
                }
                pins.counts[id] = nil
                if let path = pins.dropped.removeValue(forKey: id) { paths.append(path) }
            }
            return paths
        }
        for path in paths { FileIO.removeLeavingOrphan(path) }
    }

    /// Deletes the files of segments a publish dropped, except pinned ones (deleted at their last unpin).
    func removeSegmentFiles(_ removed: [SealedSegment]) throws(CortexError) {
        let unpinned = pins.withLock { pins in
            removed.filter { sealed in
                guard pins.counts[sealed.entry.id] != nil else { return true }
                pins.dropped[sealed.entry.id] = sealed.path
                return false
            }
        }
        for sealed in unpinned { try FileIO.remove(sealed.path) }
    }
}

extension FileIO {
    /// Removes `path` when it can; a failure leaves a file that recovery removes later.
    static func removeLeavingOrphan(_ path: String) {
        _ = unsafe unlink(path)
    }
}
