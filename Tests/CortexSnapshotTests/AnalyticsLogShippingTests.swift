import CortexAnalytics
@testable import CortexSnapshot
import CortexCore
import CortexStorage
import CortexTesting
import Foundation
import Testing

/// A data folder whose analytics store has the `crash` table (AnalyticsCrashWorkload), kept
/// until shipped; batches identify rows.
struct ShippedAnalyticsSource {
    let source: Source
    var data: String { source.directory.child("data") }
    var analyticsFolder: String { data + "/analytics" }

    static var options: AnalyticsTableOptions {
        var options = AnalyticsCrashWorkload.options
        options.keepsLogUntilShipped = true
        options.sealsAutomatically = false
        return options
    }

    init() throws {
        source = try Source()
        try AnalyticsStore(folder: data + "/analytics", options: Self.options).createTable(AnalyticsCrashWorkload.schema)
    }

    func open() throws -> AnalyticsStore { try AnalyticsStore(folder: analyticsFolder, options: Self.options) }

    static func table(_ store: AnalyticsStore) throws -> AnalyticsTable { try #require(store.analyticsTable(named: "crash")) }

    /// Appends batches `range` (batch n: tenant n % 5).
    static func append(_ range: Range<Int64>, to store: AnalyticsStore) throws {
        for batch in range { try table(store).append(AnalyticsCrashWorkload.batch(batch)) }
    }

    /// Rows per batch, seen through SQL (optionally as one tenant).
    static func batches(in store: AnalyticsStore, tenant: Int64? = nil) throws -> [Int64: Int] {
        let result = try store.execute(
            sql: "SELECT batch, count(*) FROM crash GROUP BY batch", scope: tenant.map(QueryScope.tenant) ?? .platform, now: 0)
        var batches: [Int64: Int] = [:]
        for line in result.canonicalText.split(separator: "\n") {
            let parts = line.split(separator: "\t")
            batches[Int64(parts[0])!] = Int(parts[1])!
        }
        return batches
    }

    static func batches(_ range: Range<Int64>, tenant: Int64? = nil) -> [Int64: Int] {
        Dictionary(uniqueKeysWithValues: range.filter { tenant == nil || $0 % 5 == tenant }.map { ($0, AnalyticsCrashWorkload.rowsPerBatch) })
    }

    func snapshot(_ store: AnalyticsStore, to target: any SnapshotTarget) throws -> SnapshotManifest {
        try SnapshotWriter(engine: source.engine, target: target, analytics: store).create()
    }

    func ship(_ store: AnalyticsStore, to target: any SnapshotTarget, chunkByteCountMax: Int = 8 << 20) -> ShipReport {
        let shipper = LogShipper(engine: source.engine, target: target, chunkByteCountMax: chunkByteCountMax)
        var report = shipper.shipChanged()
        report.add(shipper.shipAnalytics(store))
        return report
    }

    /// Restores everything into a new folder and returns its analytics store.
    func restore(_ manifest: SnapshotManifest, from target: any SnapshotTarget, until point: RecoveryPoint, as name: String) throws -> AnalyticsStore {
        let path = source.directory.child(name)
        _ = try SnapshotRestorer(target: target).restoreAll(manifest, to: path, replacing: false, until: point)
        return try AnalyticsStore(folder: path + "/analytics", options: Self.options)
    }
}

/// Shipping the analytics append log and restoring analytics rows to a point in time.
@Suite struct AnalyticsLogShippingTests {
    private func now() -> Int64 { SystemEpochClock().nowMilliseconds() }

    private func tick(after time: Int64) {
        while now() <= time { usleep(1_000) }
    }

    private func logFiles(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder + "/crash/log").filter { $0.hasSuffix(".cxl") }.sorted()
    }

