import CortexAnalytics
@testable import CortexSnapshot
import CortexCore
import CortexStorage
import CortexTesting
import Foundation
import Testing

/// `Source` plus an analytics store in `data/analytics`: events and conversations of
/// tenants 1–3 over six days (several segments per table) and hot rows on top.
struct AnalyticsSource {
    let source: Source
    let store: AnalyticsStore
    static let day: Int64 = 86_400_000
    static let start: Int64 = 1_767_225_600_000  // 2026-01-01

    static var options: AnalyticsTableOptions {
        var options = AnalyticsTableOptions()
        options.sealsAutomatically = false
        return options
    }

    var analyticsFolder: String { source.directory.child("data") + "/analytics" }

    /// Snapshot ids sort by creation second: each snapshot of a test is a minute after the previous one.
    let clock = ManualEpochClock()

    init() throws {
        source = try Source()
        store = try AnalyticsStore(folder: source.directory.child("data") + "/analytics", options: Self.options)
        // Bulk loads write one segment per day (merges would fold small appended seals into one).
        for round in 0..<3 { try append(events: 4_000, conversations: 800, seed: UInt64(round), dayOffset: Int64(round * 2), bulk: true) }
        try append(events: 1_500, conversations: 300, seed: 9, dayOffset: 5)
    }

    /// `events` rows: tenant 1 + i % 3, 5 rows per conversation, one row a minute from `dayOffset`.
    func append(events: Int, conversations: Int, seed: UInt64, dayOffset: Int64, bulk: Bool = false) throws {
        var random = SeededGenerator(seed: 0xA7A1 &+ seed)
        var builder = RowBatchBuilder(schema: .events)
        let types = ["message", "open", "close", "rating"], channels = ["web", "whatsapp", "mail"], countries = ["DE", "FR", "US", "BR"]
        for row in 0..<events {
            try builder.append([
                ("tenant_id", .integer(Int64(1 + row % 3))), ("conversation_id", .integer(Int64(seed) * 1_000_000 + Int64(row / 5))),
                ("ts", .integer(Self.start + dayOffset * Self.day + Int64(row) * 60_000)),
                ("event_type", .string(types[Int(random.next() % 4)])),
                ("channel", row % 11 == 0 ? .null : .string(channels[Int(random.next() % 3)])),
                ("pattern_hash", .integer(Int64(random.next() % 50))), ("latency_ms", .integer(Int64(random.next() % 3_000))),
                ("tokens_in", .integer(Int64(random.next() % 500))), ("tokens_out", .integer(Int64(random.next() % 900))),
                ("rating", row % 4 == 0 ? .integer(Int64(random.next() % 5 + 1)) : .null),
                ("country", .string(countries[Int(random.next() % 4)])),
            ])
        }
        if bulk { try table("events").bulkLoad(builder.take()) } else { try table("events").append(builder.take()) }
        var conversationBuilder = RowBatchBuilder(schema: .conversations)
        for row in 0..<conversations {
            try conversationBuilder.append([
                ("tenant_id", .integer(Int64(1 + row % 3))), ("conversation_id", .integer(Int64(seed) * 1_000_000 + Int64(row))),
                ("user_profile_id", .integer(Int64(random.next() % 400))),
                ("started_at", .integer(Self.start + dayOffset * Self.day + Int64(row) * 300_000)),
                ("duration_s", .integer(Int64(random.next() % 1_800))), ("message_count", .integer(Int64(random.next() % 40))),
                ("success_score", .double(Double(random.next() % 1_000) / 1_000)), ("lead_generated", .bool(random.next() % 3 == 0)),
                ("appointment_booked", .bool(random.next() % 7 == 0)), ("pattern_hash", .integer(Int64(random.next() % 50))),
                ("channel", .string(channels[Int(random.next() % 3)])), ("country", .string(countries[Int(random.next() % 4)])),
            ])
        }
        if bulk {
            try table("conversations").bulkLoad(conversationBuilder.take())
        } else {
            try table("conversations").append(conversationBuilder.take())
        }
    }

