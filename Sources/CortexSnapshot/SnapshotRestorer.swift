public import CortexCore
public import CortexStorage
import Foundation

/// Restores a snapshot into a data folder, every environment or one tenant, then replays the
/// shipped change log up to a recovery point. Every object, chunk and record is checked and the
/// replay runs on staged copies before anything is made live; a failed restore leaves the folder
/// as it was. Every restored environment starts a new timeline: its later records never mix with
/// the archived history of the same LSNs.
public struct SnapshotRestorer {
    let reader: SnapshotReader
    let archive: LogArchive

    public init(target: any SnapshotTarget) {
        reader = SnapshotReader(target: target)
        archive = LogArchive(target: target)
    }

    /// What a restore did.
    public struct Outcome: Sendable, Equatable {
        public var tenants: [TenantID] = []
        /// Per environment replayed: records applied and the LSN reached.
        public var replays: [ReplayResult] = []
    }

    /// Restores every environment of `manifest` into `dataFolder`, which must
    /// be missing or empty unless `replacing` and it is a Cortex data folder
    /// (then its contents are removed once the snapshot has been verified),
    /// and replays the shipped log up to `point`. Tenants created after the
    /// snapshot come back from their log alone; tenants deleted before `point`
    /// are left out.
    public func restoreAll(
        _ manifest: SnapshotManifest, to dataFolder: String, replacing: Bool, until point: RecoveryPoint = .snapshot,
        progress: (SnapshotProgress) -> Void = { _ in }
    ) throws(CortexError) -> Outcome {
        if case .lsn = point { throw .invalidInput("an LSN belongs to one environment: restore one tenant (--tenant) with --lsn") }
        let files = FileManager.default
        let existing = try visibleEntries(of: dataFolder)
        if !existing.isEmpty {
            guard replacing else {
                throw .conflict("data folder \(dataFolder) is not empty; restore into an empty folder or pass --force to replace its contents")
            }
            // --force replaces a Cortex data folder only, never an arbitrary folder's files.
            guard existing.contains("CORTEX") else {
                throw .conflict("\(dataFolder) is not empty and is not a Cortex data folder (no CORTEX file); refusing to replace its contents")
            }
            // Opening takes the folder's lock: fails while a server uses it.
            try StorageEngine(options: StorageOptions(dataDirectory: dataFolder)).close()
        }
        let staging = dataFolder + "/.restore-" + manifest.id
        try removeTree(staging)
        var outcome = Outcome()
        do throws(CortexError) {
            var timelines: [String: UInt64] = [:]
            for entry in manifest.environments {
                progress(.environmentStarted(name: entry.name))
                if let tenant = entry.tenant {
                    let id = try TenantID(tenant)
                    try reader.extract(entry, of: manifest, into: staging + "/tenants/" + id.rawValue)
                } else {
                    guard entry.name == "system" else { throw .corrupt("manifest entry \(entry.name) names no tenant and is not the system environment") }
                    try reader.extract(entry, of: manifest, into: staging + "/system")
                }
                timelines[entry.name] = try timeline(of: entry, for: point)
                progress(.environmentFinished(name: entry.name, rawBytes: entry.rawBytes, storedBytes: entry.storedBytes))
            }
            guard files.fileExists(atPath: staging + "/system/data.mdb") else {
                throw .corrupt("snapshot \(manifest.id) has no system environment")
            }
            let analyticsReplays = try stageAnalytics(of: manifest, in: staging, until: point, progress: progress)
            try StorageEngine.markRestoredDataFolder(staging)
            outcome = try replayStaged(staging, timelines: timelines, until: point)
            outcome.replays += analyticsReplays
        } catch {
            try? removeTree(staging)
            throw error
        }
        // A snapshot without analytics (older, or of a folder without it) keeps an existing analytics store.
        for entry in existing where entry != "analytics" || manifest.analytics != nil { try removeTree(dataFolder + "/" + entry) }
        try createFolder(staging + "/tenants")
        try move(staging + "/system", to: dataFolder + "/system")
        try move(staging + "/tenants", to: dataFolder + "/tenants")
        if manifest.analytics != nil { try move(staging + "/analytics", to: dataFolder + "/analytics") }
        try removeTree(staging)
        try StorageEngine.markRestoredDataFolder(dataFolder)
        // Open what was restored: the registry must list every restored tenant.
        let engine = try StorageEngine(options: StorageOptions(dataDirectory: dataFolder))
        defer { engine.close() }
        let registered = Set(try engine.listTenants().map(\.id))
        for id in outcome.tenants where !registered.contains(id) {
            throw .corrupt("restored tenant \(id) is missing from the restored tenant registry")
        }
        if manifest.analytics != nil { try checkRestoredAnalytics(dataFolder + "/analytics") }
        return outcome
    }

    /// Replays the log onto the environments staged in `staging` (a data folder): the system
    /// environment first, whose tenant registry then says which tenants exist at `point`.
    private func replayStaged(_ staging: String, timelines: [String: UInt64], until point: RecoveryPoint) throws(CortexError) -> Outcome {
        var outcome = Outcome()
        let engine = try StorageEngine(options: StorageOptions(dataDirectory: staging))
        defer { engine.close() }
        if let timeline = timelines["system"] {
            outcome.replays.append(try archive.replay(into: engine.system, timeline: timeline, until: point))
        }
        let registered = try engine.listTenants().map(\.id)
        let staged = Set(try visibleEntries(of: staging + "/tenants"))
        for id in registered {
            let name = "tenant/\(id)"
            if staged.contains(id.rawValue) {
                if let timeline = timelines[name] {
                    outcome.replays.append(try engine.withTenantSync(id) { (environment: Environment) throws(CortexError) in
                        try archive.replay(into: environment, timeline: timeline, until: point)
                    })
                }
            } else {
                // Created after the snapshot: rebuilt from its log alone.
                let folder = try engine.stagingFolder(for: id)
                outcome.replays.append(try rebuildFromLog(id, in: engine, folder: folder, until: point))
                try engine.installTenant(id, from: folder)
            }
            outcome.tenants.append(id)
        }
        // Deleted before the recovery point.
        for name in staged where !registered.contains(where: { $0.rawValue == name }) {
            try removeTree(staging + "/tenants/" + name)
        }
        try engine.system.startNewTimeline()
        for id in registered {
            try engine.withTenantSync(id) { (environment: Environment) throws(CortexError) in _ = try environment.startNewTimeline() }
        }
        return outcome
    }