    /// Rows appended after the snapshot (A), a time noted, more rows (B), shipped: a restore to the
    /// time has A and not B, the latest both, the snapshot neither.
    @Test func restoreToATimeHasRowsAppendedBeforeItAndNotAfter() throws {
        let fixture = try ShippedAnalyticsSource()
        defer { fixture.source.engine.close() }
        let target = fixture.source.target
        let store = try fixture.open()
        try ShippedAnalyticsSource.append(0..<10, to: store)
        let manifest = try fixture.snapshot(store, to: target)
        let table = try #require(manifest.analytics?.tables.first { $0.name == "crash" })
        let liveTimeline = try ShippedAnalyticsSource.table(store).timeline
        #expect(table.pinnedLSN == 20 && table.timeline == Timeline.hex(liveTimeline))

        try ShippedAnalyticsSource.append(10..<30, to: store)
        try store.flush()  // sealed, but kept until shipped
        let pointA = now()
        tick(after: pointA)
        try ShippedAnalyticsSource.append(30..<45, to: store)
        #expect(try logFiles(fixture.analyticsFolder).count == 2, "sealed log kept until shipped")
        let report = fixture.ship(store, to: target, chunkByteCountMax: 16 << 10)
        #expect(report.failures.isEmpty)
        #expect(report.chunks > 2, "several chunks")
        #expect(try logFiles(fixture.analyticsFolder) == ["log-000000000000003d.cxl"], "shipped and sealed: deleted")
        let keys = try target.list(prefix: "wal/analytics/crash/" + table.timeline! + "/")
        #expect(!keys.isEmpty && keys.allSatisfy { $0.hasSuffix(".cxa.zst") })

        let atA = try fixture.restore(manifest, from: target, until: .time(pointA), as: "at-a")
        #expect(try ShippedAnalyticsSource.batches(in: atA) == ShippedAnalyticsSource.batches(0..<30))
        let latest = try fixture.restore(manifest, from: target, until: .latest, as: "latest")
        #expect(try ShippedAnalyticsSource.batches(in: latest) == ShippedAnalyticsSource.batches(0..<45))
        let snapshotOnly = try fixture.restore(manifest, from: target, until: .snapshot, as: "snapshot")
        #expect(try ShippedAnalyticsSource.batches(in: snapshotOnly) == ShippedAnalyticsSource.batches(0..<10))
        // The restored table is on a new timeline with nothing left to ship.
        let restored = try ShippedAnalyticsSource.table(latest)
        #expect(Timeline.hex(restored.timeline) != table.timeline && restored.shippedLSN == restored.durableLSN)

        // Prune keeps the chunks after the oldest kept snapshot's pinned LSN.
        let second = try fixture.snapshot(store, to: target)
        let secondPinned = try #require(second.analytics?.tables.first { $0.name == "crash" }?.pinnedLSN)
        _ = try SnapshotReader(target: target).prune(keep: 1)
        let left = try LogArchive(target: target).chunks(environment: "analytics/crash", timeline: Timeline.parse(table.timeline!)!)
        #expect(left.allSatisfy { $0.range.upperBound > secondPinned })
    }