    func table(_ name: String) throws -> AnalyticsTable { try #require(store.analyticsTable(named: name)) }

    func snapshot(to target: any SnapshotTarget) throws -> (SnapshotManifest, AnalyticsSnapshotStats) {
        var stats = AnalyticsSnapshotStats()
        clock.advance(by: .seconds(60))
        let manifest = try SnapshotWriter(engine: source.engine, target: target, analytics: store, clock: clock).create { event in
            if case .analyticsFinished(let finished) = event { stats = finished }
        }
        return (manifest, stats)
    }
}

/// The answers of platform-wide and tenant-scoped queries, as canonical text.
func analyticsAnswers(_ store: AnalyticsStore) throws -> [String] {
    let queries = [
        "SELECT count(*), sum(latency_ms), min(ts), max(ts), sum(tokens_in) FROM events",
        "SELECT event_type, channel, count(*), sum(tokens_out), avg(latency_ms) FROM events GROUP BY event_type, channel ORDER BY event_type, channel",
        "SELECT tenant_id, country, count(*), sum(rating) FROM events GROUP BY tenant_id, country ORDER BY tenant_id, country",
        "SELECT channel, count(*), sum(message_count), avg(success_score), sum(duration_s) FROM conversations GROUP BY channel ORDER BY channel",
        "SELECT count(*), sum(user_profile_id) FROM conversations WHERE lead_generated",
    ]
    var answers: [String] = []
    for scope in [QueryScope.platform, .tenant(1), .tenant(2), .tenant(3)] {
        for sql in queries {
            answers.append("\(scope) \(sql)\n" + (try store.execute(sql: sql, scope: scope, now: 0).canonicalText))
        }
    }
    return answers
}

@Suite struct AnalyticsSnapshotTests {
    @Test func snapshotWithAnalyticsRestoresAStoreAnsweringTheSameQueries() throws {
        let fixture = try AnalyticsSource()
        defer { fixture.source.engine.close() }
        let target = fixture.source.target
        let expected = try analyticsAnswers(fixture.store)
        let (manifest, stats) = try fixture.snapshot(to: target)
        let analytics = try #require(manifest.analytics)
        #expect(analytics.tables.map(\.name) == ["conversations", "events"])
        let events = try #require(analytics.tables.last)
        #expect(events.segments.count >= 3)
        #expect(events.pinnedLSN > events.sealedLSN)
        #expect(events.log?.key == "snapshots/\(manifest.id)/analytics/events/log/\(events.logFile!).zst")
        #expect(events.segments.allSatisfy { $0.object.key.hasPrefix("analytics/segments/events/") && $0.object.compression == .none })
        #expect(stats.objectCount == analytics.objects.count)
        #expect(stats.reusedSegmentCount == 0)
        #expect(stats.uploadedObjectCount == analytics.objects.count)
        // The manifest's JSON round-trips, and a manifest without the section still reads.
        let decoded = try SnapshotManifest.decode(try manifest.encoded(), key: "manifest.json")
        #expect(decoded == manifest)
        var old = manifest
        old.analytics = nil
        #expect(try SnapshotManifest.decode(try old.encoded(), key: "old.json").analytics == nil)
        #expect(!String(decoding: try old.encoded(), as: UTF8.self).contains("analytics"))

        try SnapshotReader(target: target).verify(manifest)
        let restoredPath = fixture.source.directory.child("restored")
        _ = try SnapshotRestorer(target: target).restoreAll(manifest, to: restoredPath, replacing: false)
        let restored = try AnalyticsStore(folder: restoredPath + "/analytics", options: AnalyticsSource.options)
        #expect(try analyticsAnswers(restored) == expected)
        #expect(restored.analyticsTable(named: "events")?.rowCount == fixture.store.analyticsTable(named: "events")?.rowCount)
    }