    /// Restores one tenant into the data folder of `engine` (a stopped server's, or a running
    /// server's own engine), replacing that tenant (or adding it); other tenants are untouched.
    /// The base is `manifest`'s copy of the tenant, or nothing when `manifest` is nil (the tenant
    /// is rebuilt from its log from LSN 1); then the tenant's log is replayed up to `point`.
    public func restoreTenant(
        _ id: TenantID, from manifest: SnapshotManifest?, into engine: StorageEngine, until point: RecoveryPoint = .snapshot
    ) throws(CortexError) -> ReplayResult {
        let staging = try engine.stagingFolder(for: id)
        do throws(CortexError) {
            let result: ReplayResult
            if let manifest {
                guard let entry = manifest.environments.first(where: { $0.tenant == id.rawValue }) else {
                    throw .notFound("snapshot \(manifest.id) has no tenant '\(id)'")
                }
                try reader.extract(entry, of: manifest, into: staging)
                let environment = try engine.openDetachedEnvironment(at: staging, name: "tenant/\(id)")
                defer { environment.close() }
                if let timeline = try timeline(of: entry, for: point) {
                    result = try archive.replay(into: environment, timeline: timeline, until: point)
                } else {
                    result = ReplayResult(environment: environment.name, lastLSN: environment.lastLSN)
                }
                try environment.startNewTimeline()
            } else {
                result = try rebuildFromLog(id, in: engine, folder: staging, until: point)
            }
            try engine.installTenant(id, from: staging)
            return result
        } catch {
            try? removeTree(staging)
            throw error
        }
    }

    /// Builds tenant `id`'s environment in `folder` from its shipped log alone, from LSN 1: on the
    /// timeline that starts at LSN 1 (the tenant's creation), the newest such when it was re-created.
    /// A tenant with no shipped records at all was never written: it comes back empty.
    private func rebuildFromLog(_ id: TenantID, in engine: StorageEngine, folder: String, until point: RecoveryPoint) throws(CortexError) -> ReplayResult {
        let name = "tenant/\(id)"
        var newest: (timeline: UInt64, createdAt: Int64)?
        let timelines = try archive.timelines(environment: name)
        if timelines.isEmpty {
            // Never written (nothing was shipped and no snapshot holds it): an empty environment.
            let environment = try engine.openDetachedEnvironment(at: folder, name: name)
            defer { environment.close() }
            try environment.startNewTimeline()
            return ReplayResult(environment: name, lastLSN: 0)
        }
        for timeline in timelines {
            guard let first = try archive.chunks(environment: name, timeline: timeline).first, first.range.lowerBound == 1 else { continue }
            let createdAt = try LogChunk.read(first.key, from: archive.target).firstCommittedAt
            if case .time(let time) = point, createdAt > time { continue }
            if createdAt >= newest?.createdAt ?? .min { newest = (timeline, createdAt) }
        }
        guard let newest else {
            throw .notFound("no snapshot holds tenant '\(id)' and its shipped log does not start at its creation")
        }
        let environment = try engine.openDetachedEnvironment(at: folder, name: name)
        defer { environment.close() }
        let result = try archive.replay(into: environment, timeline: newest.timeline, until: point)
        try environment.startNewTimeline()
        return result
    }

    /// The timeline to replay for a manifest entry; nil when the recovery point is the snapshot itself
    /// or the manifest predates the change log (format 1: nothing to replay onto).
    private func timeline(of entry: SnapshotManifest.EnvironmentEntry, for point: RecoveryPoint) throws(CortexError) -> UInt64? {
        guard point != .snapshot, let text = entry.timeline else { return nil }
        guard let timeline = Timeline.parse(text) else { throw .corrupt("manifest entry \(entry.name) has a malformed timeline \(text)") }
        return timeline
    }

    /// Entries of `folder` that do not start with a dot; none if it does not exist.
    private func visibleEntries(of folder: String) throws(CortexError) -> [String] {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard unsafe files.fileExists(atPath: folder, isDirectory: &isDirectory) else {
            try createFolder(folder)
            return []
        }
        guard isDirectory.boolValue else { throw .invalidInput("\(folder) exists and is not a folder") }
        do {
            return try files.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw .unavailable("cannot list \(folder): \(error.localizedDescription)")
        }
    }
}

func createFolder(_ path: String) throws(CortexError) {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw .unavailable("cannot create \(path): \(error.localizedDescription)")
    }
}

func removeTree(_ path: String) throws(CortexError) {
    guard FileManager.default.fileExists(atPath: path) else { return }
    do {
        try FileManager.default.removeItem(atPath: path)
    } catch {
        throw .unavailable("cannot remove \(path): \(error.localizedDescription)")
    }
}

func move(_ from: String, to destination: String) throws(CortexError) {
    do {
        try FileManager.default.moveItem(atPath: from, toPath: destination)
    } catch {
        throw .unavailable("cannot move \(from) to \(destination): \(error.localizedDescription)")
    }
}
