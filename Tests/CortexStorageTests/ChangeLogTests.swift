import CortexCore
@testable import CortexStorage
import CortexTesting
import Foundation
import Logging
import Synchronization
import Testing

/// The change log: one record per write transaction, in the same commit, and replay onto a copy.
@Suite struct ChangeLogTests {
    private static let logger = Logger(label: "test.changelog")

    /// Every entry of every table except the change log's own, by table name.
    private func contents(_ environment: Environment) throws -> [String: [[UInt8]: [UInt8]]] {
        var result: [String: [[UInt8]: [UInt8]]] = [:]
        for name in try environment.tableNames() where !name.hasPrefix("changelog.") {
            let database = try environment.databaseHandle(named: name)
            result[name] = try environment.read { (transaction: borrowing ReadTransaction) throws(CortexError) -> [[UInt8]: [UInt8]] in
                var entries: [[UInt8]: [UInt8]] = [:]
                try unsafe transaction.scan(database: database) { key, value in
                    entries[unsafe Array(key)] = unsafe Array(value)
                    return true
                }
                return entries
            }
        }
        return result
    }

    private func openEnvironment(_ path: String, pool: WorkerPool) throws -> Environment {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return try Environment(
            name: "tenant/t", path: path, options: EnvironmentOptions(mapByteCountInitial: 1 << 20, mapByteCountMax: 1 << 32),
            pool: pool, logger: Self.logger)
    }