    @Test func secondSnapshotUploadsOnlyWhatChangedAndPruneKeepsSharedSegments() throws {
        let fixture = try AnalyticsSource()
        defer { fixture.source.engine.close() }
        let target = fixture.source.target
        let (first, firstStats) = try fixture.snapshot(to: target)
        // 1 % more rows: a bulk-loaded day (one new segment per table) and hot rows. Uploaded: the two new
        // segments, the two manifests and the two log tails; every older segment is found in the target.
        try fixture.append(events: 70, conversations: 14, seed: 20, dayOffset: 7, bulk: true)
        try fixture.append(events: 65, conversations: 13, seed: 21, dayOffset: 5)
        let (second, secondStats) = try fixture.snapshot(to: target)
        let firstKeys = try #require(first.analytics?.segmentKeys)
        let secondKeys = try #require(second.analytics?.segmentKeys)
        #expect(secondKeys.isSuperset(of: firstKeys))
        #expect(secondKeys.count == firstKeys.count + 2)
        #expect(secondStats.reusedSegmentCount == firstKeys.count)
        #expect(secondStats.uploadedObjectCount == 6)
        #expect(secondStats.uploadedByteCount * 5 < firstStats.uploadedByteCount)
        print("analytics snapshot: segments \(first.analytics!.tables.map { "\($0.name) \($0.segments.count) rows \($0.segments.map(\.rowCount))" }); full \(firstStats), incremental \(secondStats)")

        // Sealing and merging rewrites the small segments: a third snapshot has new ones, shares none with the first.
        try fixture.store.flush()
        let (third, thirdStats) = try fixture.snapshot(to: target)
        let thirdKeys = try #require(third.analytics?.segmentKeys)
        #expect(thirdKeys.isDisjoint(with: secondKeys))
        #expect(thirdStats.reusedSegmentCount == 0)

        let reader = SnapshotReader(target: target)
        #expect(try reader.prune(keep: 2) == [first.id])
        #expect(Set(try target.list(prefix: "analytics/segments/")) == thirdKeys.union(secondKeys))
        let (fourth, fourthStats) = try fixture.snapshot(to: target)
        #expect(fourthStats.reusedSegmentCount == thirdKeys.count)
        #expect(try reader.prune(keep: 2) == [second.id])
        #expect(Set(try target.list(prefix: "analytics/segments/")) == thirdKeys)
        #expect(try reader.prune(keep: 1) == [third.id])
        #expect(Set(try target.list(prefix: "analytics/segments/")) == thirdKeys, "the fourth snapshot still refers to them")
        try reader.verify(fourth)
    }

    @Test func aCorruptedAnalyticsObjectIsNamedByVerifyAndRestore() throws {
        let fixture = try AnalyticsSource()
        defer { fixture.source.engine.close() }
        let target = fixture.source.target
        let (manifest, _) = try fixture.snapshot(to: target)
        let segment = try #require(manifest.analytics?.tables.last?.segments.first)
        var bytes = try target.readAll(segment.object.key)
        bytes[bytes.count / 2] ^= 0x40
        try target.write(segment.object.key, bytes: bytes)

        let verifyError = #expect(throws: CortexError.self) { try SnapshotReader(target: target).verify(manifest) }
        #expect(verifyError?.code == .corrupt)
        #expect(verifyError?.message == "snapshot \(manifest.id) failed verification: \(segment.object.key) does not match its SHA-256 in the manifest")
        let restoredPath = fixture.source.directory.child("restored")
        let restoreError = #expect(throws: CortexError.self) {
            try SnapshotRestorer(target: target).restoreAll(manifest, to: restoredPath, replacing: false)
        }
        #expect(restoreError?.message == "\(segment.object.key) does not match its SHA-256 in the manifest")
        #expect(try FileManager.default.contentsOfDirectory(atPath: restoredPath).isEmpty)

        // A segment whose bytes match a (forged) manifest but whose own footer checksum fails is named too.
        var forged = manifest
        var table = try #require(forged.analytics?.tables.last)
        table.segments[0].object.rawSHA256 = SHA256.hexHash(bytes)
        table.segments[0].object.sha256 = table.segments[0].object.rawSHA256
        var section = try #require(forged.analytics)
        section.tables[section.tables.count - 1] = table
        forged.analytics = section
        let footerError = #expect(throws: CortexError.self) { try SnapshotReader(target: target).verify(forged) }
        #expect(footerError?.message.contains(segment.object.key + ":") == true)
    }

