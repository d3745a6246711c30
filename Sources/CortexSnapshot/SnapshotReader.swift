public import CortexCore
import CortexStorage
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Lists, verifies, prunes and restores the snapshots in a target.
public struct SnapshotReader {
    let target: any SnapshotTarget

    public init(target: any SnapshotTarget) { self.target = target }

    /// Complete snapshots (those with a manifest), oldest first.
    public func list() throws(CortexError) -> [SnapshotManifest] {
        var manifests: [SnapshotManifest] = []
        for key in try target.list(prefix: "snapshots/") where key.hasSuffix("/manifest.json") {
            manifests.append(try SnapshotManifest.decode(try target.readAll(key), key: key))
        }
        // By creation time: ids sort by it too, but format-1 ids only to the second.
        return manifests.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    /// The manifest of snapshot `id`, or of the newest one.
    public func manifest(id: String?) throws(CortexError) -> SnapshotManifest {
        guard let id else {
            guard let newest = try list().last else { throw .notFound("no complete snapshot in \(target.description)") }
            return newest
        }
        guard SnapshotID.isValid(id) else { throw .invalidInput("snapshot id \(id.debugDescription) is malformed") }
        let key = "snapshots/" + id + "/manifest.json"
        let bytes: [UInt8]
        do {
            bytes = try target.readAll(key)
        } catch where error.code == .notFound {
            throw .notFound("snapshot \(id) does not exist in \(target.description) (or is incomplete: it has no manifest)")
        }
        return try SnapshotManifest.decode(bytes, key: key)
    }

    /// The newest snapshot from which `point` can be reached: for a time, the newest whose every
    /// environment was pinned at or before it; otherwise the newest. With `tenant`, only snapshots
    /// holding that tenant count. Nil when none qualifies.
    public func base(for point: RecoveryPoint, tenant: TenantID? = nil) throws(CortexError) -> SnapshotManifest? {
        try list().last { manifest in
            if let tenant, !manifest.environments.contains(where: { $0.tenant == tenant.rawValue }) { return false }
            if case .time(let time) = point { return manifest.pinnedAt <= time }
            return true
        }
    }

    /// Reads every object of the snapshot, checks sizes and both SHA-256
    /// digests, and decompresses it (zstd checks its own content checksum).
    /// Throws `.corrupt` naming every bad or missing object.
    public func verify(_ manifest: SnapshotManifest) throws(CortexError) {
        var problems: [String] = []
        for entry in manifest.environments {
            do throws(CortexError) {
                try stream(entry, of: manifest) { _ throws(CortexError) in }
            } catch {
                problems.append(error.message)
            }
        }
        if let analytics = manifest.analytics { problems += AnalyticsSnapshotReader(target: target).verify(analytics) }
        guard problems.isEmpty else {
            throw .corrupt("snapshot \(manifest.id) failed verification: " + problems.joined(separator: "; "))
        }
    }

    /// Deletes all but the newest `keep` complete snapshots (and any
    /// incomplete snapshot older than the oldest kept one); returns the deleted ids.
    public func prune(keep: Int) throws(CortexError) -> [String] {
        guard keep >= 1 else { throw .invalidInput("--keep must be at least 1; got \(keep)") }
        let complete = try list().map(\.id)
        guard complete.count > keep else {
            try pruneAnalyticsSegments()
            return []
        }
        let oldestKept = complete[complete.count - keep]
        var deleted: [String] = []
        let keys = try target.list(prefix: "snapshots/")
        var byID: [String: [String]] = [:]
        for key in keys {
            let parts = key.split(separator: "/")
            guard parts.count >= 3 else { continue }
            byID[String(parts[1]), default: []].append(key)
        }
        for (id, objects) in byID.sorted(by: { $0.key < $1.key }) where id < oldestKept {
            // The manifest goes first: a half-deleted snapshot is then merely incomplete.
            let manifestFirst = objects.sorted { a, b in
                (a.hasSuffix("/manifest.json") ? 0 : 1, a) < (b.hasSuffix("/manifest.json") ? 0 : 1, b)
            }
            for key in manifestFirst { try target.delete(key) }
            deleted.append(id)
        }
        try pruneLog(keeping: try list())
        try pruneAnalyticsSegments()
        return deleted
    }

    /// Deletes shipped log chunks no kept snapshot needs: on each environment's (and analytics
    /// table's) timeline, those ending at or before the smallest LSN any kept snapshot holds for it.
    /// Chunks of timelines no kept snapshot holds are left alone (a snapshot of them may still come).
    private func pruneLog(keeping kept: [SnapshotManifest]) throws(CortexError) {
        var floor: [String: UInt64] = [:]  // "<environment> <timeline>" → smallest kept LSN
        func hold(_ name: String, _ timeline: String?, _ lsn: UInt64?) {
            guard let lsn, let timeline else { return }
            let key = name + " " + timeline
            floor[key] = min(floor[key] ?? lsn, lsn)
        }
        for manifest in kept {
            for entry in manifest.environments { hold(entry.name, entry.timeline, entry.lsn) }
            for table in manifest.analytics?.tables ?? [] {
                hold(LogChunk.analyticsEnvironment(table: table.name), table.timeline, table.pinnedLSN)
            }
        }
        let archive = LogArchive(target: target)
        for (key, lsn) in floor.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: " ")
            guard parts.count == 2, let timeline = Timeline.parse(String(parts[1])) else { continue }
            for chunk in try archive.chunks(environment: String(parts[0]), timeline: timeline) where chunk.range.upperBound <= lsn {
                try target.delete(chunk.key)
            }
        }
    }

    /// Decompresses one environment into `folder/data.mdb`, verifying as it goes.
    func extract(_ entry: SnapshotManifest.EnvironmentEntry, of manifest: SnapshotManifest, into folder: String) throws(CortexError) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw .unavailable("cannot create \(folder): \(error.localizedDescription)")
        }
        let writer = try LocalObjectWriter(finalPath: folder + "/data.mdb")
        do throws(CortexError) {
            try stream(entry, of: manifest) { (chunk: UnsafeRawBufferPointer) throws(CortexError) in try writer.append(chunk) }
            try writer.commit()
        } catch {
            writer.abort()
            throw error
        }
    }

    /// Streams the decompressed bytes of `entry` to `sink`, then checks sizes and digests.
    private func stream(
        _ entry: SnapshotManifest.EnvironmentEntry, of manifest: SnapshotManifest,
        sink: (UnsafeRawBufferPointer) throws(CortexError) -> Void
    ) throws(CortexError) {
        let key = "snapshots/" + manifest.id + "/" + entry.object
        var storedHasher = SHA256(), rawHasher = SHA256()
        var storedBytes = 0, rawBytes = 0
        let decompressor = try ZstdDecompressor()
        do throws(CortexError) {
            try target.read(key) { (chunk: UnsafeRawBufferPointer) throws(CortexError) in
                storedHasher.update(chunk)
                storedBytes += chunk.count
                try decompressor.decompress(chunk) { (raw: UnsafeRawBufferPointer) throws(CortexError) in
                    rawHasher.update(raw)
                    rawBytes += raw.count
                    try sink(raw)
                }
            }
            try decompressor.finish()
        } catch where error.code == .corrupt {
            throw .corrupt("\(key): \(error.message)")
        }
        guard storedBytes == entry.storedBytes else {
            throw .corrupt("\(key) has \(storedBytes) bytes; the manifest says \(entry.storedBytes)")
        }
        guard SHA256.hex(storedHasher.finalize()) == entry.sha256 else {
            throw .corrupt("\(key) does not match its SHA-256 in the manifest")
        }
        guard rawBytes == entry.rawBytes, SHA256.hex(rawHasher.finalize()) == entry.rawSHA256 else {
            throw .corrupt("\(key) decompresses to content that does not match the manifest")
        }
    }
}
