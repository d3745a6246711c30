import ArgumentParser
import CortexAnalytics
import CortexApp
import CortexCore
import CortexSnapshot
import CortexStorage
import Foundation

/// `cortex snapshot create|list|verify|prune`: full snapshots of a data folder.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Snapshots of a data folder (the server must not be running on it) to file:///path or s3://bucket/prefix.",
        subcommands: [Create.self, List.self, Verify.self, Prune.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy every environment (compacted, zstd) and write a manifest; the manifest last.")
        @OptionGroup var options: DataOptions
        @Option(name: .long, help: "Target: file:///absolute/path or s3://bucket/prefix.") var to: String
    @Option(name: .long, help: "S3-compatible endpoint for s3:// targets, e.g. http://127.0.0.1:9000 (default: $CORTEX_S3_ENDPOINT, else AWS).") var endpoint: String?

        func run() async throws {
            let target = try reportingErrors { () throws(CortexError) in try snapshotTarget(url: to, endpoint: endpoint) }
            let engine = try options.openEngine()
            defer { engine.close() }
            // The analytics store is included whenever the data folder has one (opening it takes its tables' locks).
            let analyticsFolder = options.data + "/analytics"
            let analytics = try reportingErrors { () throws(CortexError) in
                FileManager.default.fileExists(atPath: analyticsFolder) ? try AnalyticsStore(folder: analyticsFolder) : nil
            }
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

/// `cortex restore`: a snapshot into a data folder, whole or one tenant.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a snapshot into a data folder (the server must not be running on it).",
        discussion: """
            Without --tenant, restores every environment into --to, which must be empty unless --force. \
            With --tenant, replaces (or adds) that tenant in the data folder at --to; other tenants are untouched. \
            Every object is verified before anything is made live.
            """)
    @Option(name: .long, help: "Target: file:///absolute/path or s3://bucket/prefix.") var from: String
    @Option(name: .long, help: "S3-compatible endpoint for s3:// targets, e.g. http://127.0.0.1:9000 (default: $CORTEX_S3_ENDPOINT, else AWS).") var endpoint: String?
    @Option(name: .long, help: "Data folder to restore into.") var to: String
    @Option(name: .long, help: "Snapshot id (default: the newest).") var id: String?
    @Option(name: .long, help: "Restore only this tenant.") var tenant: String?
    @Flag(name: .long, help: "Replace the contents of a non-empty data folder (full restore).") var force = false
    @Flag(name: .long, help: "Machine-readable JSON output.") var json = false

    func run() async throws {
        let started = ContinuousClock.now
        let json = json
        let (manifest, tenants) = try reportingErrors { () throws(CortexError) -> (SnapshotManifest, [String]) in
            let target = try snapshotTarget(url: from, endpoint: endpoint)
            let manifest = try SnapshotReader(target: target).manifest(id: id)
            let restorer = SnapshotRestorer(target: target)
            if let tenant {
                let id = try TenantID(tenant)
                let engine = try StorageEngine(options: StorageOptions(dataDirectory: to))
                defer { engine.close() }
                try restorer.restoreTenant(id, from: manifest, into: engine)
                try restoreTenantAnalytics(id, from: manifest, restorer: restorer, engine: engine, folder: to)
                return (manifest, [id.rawValue])
            }
            let restored = try restorer.restoreAll(manifest, to: to, replacing: force) { event in
                if !json { reportProgress(event) }
            }
            return (manifest, restored.map(\.rawValue))
        }
        let seconds = (ContinuousClock.now - started).seconds
        if json {
            try printJSON(RestoreJSON(snapshot: manifest.id, dataFolder: to, tenants: tenants, seconds: seconds))
        } else {
            print("restored snapshot \(manifest.id) into \(to): \(tenant == nil ? "system and \(tenants.count) tenants" : "tenant \(tenants[0])") in \(format(seconds)) s")
        }
    }
}

/// The analytics rows of tenant `id` from the snapshot into `DATA/analytics`, its
/// number mapped from the snapshot's registry to the data folder's.
private func restoreTenantAnalytics(
    _ id: TenantID, from manifest: SnapshotManifest, restorer: SnapshotRestorer, engine: StorageEngine, folder: String
) throws(CortexError) {
    guard manifest.analytics != nil else { return }
    let snapshotNumber = try restorer.withSnapshotSystem(manifest, staging: folder + "/.restore-system-" + manifest.id) {
        (snapshot: StorageEngine) throws(CortexError) in try AnalyticsTenantNumbers(engine: snapshot).existingNumber(of: id)
    }
    let number = try AnalyticsTenantNumbers(engine: engine).number(of: id)
    let store = try AnalyticsStore(folder: folder + "/analytics")
    _ = try restorer.restoreTenantAnalytics(
        from: manifest, into: store, snapshotNumber: snapshotNumber, number: number, staging: folder + "/.restore-analytics-" + manifest.id)
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
    let snapshot: String
    let dataFolder: String
    let tenants: [String]
    let seconds: Double
    enum CodingKeys: String, CodingKey {
        case snapshot, tenants, seconds
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