    @Test func forcedFullRestoreReplacesTheAnalyticsStore() throws {
        let fixture = try AnalyticsSource()
        defer { fixture.source.engine.close() }
        let target = fixture.source.target
        let expected = try analyticsAnswers(fixture.store)
        let (manifest, _) = try fixture.snapshot(to: target)
        // A second data folder with different analytics rows, then restored over with --force.
        let other = try AnalyticsSource()
        let otherData = other.source.directory.child("data")
        other.source.engine.close()
        _ = try SnapshotRestorer(target: target).restoreAll(manifest, to: otherData, replacing: true)
        let restored = try AnalyticsStore(folder: otherData + "/analytics", options: AnalyticsSource.options)
        #expect(try analyticsAnswers(restored) == expected)
    }
}

/// Per-tenant analytics restore: one tenant's rows replaced by the snapshot's, numbers mapped.
@Suite struct TenantAnalyticsRestoreTests {
    /// Answers of tenant-scoped queries that do not print the tenant number.
    static func tenantAnswers(_ store: AnalyticsStore, _ number: Int64) throws -> [String] {
        try [
            "SELECT count(*), sum(latency_ms), min(ts), max(ts) FROM events",
            "SELECT event_type, country, count(*), sum(tokens_out) FROM events GROUP BY event_type, country ORDER BY event_type, country",
            "SELECT channel, count(*), sum(message_count), avg(success_score) FROM conversations GROUP BY channel ORDER BY channel",
        ].map { sql in try store.execute(sql: sql, scope: .tenant(number), now: 0).canonicalText }
    }

    @Test func restoringOneTenantsAnalyticsLeavesOtherTenantsRowsIdentical() throws {
        let fixture = try AnalyticsSource()
        defer { fixture.source.engine.close() }
        let target = fixture.source.target
        let (manifest, _) = try fixture.snapshot(to: target)
        let tenant2AtSnapshot = try Self.tenantAnswers(fixture.store, 2)
        // After the snapshot: tenant 2 loses its rows, every tenant gets new ones.
        try fixture.table("events").deleteTenant(2)
        try fixture.append(events: 300, conversations: 60, seed: 30, dayOffset: 6)
        let others = try [1, 3].map { number in try Self.tenantAnswers(fixture.store, number) }
        #expect(try Self.tenantAnswers(fixture.store, 2) != tenant2AtSnapshot)

        let restorer = SnapshotRestorer(target: target)
        let staging = fixture.source.directory.child("data") + "/.restore-analytics"
        let rows = try restorer.restoreTenantAnalytics(from: manifest, into: fixture.store, snapshotNumber: 2, number: 2, staging: staging)
        #expect(rows == 4_000 + 800 + 500 + 100)
        #expect(try Self.tenantAnswers(fixture.store, 2) == tenant2AtSnapshot)
        #expect(try [1, 3].map { number in try Self.tenantAnswers(fixture.store, number) } == others)
        #expect(!FileManager.default.fileExists(atPath: staging))

        // Into another data folder where the tenant has number 7: the rows carry 7.
        let other = try AnalyticsStore(folder: fixture.source.directory.child("other-analytics"), options: AnalyticsSource.options)
        _ = try restorer.restoreTenantAnalytics(from: manifest, into: other, snapshotNumber: 2, number: 7, staging: staging)
        #expect(try Self.tenantAnswers(other, 7) == tenant2AtSnapshot)
        #expect(try other.execute(sql: "SELECT count(*) FROM events WHERE tenant_id <> 7", scope: .platform, now: 0).canonicalText == "0\n")

        // A tenant without a number in the snapshot had no rows: restoring it deletes its rows.
        _ = try restorer.restoreTenantAnalytics(from: manifest, into: fixture.store, snapshotNumber: nil, number: 3, staging: staging)
        #expect(try fixture.store.execute(sql: "SELECT count(*) FROM events", scope: .tenant(3), now: 0).canonicalText == "0\n")
        #expect(try Self.tenantAnswers(fixture.store, 1) == others[0])
    }