    @Test func aDamagedOrMissingChunkIsNamedAndNothingIsRestored() throws {
        let fixture = try ShippedAnalyticsSource()
        defer { fixture.source.engine.close() }
        let target = fixture.source.target
        let store = try fixture.open()
        let manifest = try fixture.snapshot(store, to: target)
        try ShippedAnalyticsSource.append(0..<20, to: store)
        #expect(fixture.ship(store, to: target, chunkByteCountMax: 8 << 10).failures.isEmpty)
        let timeline = try #require(manifest.analytics?.tables.first { $0.name == "crash" }?.timeline)
        let chunks = try target.list(prefix: "wal/analytics/crash/\(timeline)/").sorted()
        #expect(chunks.count > 2)

        var bytes = try target.readAll(chunks[1])
        bytes[bytes.count / 2] ^= 0x40
        try target.write(chunks[1], bytes: bytes)
        let damaged = #expect(throws: CortexError.self) { _ = try fixture.restore(manifest, from: target, until: .latest, as: "damaged") }
        #expect(damaged?.code == .corrupt && damaged?.message.hasPrefix(chunks[1] + ":") == true, "\(damaged?.message ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.source.directory.child("damaged")).isEmpty)

        try target.delete(chunks[1])
        let range = try #require(LogChunk.range(ofKey: chunks[1]))
        let missing = #expect(throws: CortexError.self) { _ = try fixture.restore(manifest, from: target, until: .latest, as: "missing") }
        #expect(
            missing?.message
                == "the shipped log of analytics/crash (timeline \(timeline)) is missing LSN \(range.lowerBound)-\(range.upperBound): no chunk holds them, yet \(chunks[2]) follows")
    }

    /// One tenant restored to a time: its snapshot rows plus its shipped rows before the time, with a
    /// deleteTenant after the snapshot honoured; every other tenant's rows stay as they are.
    @Test func aTenantsAnalyticsRestoredToATimeLeavesOtherTenantsIdentical() throws {
        let fixture = try ShippedAnalyticsSource()
        defer { fixture.source.engine.close() }
        let target = fixture.source.target
        let store = try fixture.open()
        try ShippedAnalyticsSource.append(0..<10, to: store)
        let manifest = try fixture.snapshot(store, to: target)
        try ShippedAnalyticsSource.table(store).deleteTenant(1)  // batches 1 and 6 go
        try ShippedAnalyticsSource.append(10..<20, to: store)
        let pointA = now()
        tick(after: pointA)
        try ShippedAnalyticsSource.append(20..<30, to: store)
        #expect(fixture.ship(store, to: target).failures.isEmpty)
        let others = try [0, 2, 3, 4].map { (tenant: Int64) in try ShippedAnalyticsSource.batches(in: store, tenant: tenant) }

        let restorer = SnapshotRestorer(target: target)
        let staging = fixture.data + "/.restore-analytics"
        // Lose tenant 1's rows, then restore them to the time: 11 and 16 only (the delete came first).
        try ShippedAnalyticsSource.table(store).deleteTenant(1)
        _ = try restorer.restoreTenantAnalytics(
            from: manifest, into: store, snapshotNumber: 1, number: 1, staging: staging, until: .time(pointA))
        #expect(try ShippedAnalyticsSource.batches(in: store, tenant: 1) == [11: 50, 16: 50])
        #expect(try [0, 2, 3, 4].map { (tenant: Int64) in try ShippedAnalyticsSource.batches(in: store, tenant: tenant) } == others)
        _ = try restorer.restoreTenantAnalytics(from: manifest, into: store, snapshotNumber: 1, number: 1, staging: staging, until: .latest)
        #expect(try ShippedAnalyticsSource.batches(in: store, tenant: 1) == [11: 50, 16: 50, 21: 50, 26: 50])
        _ = try restorer.restoreTenantAnalytics(from: manifest, into: store, snapshotNumber: 1, number: 1, staging: staging, until: .snapshot)
        #expect(try ShippedAnalyticsSource.batches(in: store, tenant: 1) == [1: 50, 6: 50])
        #expect(try [0, 2, 3, 4].map { (tenant: Int64) in try ShippedAnalyticsSource.batches(in: store, tenant: tenant) } == others)
    }

    /// A child appending (log kept until shipped) is killed with SIGKILL, restarted, shipped, several
    /// times; a restore of the latest point holds every acknowledged batch, whole.
    @Test func killedAppenderThenShippedRestoresEveryAcknowledgedRow() throws {
        var random = SeededGenerator.fromEnvironment()
        let fixture = try ShippedAnalyticsSource()
        defer { fixture.source.engine.close() }
        let target = fixture.source.target
        let manifest = try fixture.snapshot(try fixture.open(), to: target)
        var acknowledged = Set<Int64>()
        var nextBatch: Int64 = 0
        for round in 0..<4 {
            let (acks, killed) = try AnalyticsCrashChild.runAndKill(
                folder: fixture.analyticsFolder + "/crash", firstBatch: nextBatch, acksBeforeKill: Int.random(in: 40...240, using: &random),
                delayMicroseconds: UInt32.random(in: 0...20_000, using: &random), keepsLog: true)
            #expect(killed, "seed \(random.seed) round \(round): the child exited on its own")
            acknowledged.formUnion(acks)
            let store = try fixture.open()
            let report = fixture.ship(store, to: target)
            #expect(report.failures.isEmpty, "seed \(random.seed): \(report.failures)")
            let table = try ShippedAnalyticsSource.table(store)
            #expect(table.shippedLSN == table.durableLSN)
            nextBatch = max(try ShippedAnalyticsSource.batches(in: store).keys.max() ?? 0, acknowledged.max() ?? 0) + 1
        }
        let live = try ShippedAnalyticsSource.batches(in: try fixture.open())
        let restored = try ShippedAnalyticsSource.batches(in: try fixture.restore(manifest, from: target, until: .latest, as: "restored"))
        let missing = acknowledged.filter { restored[$0] == nil }
        #expect(missing.isEmpty, "seed \(random.seed): acknowledged batches lost: \(missing.sorted())")
        #expect(restored.values.allSatisfy { $0 == AnalyticsCrashWorkload.rowsPerBatch })
        #expect(restored == live)
    }

    /// The same through S3 (moto): ship, restore to a time and to the end.
    @Test func shippedToS3RestoresToATime() throws {
        let moto = try MotoServer()
        let fixture = try ShippedAnalyticsSource()
        defer { fixture.source.engine.close() }
        let target = S3Target(client: try motoClient(moto), prefix: "backups/")
        let store = try fixture.open()
        let manifest = try fixture.snapshot(store, to: target)
        try ShippedAnalyticsSource.append(0..<8, to: store)
        let pointA = now()
        tick(after: pointA)
        try ShippedAnalyticsSource.append(8..<12, to: store)
        #expect(fixture.ship(store, to: target).failures.isEmpty)
        let atA = try fixture.restore(manifest, from: target, until: .time(pointA), as: "at-a")
        #expect(try ShippedAnalyticsSource.batches(in: atA) == ShippedAnalyticsSource.batches(0..<8))
        let latest = try fixture.restore(manifest, from: target, until: .latest, as: "latest")
        #expect(try ShippedAnalyticsSource.batches(in: latest) == ShippedAnalyticsSource.batches(0..<12))
    }
}
