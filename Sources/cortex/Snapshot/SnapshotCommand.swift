import ArgumentParser
import CortexAnalytics
import CortexApp
import CortexCore
import CortexServer
import CortexSnapshot
import CortexStorage
import Foundation

/// `cortex snapshot create|list|verify|prune`: full snapshots of a data folder.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Snapshots of a data folder (the server must not be running on it) to file:///path or s3://bucket/prefix.",
        subcommands: [Create.self, Ship.self, List.self, Verify.self, Prune.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy every environment (compacted, zstd) and write a manifest; the manifest last.")
        @OptionGroup var options: DataOptions
        @OptionGroup var destination: TargetOptions

        func run() async throws {
            let target = try destination.target()
            let engine = try options.openEngine()
            defer { engine.close() }
            // The analytics store is included whenever the data folder has one (opening it takes its tables' locks).
            let analytics = try reportingErrors { () throws(CortexError) in try openAnalyticsForBackup(data: options.data) }
            let started = ContinuousClock.now
            let json = options.json
            var stats: AnalyticsSnapshotStats?
            let manifest = try reportingErrors { () throws(CortexError) in
                try SnapshotWriter(engine: engine, target: target, analytics: analytics).create { event in
                    if case .analyticsFinished(let finished) = event { stats = finished }
                    if !json { reportProgress(event) }
                }
            }
            let seconds = (ContinuousClock.now - started).seconds
            let summary = SnapshotSummaryJSON(manifest, seconds: seconds, analyticsStats: stats)
            if json {
                try printJSON(summary)
            } else {
                print("snapshot \(manifest.id): \(manifest.environments.count) environments, \(megabytes(manifest.rawBytes)) MB → \(megabytes(manifest.storedBytes)) MB stored in \(format(seconds)) s (\(format(summary.megabytesPerSecond)) MB/s) at \(target.description)")
                if let stats {
                    print("analytics: \(stats.objectCount) objects, \(stats.uploadedObjectCount) uploaded (\(megabytes(stats.uploadedByteCount)) MB), \(stats.reusedSegmentCount) segments already in the target (\(megabytes(stats.reusedByteCount)) MB)")
                }
            }
        }
    }

    struct Ship: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ship every change record and analytics log record not yet shipped (what a running server does every few seconds) to the target.")
        @OptionGroup var options: DataOptions
        @OptionGroup var destination: TargetOptions

        func run() async throws {
            let target = try destination.target()
            let engine = try options.openEngine()
            defer { engine.close() }
            let analytics = try reportingErrors { () throws(CortexError) in try openAnalyticsForBackup(data: options.data) }
            let shipper = LogShipper(engine: engine, target: target)
            var report = shipper.shipChanged()
            if let analytics { report.add(shipper.shipAnalytics(analytics)) }
            if options.json {
                try printJSON(ShipJSON(report))
            } else {
                print("shipped \(report.records) log records in \(report.chunks) chunks (\(megabytes(report.rawBytes)) MB → \(megabytes(report.storedBytes)) MB stored) to \(target.description)")
                for (name, message) in report.failures.sorted(by: { $0.key < $1.key }) {
                    FileHandle.standardError.write(Data("cortex: \(name): \(message)\n".utf8))
                }
            }
            if !report.failures.isEmpty { throw ExitCode(1) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List complete snapshots, oldest first.")
        @Option(name: .long, help: "Target: file:///absolute/path or s3://bucket/prefix.") var from: String
    @Option(name: .long, help: "S3-compatible endpoint for s3:// targets, e.g. http://127.0.0.1:9000 (default: $CORTEX_S3_ENDPOINT, else AWS).") var endpoint: String?
        @Flag(name: .long, help: "Machine-readable JSON output.") var json = false

        func run() async throws {
            let manifests = try reportingErrors { () throws(CortexError) in try SnapshotReader(target: snapshotTarget(url: from, endpoint: endpoint)).list() }
            if json {
                try printJSON(manifests.map { SnapshotSummaryJSON($0, seconds: nil) })
            } else if manifests.isEmpty {
                print("no snapshots")
            } else {
                for manifest in manifests {
                    print("\(manifest.id)\t\(isoTimestamp(milliseconds: manifest.createdAt))\t\(manifest.environments.count) environments\t\(megabytes(manifest.storedBytes)) MB")
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read every object of a snapshot and check sizes, SHA-256 digests and compression.")
        @Option(name: .long, help: "Target: file:///absolute/path or s3://bucket/prefix.") var from: String
    @Option(name: .long, help: "S3-compatible endpoint for s3:// targets, e.g. http://127.0.0.1:9000 (default: $CORTEX_S3_ENDPOINT, else AWS).") var endpoint: String?
        @Option(name: .long, help: "Snapshot id (default: the newest).") var id: String?
        @Flag(name: .long, help: "Machine-readable JSON output.") var json = false

        func run() async throws {
            let manifest = try reportingErrors { () throws(CortexError) in
                let reader = SnapshotReader(target: try snapshotTarget(url: from, endpoint: endpoint))
                let manifest = try reader.manifest(id: id)
                try reader.verify(manifest)
                return manifest
            }
            if json {
                try printJSON(SnapshotSummaryJSON(manifest, seconds: nil))
            } else {
                print("snapshot \(manifest.id): \(manifest.environments.count + (manifest.analytics?.objects.count ?? 0)) objects verified")
            }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete all but the newest N snapshots.")
        @Option(name: .long, help: "Target: file:///absolute/path or s3://bucket/prefix.") var from: String
    @Option(name: .long, help: "S3-compatible endpoint for s3:// targets, e.g. http://127.0.0.1:9000 (default: $CORTEX_S3_ENDPOINT, else AWS).") var endpoint: String?
        @Option(name: .long, help: "How many of the newest snapshots to keep (≥ 1).") var keep: Int
        @Flag(name: .long, help: "Machine-readable JSON output.") var json = false

        func run() async throws {
            let deleted = try reportingErrors { () throws(CortexError) in
                try SnapshotReader(target: snapshotTarget(url: from, endpoint: endpoint)).prune(keep: keep)
            }
            if json {
                try printJSON(["deleted": deleted])
            } else {
                print(deleted.isEmpty ? "nothing to prune" : "deleted \(deleted.count) snapshots: \(deleted.joined(separator: ", "))")
            }
        }
    }
}

/// `--to URL [--endpoint URL]`: where `snapshot create` and `snapshot ship` write.
struct TargetOptions: ParsableArguments {
    @Option(name: .long, help: "Target: file:///absolute/path or s3://bucket/prefix.") var to: String
    @Option(name: .long, help: "S3-compatible endpoint for s3:// targets, e.g. http://127.0.0.1:9000 (default: $CORTEX_S3_ENDPOINT, else AWS).") var endpoint: String?

    func target() throws -> any SnapshotTarget {
        try reportingErrors { () throws(CortexError) in try snapshotTarget(url: to, endpoint: endpoint) }
    }
}

/// `cortex restore`: a snapshot into a data folder, whole or one tenant.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a snapshot into a data folder (the server must not be running on it).",
        discussion: """
            Without --tenant, restores every environment into --to, which must be empty unless --force. \
            With --tenant, replaces (or adds) that tenant in the data folder at --to; other tenants are untouched. \
            Then the shipped change log is replayed: to its end, or to --at (a time) or --lsn (one tenant's LSN); \
            --snapshot-only skips it. Without --id the base is the newest snapshot that can reach that point. \
            Every object, chunk and record is verified before anything is made live.
            """)
    @Option(name: .long, help: "Target: file:///absolute/path or s3://bucket/prefix.") var from: String
    @Option(name: .long, help: "S3-compatible endpoint for s3:// targets, e.g. http://127.0.0.1:9000 (default: $CORTEX_S3_ENDPOINT, else AWS).") var endpoint: String?
    @Option(name: .long, help: "Data folder to restore into.") var to: String
    @Option(name: .long, help: "Snapshot id (default: the newest).") var id: String?
    @Option(name: .long, help: "Restore only this tenant.") var tenant: String?
    @Option(name: .long, help: "Replay the log up to this time: ISO 8601 (2026-11-27T09:30:00.250Z) or epoch milliseconds.") var at: String?
    @Option(name: .long, help: "Replay the tenant's log up to this LSN (with --tenant).") var lsn: UInt64?
    @Flag(name: .long, help: "Restore the snapshot's state only; do not replay the shipped log.") var snapshotOnly = false
    @Flag(name: .long, help: "Replace the contents of a non-empty data folder (full restore).") var force = false
    @Flag(name: .long, help: "Machine-readable JSON output.") var json = false

    func run() async throws {
        let started = ContinuousClock.now
        let json = json
        let (snapshot, tenants, replays) = try reportingErrors { () throws(CortexError) -> (String?, [String], [ReplayResult]) in
            let point = try recoveryPoint()
            let target = try snapshotTarget(url: from, endpoint: endpoint)
            let reader = SnapshotReader(target: target)
            let restorer = SnapshotRestorer(target: target)
            if let tenant {
                let tenantID = try TenantID(tenant)
                let base = try id == nil ? reader.base(for: point, tenant: tenantID) : reader.manifest(id: id)
                let engine = try StorageEngine(options: StorageOptions(dataDirectory: to))
                defer { engine.close() }
                let replay = try restorer.restoreTenant(tenantID, from: base, into: engine, until: point)
                // Analytics has no tenant LSNs: --lsn restores its rows to the commit time of the LSN reached.
                var analyticsPoint = point
                if case .lsn = point { analyticsPoint = replay.lastCommittedAt.map(RecoveryPoint.time) ?? .snapshot }
                if let base {
                    try restoreTenantAnalytics(tenantID, from: base, restorer: restorer, engine: engine, folder: to, until: analyticsPoint)
                }
                return (base?.id, [tenantID.rawValue], [replay])
            }
            guard let base = try id == nil ? reader.base(for: point) : reader.manifest(id: id) else {
                throw .notFound("no complete snapshot in \(target.description) can reach that point (every one was taken later)")
            }
            let outcome = try restorer.restoreAll(base, to: to, replacing: force, until: point) { event in
                if !json { reportProgress(event) }
            }
            return (base.id, outcome.tenants.map(\.rawValue), outcome.replays)
        }
        let seconds = (ContinuousClock.now - started).seconds
        let applied = replays.reduce(0) { $0 + $1.applied }
        if json {
            try printJSON(RestoreJSON(snapshot: snapshot, dataFolder: to, tenants: tenants, seconds: seconds, replays: replays.map(ReplayJSON.init)))
        } else {
            let what = tenant == nil ? "system and \(tenants.count) tenants" : "tenant \(tenants[0])"
            print("restored \(snapshot.map { "snapshot \($0)" } ?? "from the log alone") into \(to): \(what), \(applied) change records replayed, in \(format(seconds)) s")
        }
    }

    private func recoveryPoint() throws(CortexError) -> RecoveryPoint {
        let chosen = [at != nil, lsn != nil, snapshotOnly].filter { $0 }.count
        guard chosen <= 1 else { throw .invalidInput("--at, --lsn and --snapshot-only exclude each other") }
        if snapshotOnly { return .snapshot }
        if let lsn {
            guard tenant != nil else { throw .invalidInput("--lsn names one environment's position: use it with --tenant") }
            return .lsn(lsn)
        }
        guard let at else { return .latest }
        if let milliseconds = Int64(at) { return .time(milliseconds) }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        guard let date = formatter.date(from: at) ?? plain.date(from: at) else {
            throw .invalidInput("--at \(at.debugDescription) is neither ISO 8601 (2026-11-27T09:30:00Z) nor epoch milliseconds")
        }
        return .time(Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }
}

struct ShipJSON: Encodable {
    let chunks: Int
    let records: Int
    let rawBytes: Int
    let storedBytes: Int
    let failures: [String: String]

    init(_ report: ShipReport) {
        chunks = report.chunks
        records = report.records
        rawBytes = report.rawBytes
        storedBytes = report.storedBytes
        failures = report.failures
    }

    enum CodingKeys: String, CodingKey {
        case chunks, records, failures
        case rawBytes = "raw_bytes", storedBytes = "stored_bytes"
    }
}

struct ReplayJSON: Encodable {
    let environment: String
    let applied: Int
    let lsn: UInt64
    let lastCommittedAt: String?

    init(_ result: ReplayResult) {
        environment = result.environment
        applied = result.applied
        lsn = result.lastLSN
        lastCommittedAt = result.lastCommittedAt.map { isoTimestamp(milliseconds: $0) }
    }

    enum CodingKeys: String, CodingKey {
        case environment, applied, lsn
        case lastCommittedAt = "last_committed_at"
    }
}

/// The analytics rows of tenant `id` from the snapshot into `DATA/analytics`, its
/// number mapped from the snapshot's registry to the data folder's.
private func restoreTenantAnalytics(
    _ id: TenantID, from manifest: SnapshotManifest, restorer: SnapshotRestorer, engine: StorageEngine, folder: String, until point: RecoveryPoint
) throws(CortexError) {
    guard manifest.analytics != nil else { return }
    // The rows appended here may be sealed: keep their log for the next `snapshot ship` (or server start).
    var options = AnalyticsTableOptions()
    options.keepsLogUntilShipped = true
    let store = try AnalyticsStore(folder: folder + "/analytics", options: options)
    try TenantAnalyticsRestore.restore(id, from: manifest, restorer: restorer, engine: engine, store: store, scratch: folder, until: point)
}

/// The data folder's analytics store for snapshot and ship, or nil when it has none. Opened keeping its
/// log until shipped and without background seals, so nothing unshipped is sealed away meanwhile.
private func openAnalyticsForBackup(data: String) throws(CortexError) -> AnalyticsStore? {
    let folder = data + "/analytics"
    guard FileManager.default.fileExists(atPath: folder) else { return nil }
    var options = AnalyticsTableOptions()
    options.keepsLogUntilShipped = true
    options.sealsAutomatically = false
    return try AnalyticsStore(folder: folder, options: options)
}

struct SnapshotSummaryJSON: Encodable {
    let id: String
    let createdAt: String
    let environments: Int
    let tenants: [String]
    let rawBytes: Int
    let storedBytes: Int
    let seconds: Double?
    let megabytesPerSecond: Double
    /// Objects of the analytics section (nil: the snapshot has none).
    let analyticsObjects: Int?
    /// What this run wrote (only for `create`).
    let analyticsUploadedObjects: Int?
    let analyticsUploadedBytes: Int?
    let analyticsReusedSegments: Int?
    let analyticsReusedBytes: Int?

    init(_ manifest: SnapshotManifest, seconds: Double?, analyticsStats: AnalyticsSnapshotStats? = nil) {
        id = manifest.id
        createdAt = isoTimestamp(milliseconds: manifest.createdAt)
        environments = manifest.environments.count
        tenants = manifest.environments.compactMap(\.tenant)
        rawBytes = manifest.rawBytes
        storedBytes = manifest.storedBytes
        self.seconds = seconds
        megabytesPerSecond = seconds.map { $0 > 0 ? Double(manifest.rawBytes) / 1e6 / $0 : 0 } ?? 0
        analyticsObjects = manifest.analytics?.objects.count
        analyticsUploadedObjects = analyticsStats?.uploadedObjectCount
        analyticsUploadedBytes = analyticsStats?.uploadedByteCount
        analyticsReusedSegments = analyticsStats?.reusedSegmentCount
        analyticsReusedBytes = analyticsStats?.reusedByteCount
    }

    enum CodingKeys: String, CodingKey {
        case id, environments, tenants, seconds
        case analyticsObjects = "analytics_objects", analyticsUploadedObjects = "analytics_uploaded_objects"
        case analyticsUploadedBytes = "analytics_uploaded_bytes", analyticsReusedSegments = "analytics_reused_segments"
        case analyticsReusedBytes = "analytics_reused_bytes"
        case createdAt = "created_at", rawBytes = "raw_bytes", storedBytes = "stored_bytes", megabytesPerSecond = "mb_per_s"
    }
}

struct RestoreJSON: Encodable {
    let snapshot: String?
    let dataFolder: String
    let tenants: [String]
    let seconds: Double
    let replays: [ReplayJSON]
    enum CodingKeys: String, CodingKey {
        case snapshot, tenants, seconds, replays
        case dataFolder = "data_folder"
    }
}

private func reportProgress(_ event: SnapshotProgress) {
    switch event {
    case .environmentStarted, .analyticsFinished: break
    case .environmentFinished(let name, let rawBytes, let storedBytes):
        FileHandle.standardError.write(Data("  \(name): \(megabytes(rawBytes)) MB → \(megabytes(storedBytes)) MB\n".utf8))
    }
}

private func megabytes(_ bytes: Int) -> String { format(Double(bytes) / 1e6) }
private func format(_ value: Double) -> String { String(format: "%.2f", value) }

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
