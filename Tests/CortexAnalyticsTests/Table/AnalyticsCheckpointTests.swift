@testable import CortexAnalytics
import CortexCore
import CortexTesting
import Dispatch
import Foundation
import Glibc
import Synchronization
import Testing

@Suite struct AnalyticsCheckpointTests {
    /// Small seals and narrow partitions: many segments, seals and merges while the test runs.
    static var options: AnalyticsTableOptions {
        var options = AnalyticsCrashWorkload.options
        options.sealRowCount = 1_000
        return options
    }

    /// Batches (their numbers) in a restored table, from the `batch` column.
    static func batches(in store: AnalyticsStore) throws -> [Int64: Int] {
        let result = try store.execute(sql: "SELECT batch, count(*) FROM crash GROUP BY batch", scope: .platform, now: 0)
        var counts: [Int64: Int] = [:]
        for row in result.rows {
            guard case .int(let batch) = row[0], case .int(let count) = row[1] else { Issue.record("unexpected row \(row)"); continue }
            counts[batch] = Int(count)
        }
        return counts
    }

    @Test func checkpointDuringAppendsSealsAndMergesRestoresExactlyTheRowsUpToThePinnedLSN() throws {
        let directory = TemporaryDirectory("cortex-checkpoint")
        let store = try AnalyticsStore(folder: directory.child("live"), options: Self.options)
        let table = try store.createTable(AnalyticsCrashWorkload.schema)
        let acknowledged = Mutex<[Int64: UInt64]>([:])  // batch → LSN its append returned
        let appended = Atomic<Int>(0)
        let failures = Mutex<[String]>([])
        let threads = 4, batchesPerThread = 150
        let group = DispatchGroup()
        for thread in 0..<threads {
            DispatchQueue.global().async(group: group) {
                for index in 0..<batchesPerThread {
                    let batch = Int64(thread * batchesPerThread + index)
                    do throws(CortexError) {
                        let lsn = try table.append(AnalyticsCrashWorkload.batch(batch))
                        acknowledged.withLock { $0[batch] = lsn }
                        appended.add(1, ordering: .relaxed)
                    } catch {
                        failures.withLock { $0.append(error.message) }
                    }
                }
            }
        }
        // Merges beside the automatic seals, one per 40 batches appended, until the appenders are done.
        DispatchQueue.global().async(group: group) {
            var next = 40
            while appended.load(ordering: .relaxed) < threads * batchesPerThread && failures.withLock({ $0.isEmpty }) {
                guard appended.load(ordering: .relaxed) >= next else {
                    sched_yield()
                    continue
                }
                next += 40
                do throws(CortexError) { try table.mergeSmallSegments() } catch { failures.withLock { $0.append(error.message) } }
            }
        }
        while appended.load(ordering: .relaxed) < threads * batchesPerThread / 2 && failures.withLock({ $0.isEmpty }) {
            sched_yield()
        }
        let checkpoint = try store.checkpoint()
        group.wait()
        #expect(failures.withLock { $0 } == [])
        // Seal and merge everything: segments the checkpoint lists leave the manifest, but not the disk.
        try table.flush()
        let crash = try #require(checkpoint.tables.first { $0.name == "crash" })
        let live = Set(table.state.withLock { $0.segments.map(\.entry.id) })
        #expect(crash.segments.contains { !live.contains($0.id) }, "no checkpointed segment was dropped; the test proves nothing")
        for segment in crash.segments { #expect(FileManager.default.fileExists(atPath: segment.path)) }
        #expect(checkpoint.tables.map(\.name) == ["conversations", "crash", "events"])

        try checkpoint.write(to: directory.child("restored"))
        checkpoint.release()
        for segment in crash.segments where !live.contains(segment.id) {
            #expect(!FileManager.default.fileExists(atPath: segment.path), "a released, dropped segment is deleted")
        }

        let expected = acknowledged.withLock { $0 }.filter { $0.value <= crash.pinnedLSN }
        #expect(expected.count > 0 && expected.count < threads * batchesPerThread)
        let restored = try AnalyticsStore(folder: directory.child("restored"), options: Self.options)
        let counts = try Self.batches(in: restored)
        #expect(counts == expected.mapValues { _ in AnalyticsCrashWorkload.rowsPerBatch })
        #expect(restored.analyticsTable(named: "crash")?.schema == AnalyticsCrashWorkload.schema)
    }

    @Test func checkpointHoldsSegmentsAndTheHotLogTail() throws {
        let directory = TemporaryDirectory("cortex-checkpoint")
        var options = Self.options
        options.sealsAutomatically = false
        let store = try AnalyticsStore(folder: directory.child("live"), options: options)
        let table = try store.createTable(AnalyticsCrashWorkload.schema)
        // Bulk loads write one segment per 20-second partition: batches 0–39 span 4 of them.
        for batch in Int64(0)..<40 { try table.bulkLoad(AnalyticsCrashWorkload.batch(batch)) }
        for batch in Int64(40)..<50 { try table.append(AnalyticsCrashWorkload.batch(batch)) }
        try table.deleteTenant(3)
        let checkpoint = try store.checkpoint()
        let crash = try #require(checkpoint.tables.first { $0.name == "crash" })
        #expect(crash.segments.count > 1)
        #expect(crash.pinnedLSN == crash.sealedLSN + 22, "10 row batches and one deleteTenant record above the sealed LSN, each after its flush's time mark")
        #expect(checkpoint.tablesFile != nil)
        try checkpoint.write(to: directory.child("restored"))
        let expected = try Self.batches(in: store)
        #expect(expected.count == 40, "tenant 3 (every fifth batch) is deleted")
        let restored = try AnalyticsStore(folder: directory.child("restored"), options: options)
        #expect(try Self.batches(in: restored) == expected)
    }

    @Test func checkpointOfAStoreWithoutRowsRestoresEmptyTables() throws {
        let directory = TemporaryDirectory("cortex-checkpoint")
        let store = try AnalyticsStore(folder: directory.child("live"))
        let checkpoint = try store.checkpoint()
        #expect(checkpoint.tablesFile == nil)
        #expect(checkpoint.tables.allSatisfy { $0.segments.isEmpty && $0.logTail.isEmpty && $0.pinnedLSN == 0 })
        try checkpoint.write(to: directory.child("restored"))
        let restored = try AnalyticsStore(folder: directory.child("restored"))
        #expect(restored.tableNames == ["conversations", "events"])
        #expect(restored.analyticsTable(named: "events")?.rowCount == 0)
    }
}