    @Test func theSnapshotsSystemEnvironmentOpensForLookups() throws {
        let fixture = try AnalyticsSource()
        defer { fixture.source.engine.close() }
        let (manifest, _) = try fixture.snapshot(to: fixture.source.target)
        let staging = fixture.source.directory.child("data") + "/.restore-system"
        let tenants = try SnapshotRestorer(target: fixture.source.target).withSnapshotSystem(manifest, staging: staging) {
            (engine: StorageEngine) throws(CortexError) in try engine.listTenants().map(\.id.rawValue)
        }
        #expect(tenants == ["acme", "beta"])
        #expect(!FileManager.default.fileExists(atPath: staging))
    }
}

/// The analytics part of snapshots against moto (S3): the same layout, HEAD-based reuse, prune and verify.
@Suite struct AnalyticsS3MotoTests {
    @Test func analyticsSnapshotToS3RestoresReusesSegmentsPrunesAndNamesACorruptObject() throws {
        let moto = try MotoServer()
        let fixture = try AnalyticsSource()
        defer { fixture.source.engine.close() }
        let client = try motoClient(moto)
        let target = S3Target(client: client, prefix: "backups/")
        let expected = try analyticsAnswers(fixture.store)
        let (first, firstStats) = try fixture.snapshot(to: target)
        let firstKeys = try #require(first.analytics?.segmentKeys)
        #expect(Set(try client.listObjects(prefix: "backups/analytics/")) == Set(firstKeys.map { "backups/" + $0 }))
        #expect(firstStats.uploadedObjectCount == first.analytics?.objects.count)

        let reader = SnapshotReader(target: target)
        try reader.verify(first)
        let restoredPath = fixture.source.directory.child("restored")
        _ = try SnapshotRestorer(target: target).restoreAll(first, to: restoredPath, replacing: false)
        let restored = try AnalyticsStore(folder: restoredPath + "/analytics", options: AnalyticsSource.options)
        #expect(try analyticsAnswers(restored) == expected)

        try fixture.append(events: 70, conversations: 14, seed: 20, dayOffset: 7, bulk: true)
        try fixture.append(events: 65, conversations: 13, seed: 21, dayOffset: 5)
        let (second, secondStats) = try fixture.snapshot(to: target)
        #expect(secondStats.reusedSegmentCount == firstKeys.count)
        #expect(secondStats.uploadedObjectCount == 6)
        try fixture.store.flush()
        let (third, _) = try fixture.snapshot(to: target)
        #expect(try reader.prune(keep: 1) == [first.id, second.id])
        let thirdKeys = try #require(third.analytics?.segmentKeys)
        #expect(Set(try client.listObjects(prefix: "backups/analytics/")) == Set(thirdKeys.map { "backups/" + $0 }))

        let manifest = try #require(third.analytics?.tables.first?.manifest)
        try target.write(manifest.key, bytes: [UInt8](repeating: 7, count: manifest.storedBytes))
        let error = #expect(throws: CortexError.self) { try reader.verify(third) }
        #expect(error?.message == "snapshot \(third.id) failed verification: \(manifest.key) does not match its SHA-256 in the manifest")
    }
}

@Suite struct AnalyticsSegmentCompressionTests {
    /// The measurement behind storing segments raw (AnalyticsSnapshotWriter.segmentCompression).
    @Test func aSecondZstdPassOverSegmentsSavesLittle() throws {
        let fixture = try AnalyticsSource()
        defer { fixture.source.engine.close() }
        let checkpoint = try fixture.store.checkpoint()
        defer { checkpoint.release() }
        var raw = 0, compressed = 0
        for table in checkpoint.tables {
            for segment in table.segments {
                let bytes = try readFile(segment.path)
                raw += bytes.count
                compressed += try zstdCompress(bytes).count
            }
        }
        print("segments: \(raw) bytes raw, \(compressed) bytes after zstd level 3 (\(Double(compressed) / Double(max(raw, 1))))")
        #expect(raw > 0)
    }
}
