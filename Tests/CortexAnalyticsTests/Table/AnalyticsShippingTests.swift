@testable import CortexAnalytics
import CortexCore
import CortexTesting
import Foundation
import Synchronization
import Testing

/// Time marks in the append log, and the log kept until shipped (`SHIPPED`, `logRecords`, `markShipped`).
@Suite struct AnalyticsShippingTests {
    private func options(keepingLog: Bool, sealRowCount: Int = 256 * 1024, automatic: Bool = false) -> AnalyticsTableOptions {
        var options = AnalyticsCrashWorkload.options
        options.keepsLogUntilShipped = keepingLog
        options.sealsAutomatically = automatic
        options.sealRowCount = sealRowCount
        return options
    }

    private func logFiles(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder + "/log").filter { $0.hasSuffix(".cxl") }.sorted()
    }

    private func headers(_ records: [[UInt8]]) throws -> [(lsn: UInt64, timeMark: Int64?)] {
        try records.map { (record: [UInt8]) throws(CortexError) in try AnalyticsLogRecords.header(of: record) }
    }

    @Test func everyFlushStartsWithATimeMarkThatTakesAnLSN() throws {
        let directory = TemporaryDirectory("analytics-shipping")
        let before = SystemEpochClock().nowMilliseconds()
        let table = try AnalyticsTable(folder: directory.child("t"), schema: AnalyticsCrashWorkload.schema, options: options(keepingLog: false))
        #expect(try table.append(AnalyticsCrashWorkload.batch(0)) == 2)
        try table.deleteTenant(4)
        #expect(try table.append(AnalyticsCrashWorkload.batch(1)) == 6)
        let records = try table.logRecords(after: 0, byteCountMax: .max)
        let marks = try headers(records)
        #expect(marks.map(\.lsn) == Array(1...6))
        #expect(marks.map { $0.timeMark != nil } == [true, false, true, false, true, false])
        let times = marks.compactMap(\.timeMark)
        #expect(times.allSatisfy { $0 >= before } && times == times.sorted(), "marks are commit times and never go back")
        #expect(try scannedRows(table).count == 2 * AnalyticsCrashWorkload.rowsPerBatch)
        #expect(throws: CortexError.corrupt("an analytics log record of 3 bytes is damaged")) {
            _ = try AnalyticsLogRecords.header(of: [1, 2, 3])
        }
    }

    @Test func sealsKeepLogFilesUntilShippedAndMarkShippedDeletesThem() throws {
        let directory = TemporaryDirectory("analytics-shipping")
        let folder = directory.child("t")
        var timeline: UInt64 = 0
        do {
            let table = try AnalyticsTable(folder: folder, schema: AnalyticsCrashWorkload.schema, options: options(keepingLog: true))
            timeline = table.timeline
            for batch in Int64(0)..<3 { try table.append(AnalyticsCrashWorkload.batch(batch)) }
            try table.flush()
            #expect(table.segmentCount == 1 && table.durableLSN == 6)
            #expect(try logFiles(folder) == ["log-0000000000000001.cxl", "log-0000000000000007.cxl"], "sealed but not shipped: kept")
            let records = try table.logRecords(after: 0, byteCountMax: 1)
            #expect(try headers(records).map(\.lsn) == [1], "at least one record per call")
            #expect(try headers(try table.logRecords(after: 2, byteCountMax: .max)).map(\.lsn) == [3, 4, 5, 6])
            try table.markShipped(through: 4)
            #expect(try logFiles(folder).count == 2, "the file still holds records 5 and 6")
            try table.markShipped(through: 6)
            #expect(try logFiles(folder) == ["log-0000000000000007.cxl"])
            #expect(table.shippedLSN == 6)
        }
        // SHIPPED survives reopening; a new timeline starts from the records held.
        let table = try AnalyticsTable(folder: folder, schema: AnalyticsCrashWorkload.schema, options: options(keepingLog: true))
        #expect(table.shippedLSN == 6 && table.timeline == timeline)
        try table.append(AnalyticsCrashWorkload.batch(3))
        try table.startNewTimeline()
        #expect(table.shippedLSN == 8 && table.timeline != timeline)
        #expect(try table.logRecords(after: table.shippedLSN, byteCountMax: .max).isEmpty)
    }

    @Test func withoutShippingSealsDeleteTheLogTheyCover() throws {
        let directory = TemporaryDirectory("analytics-shipping")
        let folder = directory.child("t")
        let table = try AnalyticsTable(folder: folder, schema: AnalyticsCrashWorkload.schema, options: options(keepingLog: false))
        for batch in Int64(0)..<3 { try table.append(AnalyticsCrashWorkload.batch(batch)) }
        try table.flush()
        #expect(try logFiles(folder) == ["log-0000000000000007.cxl"])
        // Shipping later starts at the first record still here.
        try table.append(AnalyticsCrashWorkload.batch(3))
        #expect(try headers(try table.logRecords(after: 0, byteCountMax: .max)).map(\.lsn) == [7, 8])
    }

    /// Four threads append while seals run in the background and a fifth thread ships: every
    /// record is shipped exactly once, in order, and the log holds nothing shipped and sealed.
    @Test func shippingDuringAppendsAndSealsSeesEveryRecordOnce() throws {
        let directory = TemporaryDirectory("analytics-shipping")
        let folder = directory.child("t")
        let table = try AnalyticsTable(
            folder: folder, schema: AnalyticsCrashWorkload.schema, options: options(keepingLog: true, sealRowCount: 1_000, automatic: true))
        let done = Atomic<Int>(0)
        let shipped = Mutex<[[UInt8]]>([])
        let failure = Mutex<CortexError?>(nil)
        @Sendable func shipRound() throws(CortexError) {
            while true {
                let records = try table.logRecords(after: table.shippedLSN, byteCountMax: 4_096)
                guard let last = records.last else { return }
                shipped.withLock { $0 += records }
                try table.markShipped(through: try AnalyticsLogRecords.header(of: last).lsn)
            }
        }
        DispatchQueue.concurrentPerform(iterations: 5) { thread in
            do throws(CortexError) {
                if thread == 4 {
                    while done.load(ordering: .acquiring) < 4 { try shipRound() }
                    return
                }
                for batch in 0..<60 { try table.append(AnalyticsCrashWorkload.batch(Int64(thread * 1_000 + batch))) }
            } catch {
                failure.withLock { $0 = error }
            }
            done.add(1, ordering: .releasing)
        }
        #expect(failure.withLock { $0 } == nil)
        try shipRound()
        let records = shipped.withLock { $0 }
        let lsns = try headers(records).map(\.lsn)
        #expect(lsns == Array(1...table.durableLSN))
        let batches = records.compactMap { AppendLog.parse($0, at: 0)?.0 }.filter { $0.kind == .rows }
        #expect(batches.count == 240)
        #expect(table.segmentCount > 0, "seals ran meanwhile")
        // Files left once the background seals are done: only ones holding records above the sealed LSN.
        table.maintenance.sync {}
        let sealed = table.state.withLock { $0.manifest.sealedLSN }
        let files = try AppendLog.files(in: folder + "/log")
        for (index, file) in files.enumerated().dropLast() {
            #expect(files[index + 1].firstLSN > sealed + 1, "\(file.path) is sealed and shipped, yet kept")
        }
    }
}