    /// Random puts (small, large, reserved), deletes and clears over three tables, `count` transactions.
    private func randomWrites(_ environment: Environment, count: Int, random: inout SeededGenerator) throws {
        let names = ["a", "b", "c"]
        let databases = try names.map { try environment.databaseHandle(named: $0) }
        for _ in 0..<count {
            let seed = random.next()
            try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
                var local = SeededGenerator(seed: seed)
                for _ in 0..<Int.random(in: 1...20, using: &local) {
                    let database = databases[Int.random(in: 0..<3, using: &local)]
                    let key = [UInt8(Int.random(in: 0..<40, using: &local))]
                    switch Int.random(in: 0..<100, using: &local) {
                    case 0..<60:
                        let size = Int.random(in: 0..<10, using: &local) == 0 ? Int.random(in: 5_000...40_000, using: &local) : Int.random(in: 0...64, using: &local)
                        let byte = UInt8.random(in: 0...255, using: &local)
                        try transaction.put(database: database, key: key, value: [UInt8](repeating: byte, count: size))
                    case 60..<68:
                        let byte = UInt8.random(in: 0...255, using: &local)
                        try transaction.putReserved(database: database, key: key, byteCount: 100) { buffer in
                            for index in 0..<buffer.count { unsafe buffer[index] = byte &+ UInt8(truncatingIfNeeded: index) }
                        }
                    case 68..<75:
                        // Same-length rewrites that differ in a few bytes: logged as patches.
                        let changes = (0..<3).map { _ in (Int.random(in: 0..<4096, using: &local), UInt8.random(in: 0...255, using: &local)) }
                        try transaction.putReserved(database: database, key: [200, key[0]], byteCount: 4096) { buffer in
                            for index in 0..<buffer.count { unsafe buffer[index] = UInt8(truncatingIfNeeded: index &* 7 &+ Int(key[0])) }
                            for (index, byte) in changes { unsafe buffer[index] = byte }
                        }
                    case 75..<98:
                        try transaction.delete(database: database, key: key)
                    default:
                        try transaction.removeAll(database: database)
                    }
                }
            }
        }
    }

    /// One transaction per value, each putting it under its own key.
    private func putEach(_ values: Range<UInt8>, in environment: Environment) throws {
        let rows = try environment.databaseHandle(named: "rows")
        for value in values {
            try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
                try transaction.put(database: rows, key: [value], value: [value])
            }
        }
    }

    @Test func eachWriteTransactionGetsOneRecordWithTheNextLSNAndItsOperations() throws {
        let directory = TemporaryDirectory("cortex-changelog")
        let pool = WorkerPool(name: "test", threadCount: 1)
        defer { pool.shutdown() }
        let environment = try openEnvironment(directory.child("env"), pool: pool)
        defer { environment.close() }
        #expect(environment.lastLSN == 0)
        #expect(environment.timeline != 0)
        let rows = try environment.databaseHandle(named: "rows")
        let before = SystemEpochClock().nowMilliseconds()
        try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            try transaction.put(database: rows, key: [1], value: [10, 11])
            try transaction.putReserved(database: rows, key: [2], byteCount: 3) { buffer in
                unsafe buffer.copyBytes(from: [7, 8, 9])
            }
        }
        // No record for a transaction that changes nothing, one that deletes a missing key, or one that throws.
        try environment.writeSync { (_: inout WriteTransaction) throws(CortexError) in }
        try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            try transaction.delete(database: rows, key: [99])
        }
        #expect(throws: CortexError.self) {
            try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
                try transaction.put(database: rows, key: [3], value: [1])
                throw .conflict("abandoned")
            }
        }
        try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            try transaction.delete(database: rows, key: [1])
            try transaction.removeAll(database: rows)
        }
        #expect(environment.lastLSN == 2)
        let records = try environment.changeRecords(after: 0, byteCountMax: 1 << 20).map { try ChangeRecord(decoding: $0) }
        #expect(records.map(\.lsn) == [1, 2])
        #expect(records[0].operations == [.put(table: "rows", key: [1], value: [10, 11]), .put(table: "rows", key: [2], value: [7, 8, 9])])
        #expect(records[1].operations == [.delete(table: "rows", key: [1]), .clear(table: "rows")])
        #expect(records.allSatisfy { $0.committedAt >= before && $0.committedAt <= SystemEpochClock().nowMilliseconds() })
        #expect(try environment.changeRecords(after: 1, byteCountMax: 1).map { try ChangeRecord(decoding: $0).lsn } == [2])
    }

    /// A large value rewritten at the same length is logged as the ranges that changed, and replays exactly.
    @Test func aSameLengthRewriteIsLoggedAsAPatch() throws {
        let directory = TemporaryDirectory("cortex-changelog")
        let pool = WorkerPool(name: "test", threadCount: 1)
        defer { pool.shutdown() }
        let environment = try openEnvironment(directory.child("env"), pool: pool)
        defer { environment.close() }
        let copy = try openEnvironment(directory.child("copy"), pool: pool)
        defer { copy.close() }
        let rows = try environment.databaseHandle(named: "rows")
        var value = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            try transaction.put(database: rows, key: [1], value: value)
        }
        value[10] ^= 0xFF
        value[40_000] ^= 0xFF
        value[40_001] ^= 0x0F
        let changed = value
        try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            try transaction.putReserved(database: rows, key: [1], byteCount: changed.count) { buffer in unsafe buffer.copyBytes(from: changed) }
        }
        let records = try environment.changeRecords(after: 0, byteCountMax: .max)
        #expect(records.count == 2)
        #expect(records[1].count < 400, "a patch of two 64-byte blocks, not the 64 KiB value")
        let patch = try ChangeRecord(decoding: records[1])
        guard case .patch(let table, let key, let length, let ranges) = try #require(patch.operations.first) else {
            Issue.record("not a patch: \(patch.operations)")
            return
        }
        #expect(table == "rows" && key == [1] && length == 65_536)
        #expect(ranges.map(\.offset) == [0, 40_000] && ranges.map(\.bytes.count) == [64, 64])
        #expect(try copy.apply(changeRecords: records) == 2)
        #expect(try contents(copy) == contents(environment))
        // A copy that does not hold the patched value refuses the record instead of guessing.
        let stranger = try openEnvironment(directory.child("stranger"), pool: pool)
        defer { stranger.close() }
        #expect(throws: CortexError.self) { try stranger.apply(changeRecords: [records[1]]) }
    }

    /// A copy pinned at some LSN plus the records after it is the original, table for table, and the
    /// replayed log is the original's byte for byte.
    @Test func replayingTheRecordsAfterACopyRebuildsTheEnvironment() throws {
        let directory = TemporaryDirectory("cortex-changelog")
        let pool = WorkerPool(name: "test", threadCount: 2)
        defer { pool.shutdown() }
        var random = SeededGenerator.fromEnvironment()
        let original = try openEnvironment(directory.child("original"), pool: pool)
        defer { original.close() }
        try randomWrites(original, count: 60, random: &random)
        try FileManager.default.createDirectory(atPath: directory.child("copy"), withIntermediateDirectories: true)
        let descriptor = open(directory.child("copy") + "/data.mdb", O_WRONLY | O_CREAT | O_TRUNC, 0o640)
        let pin = try original.copyCompacted(to: descriptor)
        close(descriptor)
        #expect(pin.lsn == original.lastLSN)
        try randomWrites(original, count: 200, random: &random)  // grows the 1 MiB map on the way
        let copy = try openEnvironment(directory.child("copy"), pool: pool)
        defer { copy.close() }
        #expect(copy.lastLSN == pin.lsn)
        #expect(copy.timeline == pin.timeline)
        let records = try original.changeRecords(after: 0, byteCountMax: .max)
        #expect(records.count == Int(original.lastLSN))
        // Applied in batches that overlap what the copy already holds.
        var applied = 0
        for start in stride(from: 0, to: records.count, by: 37) {
            applied += try copy.apply(changeRecords: Array(records[start..<min(records.count, start + 50)]))
        }
        #expect(applied == Int(original.lastLSN - pin.lsn))
        #expect(copy.lastLSN == original.lastLSN)
        #expect(try contents(copy) == contents(original))
        #expect(try copy.changeRecords(after: pin.lsn, byteCountMax: .max) == records.dropFirst(Int(pin.lsn)).map { $0 })
    }

    @Test func aGapADamagedRecordAndAnUnknownTableAreRefused() throws {
        let directory = TemporaryDirectory("cortex-changelog")
        let pool = WorkerPool(name: "test", threadCount: 1)
        defer { pool.shutdown() }
        let target = try openEnvironment(directory.child("target"), pool: pool)
        defer { target.close() }
        let second = ChangeRecord(lsn: 2, committedAt: 1, operations: [.put(table: "rows", key: [1], value: [1])]).encoded()
        #expect(throws: CortexError.corrupt("tenant/t: change record 2 cannot follow LSN 0; records 1-1 are missing")) {
            try target.apply(changeRecords: [second])
        }
        var damaged = ChangeRecord(lsn: 1, committedAt: 1, operations: [.put(table: "rows", key: [1], value: [1, 2, 3])]).encoded()
        damaged[damaged.count - 6] ^= 0x10
        #expect(throws: CortexError.corrupt("change record 1 fails its checksum")) { try target.apply(changeRecords: [damaged]) }
        #expect(throws: CortexError.self) { try ChangeRecord(decoding: Array(damaged.prefix(20))) }
        #expect(target.lastLSN == 0)
        #expect(try target.tableNames().filter { !$0.hasPrefix("changelog.") }.isEmpty)
    }

    @Test func shippedRecordsAreDeletedAndANewTimelineStartsAfterTheLastLSN() throws {
        let directory = TemporaryDirectory("cortex-changelog")
        let pool = WorkerPool(name: "test", threadCount: 1)
        defer { pool.shutdown() }
        var environment = try openEnvironment(directory.child("env"), pool: pool)
        try putEach(0..<10, in: environment)
        try environment.markShipped(through: 6)
        #expect(try environment.shippedLSN() == 6)
        #expect(try environment.changeRecords(after: 6, byteCountMax: .max).map { try ChangeRecord(decoding: $0).lsn } == [7, 8, 9, 10])
        // The LSN and the shipped mark survive reopening; the log is not restarted.
        environment.close()
        environment = try openEnvironment(directory.child("env"), pool: pool)
        defer { environment.close() }
        #expect(environment.lastLSN == 10)
        #expect(try environment.shippedLSN() == 6)
        let oldTimeline = environment.timeline
        let newTimeline = try environment.startNewTimeline()
        #expect(newTimeline != oldTimeline && environment.timeline == newTimeline)
        #expect(try environment.shippedLSN() == 10)
        #expect(try environment.changeRecords(after: 10, byteCountMax: .max).isEmpty)
        try putEach(10..<11, in: environment)
        #expect(try environment.changeRecords(after: 10, byteCountMax: .max).map { try ChangeRecord(decoding: $0).lsn } == [11])
    }

    /// Copies taken while four threads write: each copy holds exactly the commits up to its pinned LSN.
    @Test func aCopyTakenDuringWritesHoldsExactlyItsPinnedLSN() throws {
        let directory = TemporaryDirectory("cortex-changelog")
        let pool = WorkerPool(name: "test", threadCount: 4)
        defer { pool.shutdown() }
        let environment = try openEnvironment(directory.child("env"), pool: pool)
        defer { environment.close() }
        let counter = try environment.databaseHandle(named: "counter")
        let stop = Atomic<Bool>(false)
        let finished = Atomic<Int>(0)
        let writers = (0..<4).map { writer in
            Thread {
                defer { finished.add(1, ordering: .releasing) }
                var round: UInt64 = 0
                while !stop.load(ordering: .relaxed) {
                    round += 1
                    let value = withUnsafeBytes(of: round) { Array($0) }
                    _ = try? environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
                        try transaction.put(database: counter, key: [UInt8(writer)], value: value)
                        try transaction.put(database: counter, key: Array("filler-\(round % 50)".utf8), value: [UInt8](repeating: 1, count: 2_000))
                    }
                }
            }
        }
        writers.forEach { $0.start() }
        defer {
            stop.store(true, ordering: .relaxed)
            while finished.load(ordering: .acquiring) < writers.count { Thread.sleep(forTimeInterval: 0.001) }
        }
        for attempt in 0..<8 {
            Thread.sleep(forTimeInterval: 0.02)
            let path = directory.child("copy-\(attempt)")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let descriptor = open(path + "/data.mdb", O_WRONLY | O_CREAT | O_TRUNC, 0o640)
            let pin = try environment.copyCompacted(to: descriptor)
            close(descriptor)
            let copy = try openEnvironment(path, pool: pool)
            #expect(copy.lastLSN == pin.lsn)
            #expect(pin.lsn > 0)
            copy.close()
        }
    }
}
