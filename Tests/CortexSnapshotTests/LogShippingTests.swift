import CortexCore
import CortexSnapshot
import CortexStorage
import CortexTesting
import CortexVector
import Foundation
import Testing

/// Change-log shipping and point-in-time restore, against a local folder target.
@Suite struct LogShippingTests {
    private func now() -> Int64 { SystemEpochClock().nowMilliseconds() }

    /// Waits until the wall clock has moved past `time`, so later commits carry a later time.
    private func tick(after time: Int64) {
        while now() <= time { usleep(1_000) }
    }

    private func restored(_ path: String, _ body: (StorageEngine) throws -> Void) throws {
        let engine = try StorageEngine(options: StorageOptions(dataDirectory: path))
        defer { engine.close() }
        try body(engine)
    }

    private func note(_ engine: StorageEngine, _ tenant: String) throws -> String? {
        try engine.withTenantSync(try TenantID(tenant)) { (environment: Environment) throws(CortexError) -> String? in
            let notes: Table<String, [UInt8]> = try environment.table("notes")
            return try notes.get("note", in: environment).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// Write A, note the time, write B: restoring to that time has A and not B; to the end, both.
    @Test func restoreToATimeHasWhatWasWrittenBeforeItAndNothingAfter() throws {
        let source = try Source()
        defer { source.engine.close() }
        let target = source.target
        let manifest = try SnapshotWriter(engine: source.engine, target: target).create()
        #expect(manifest.formatVersion == 2)
        #expect(manifest.environments.allSatisfy { $0.lsn != nil && $0.timeline != nil && $0.pinnedAt != nil })

        try source.setNote("A", for: source.beta)
        try source.addVectors(ids: 600..<650)
        let gamma = try TenantID("gamma")
        try source.engine.createTenant(gamma)
        try source.setNote("gamma A", for: gamma)
        let pointA = now()
        tick(after: pointA)
        try source.setNote("B", for: source.beta)
        try source.addVectors(ids: 650..<700)
        try source.setNote("gamma B", for: gamma)
        let delta = try TenantID("delta")
        try source.engine.createTenant(delta)
        let expectedLatest = try observe(source.engine)

        let report = LogShipper(engine: source.engine, target: target, chunkByteCountMax: 64 << 10).shipChanged()
        #expect(report.failures.isEmpty)
        #expect(report.chunks > 3, "small chunks: several per environment")
        #expect(try source.engine.system.changeRecords(after: 0, byteCountMax: .max).isEmpty, "shipped records are gone locally")

        let atA = source.directory.child("at-a")
        let outcome = try SnapshotRestorer(target: target).restoreAll(manifest, to: atA, replacing: false, until: .time(pointA))
        #expect(outcome.tenants.map(\.rawValue) == ["acme", "beta", "gamma"], "gamma came back from its log alone; delta did not exist yet")
        try restored(atA) { (engine: StorageEngine) throws in
            #expect(try note(engine, "beta") == "A")
            #expect(try note(engine, "gamma") == "gamma A")
            let count = try engine.withTenantSync(source.acme) { (environment: Environment) throws(CortexError) in
                try VectorStore(environment: environment).collection(named: "docs").count()
            }
            #expect(count == 650)
        }

        let latest = source.directory.child("latest")
        _ = try SnapshotRestorer(target: target).restoreAll(manifest, to: latest, replacing: false, until: .latest)
        try restored(latest) { (engine: StorageEngine) throws in
            #expect(try observe(engine) == expectedLatest)
            #expect(try note(engine, "gamma") == "gamma B")
            #expect(try engine.listTenants().map(\.id.rawValue) == ["acme", "beta", "delta", "gamma"])
        }

        let snapshotOnly = source.directory.child("snapshot-only")
        _ = try SnapshotRestorer(target: target).restoreAll(manifest, to: snapshotOnly, replacing: false, until: .snapshot)
        try restored(snapshotOnly) { (engine: StorageEngine) throws in
            #expect(try note(engine, "beta") == "before")
            #expect(try engine.listTenants().map(\.id.rawValue) == ["acme", "beta"])
        }
    }

    /// A restored environment starts a new timeline: its new writes ship beside, never over, the old history.
    @Test func writesAfterARestoreShipOnANewTimeline() throws {
        let source = try Source()
        defer { source.engine.close() }
        let target = source.target
        let manifest = try SnapshotWriter(engine: source.engine, target: target).create()
        try source.setNote("old history", for: source.beta)
        LogShipper(engine: source.engine, target: target).shipChanged()
        let oldTimeline = try source.engine.withTenantSync(source.beta) { (environment: Environment) throws(CortexError) in environment.timeline }

        _ = try SnapshotRestorer(target: target).restoreTenant(source.beta, from: manifest, into: source.engine, until: .snapshot)
        #expect(try note(source.engine, "beta") == "before")
        try source.setNote("new history", for: source.beta)
        let report = LogShipper(engine: source.engine, target: target).shipChanged()
        #expect(report.failures.isEmpty)
        let timelines = try LogArchive(target: target).timelines(environment: "tenant/beta")
        #expect(timelines.count == 2 && timelines.contains(oldTimeline))
        // The old history is intact: the snapshot plus its log still gives "old history".
        let replayed = try SnapshotRestorer(target: target).restoreTenant(source.beta, from: manifest, into: source.engine, until: .latest)
        #expect(replayed.applied == 1)
        #expect(try note(source.engine, "beta") == "old history")
        #expect(try note(source.engine, "acme") == nil, "acme untouched")
    }

    @Test func aTenantRestoredToAnLSNStopsThereAndLeavesOthersAlone() throws {
        let source = try Source()
        defer { source.engine.close() }
        let target = source.target
        let manifest = try SnapshotWriter(engine: source.engine, target: target).create()
        let base = try #require(manifest.environments.first { $0.tenant == "beta" }?.lsn)
        for text in ["one", "two", "three"] { try source.setNote(text, for: source.beta) }
        try source.addVectors(ids: 600..<610)
        LogShipper(engine: source.engine, target: target).shipChanged()
        let acmeBefore = try observe(source.engine).filter { !$0.hasPrefix("beta") }

        let result = try SnapshotRestorer(target: target).restoreTenant(source.beta, from: manifest, into: source.engine, until: .lsn(base + 2))
        #expect(result.applied == 2 && result.lastLSN == base + 2)
        #expect(try note(source.engine, "beta") == "two")
        #expect(try observe(source.engine).filter { !$0.hasPrefix("beta") } == acmeBefore)
        #expect(throws: CortexError.self) {
            _ = try SnapshotRestorer(target: target).restoreTenant(source.beta, from: manifest, into: source.engine, until: .lsn(base + 99))
        }
        #expect(try note(source.engine, "beta") == "two", "a failed restore changed nothing")
    }

    /// A damaged chunk and a missing one are named; nothing is restored.
    @Test func aDamagedOrMissingChunkIsNamedAndNothingIsRestored() throws {
        let source = try Source()
        defer { source.engine.close() }
        let target = source.target
        let manifest = try SnapshotWriter(engine: source.engine, target: target).create()
        for text in ["one", "two", "three"] {
            try source.setNote(text, for: source.beta)
            LogShipper(engine: source.engine, target: target).shipChanged()  // one chunk per write
        }
        let archive = LogArchive(target: target)
        let timelineText = try #require(manifest.environments.first { $0.tenant == "beta" }?.timeline)
        let timeline = try #require(Timeline.parse(timelineText))
        let chunks = try archive.chunks(environment: "tenant/beta", timeline: timeline)
        #expect(chunks.count == 3)

        let damaged = source.directory.child("backups") + "/" + chunks[1].key
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: damaged)))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        let restoredPath = source.directory.child("restored")
        #expect {
            _ = try SnapshotRestorer(target: target).restoreAll(manifest, to: restoredPath, replacing: false, until: .latest)
        } throws: { error in
            (error as? CortexError)?.code == .corrupt && (error as? CortexError)?.message.contains(chunks[1].key) == true
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: restoredPath).filter { !$0.hasPrefix(".") }.isEmpty)

        try FileManager.default.removeItem(atPath: damaged)
        #expect {
            _ = try SnapshotRestorer(target: target).restoreAll(manifest, to: restoredPath, replacing: false, until: .latest)
        } throws: { error in
            let message = (error as? CortexError)?.message ?? ""
            return message.contains("tenant/beta") && message.contains("missing LSN") && message.contains(chunks[2].key)
        }
    }

    /// A chunk shipped twice (a crash between upload and marking it shipped) replays once.
    @Test func aChunkShippedAgainAfterACrashIsReplayedOnce() throws {
        let source = try Source()
        defer { source.engine.close() }
        let target = source.target
        let manifest = try SnapshotWriter(engine: source.engine, target: target).create()
        try source.setNote("one", for: source.beta)
        // Upload without marking shipped, as a process killed between the two steps leaves it.
        try source.engine.withTenantSync(source.beta) { (environment: Environment) throws(CortexError) in
            let records = try environment.changeRecords(after: try environment.shippedLSN(), byteCountMax: .max)
            let chunk = try LogChunk(environment: environment.name, timeline: environment.timeline, records: records)
            try target.write(chunk.key, bytes: try chunk.compressed())
        }
        try source.setNote("two", for: source.beta)
        LogShipper(engine: source.engine, target: target).shipChanged()
        let restoredPath = source.directory.child("restored")
        let outcome = try SnapshotRestorer(target: target).restoreAll(manifest, to: restoredPath, replacing: false, until: .latest)
        #expect(outcome.replays.first { $0.environment == "tenant/beta" }?.applied == 2)
        try restored(restoredPath) { (engine: StorageEngine) throws in #expect(try note(engine, "beta") == "two") }
    }
}
