@testable import CortexAnalytics
import CortexCore
import CortexTesting
import Dispatch
import Foundation
import Synchronization
import Testing

@Suite struct AnalyticsTableTests {
    private static let day: Int64 = 86_400_000

    private func options(seal: Bool = false) -> AnalyticsTableOptions {
        var options = AnalyticsTableOptions()
        options.sealsAutomatically = seal
        return options
    }

    /// Rows of the crash schema: (tenant, ts, batch, row, label).
    private func rows(_ count: Int, tenant: (Int) -> Int64, ts: (Int) -> Int64, seed: Int64 = 0) -> [[String]] {
        (0..<count).map { index in
            [String(tenant(index)), String(ts(index)), String(seed), String(index), index % 4 == 0 ? "NULL" : "l\(index % 3)"]
        }
    }

    private let schema = AnalyticsCrashWorkload.schema

    @Test func appendedRowsAreScannedAndSurviveReopening() throws {
        let folder = TemporaryDirectory("analytics-table")
        let batch = rows(300, tenant: { Int64($0 % 3) }, ts: { Int64($0) * 1000 })
        do {
            let table = try AnalyticsTable(folder: folder.path, schema: schema, options: options())
            // Each flush's time mark takes the LSN before its batch.
            #expect(try table.append(columns(Array(batch[0..<100]), schema: schema)) == 2)
            #expect(try table.append(columns(Array(batch[100...]), schema: schema)) == 4)
            #expect(try scannedRows(table) == batch)
            #expect(table.rowCount == 300)
        }
        let reopened = try AnalyticsTable(folder: folder.path, schema: schema, options: options())
        #expect(try scannedRows(reopened) == batch)
    }

    @Test func flushSealsHotRowsIntoSegmentsSortedByTenantAndReopensFromThem() throws {
        let folder = TemporaryDirectory("analytics-table")
        let batch = rows(5000, tenant: { Int64($0 % 7) }, ts: { Int64($0) * 60_000 })  // 5000 minutes ≈ 3.5 days
        do {
            let table = try AnalyticsTable(folder: folder.path, schema: schema, options: options())
            try table.append(columns(batch, schema: schema))
            try table.flush()
            // Sealed per day, then the four small day segments merge into one.
            #expect(table.segmentCount == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/log").count == 1)
        }
        let table = try AnalyticsTable(folder: folder.path, schema: schema, options: options())
        let scanned = try scannedRows(table)
        #expect(scanned.count == 5000)
        #expect(Set(scanned.map { $0.joined(separator: ",") }) == Set(batch.map { $0.joined(separator: ",") }))
        #expect(scanned.map { Int($0[0])! } == scanned.map { Int($0[0])! }.sorted())
        try table.verify()
    }

    @Test func aTenantScanSeesOnlyThatTenantsRowsInSegmentsAndHotRows() throws {
        let folder = TemporaryDirectory("analytics-table")
        let table = try AnalyticsTable(folder: folder.path, schema: schema, options: options())
        let sealed = rows(4000, tenant: { Int64($0 % 5) }, ts: { Int64($0) * 100_000 })
        try table.append(columns(sealed, schema: schema))
        try table.flush()
        let hot = rows(500, tenant: { Int64($0 % 5) }, ts: { 10 * Self.day + Int64($0) }, seed: 1)
        try table.append(columns(hot, schema: schema))
        for tenant in 0..<6 {
            let scanned = try scannedRows(table, ScanRequest(tenant: Int64(tenant)))
            let expected = (sealed + hot).filter { $0[0] == String(tenant) }
            #expect(scanned.count == expected.count)
            #expect(Set(scanned.map { $0.joined(separator: ",") }) == Set(expected.map { $0.joined(separator: ",") }))
        }
    }

    @Test func zoneMapHintsSkipBlocksButNeverDropMatchingRows() throws {
        let folder = TemporaryDirectory("analytics-table")
        let table = try AnalyticsTable(folder: folder.path, schema: schema, options: options())
        let batch = rows(20_000, tenant: { Int64($0 / 4000) }, ts: { Int64($0) * 1000 })
        try table.append(columns(batch, schema: schema))
        try table.flush()
        let request = ScanRequest(tenant: nil, ranges: [ColumnRange(column: 1, lower: 5_000_000, upper: 5_999_999)])
        let scanned = try scannedRows(table, request)
        let wanted = batch.filter { (5_000_000...5_999_999).contains(Int64($0[1])!) }
        #expect(Set(wanted.map { $0.joined(separator: ",") }).isSubset(of: Set(scanned.map { $0.joined(separator: ",") })))
        #expect(scanned.count < 20_000 / 2, "zone maps pruned nothing: \(scanned.count) rows scanned")
    }

    @Test func smallSegmentsOfNeighbouringDaysMergeIntoOne() throws {
        let folder = TemporaryDirectory("analytics-table")
        do {
            let table = try AnalyticsTable(folder: folder.path, schema: schema, options: options())
            let batch = rows(6000, tenant: { Int64($0 % 11) }, ts: { Int64($0) * 30_000 })  // ~2.1 days
            try table.bulkLoad(columns(Array(batch[0..<3000]), schema: schema))
            try table.bulkLoad(columns(Array(batch[3000...]), schema: schema))
            // Each bulk load writes its neighbouring days into one segment.
            #expect(table.segmentCount == 2)
            try table.mergeSmallSegments()
            #expect(table.segmentCount == 1)
            #expect(try scannedRows(table).count == 6000)
        }
        let reopened = try AnalyticsTable(folder: folder.path, schema: schema, options: options())
        #expect(reopened.segmentCount == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/segments").count == 1)
        // Tenant runs stay contiguous across the merged days.
        let tenants = try scannedRows(reopened).map { Int($0[0])! }
        #expect(tenants == tenants.sorted())
    }

    @Test func deletingATenantRemovesItsRowsEverywhereAndStaysDeleted() throws {
        let folder = TemporaryDirectory("analytics-table")
        let sealed = rows(3000, tenant: { Int64($0 % 3) }, ts: { Int64($0) * 60_000 })
        let hot = rows(300, tenant: { Int64($0 % 3) }, ts: { 5 * Self.day + Int64($0) }, seed: 2)
        do {
            let table = try AnalyticsTable(folder: folder.path, schema: schema, options: options())
            try table.append(columns(sealed, schema: schema))
            try table.flush()
            try table.append(columns(hot, schema: schema))
            let filesBefore = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/segments").sorted()
            try table.deleteTenant(1)
            #expect(try scannedRows(table).allSatisfy { $0[0] != "1" })
            #expect(try scannedRows(table).count == 2200)
            #expect(try scannedRows(table, ScanRequest(tenant: 1)).isEmpty)
            #expect(table.rowCount == 2200)
            // Marked deleted, not rewritten.
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/segments").sorted() == filesBefore)
        }
        let table = try AnalyticsTable(folder: folder.path, schema: schema, options: options())
        let remaining = try scannedRows(table)
        #expect(remaining.count == 2200)
        #expect(remaining.allSatisfy { $0[0] != "1" })
        // The physical purge rewrites the segments without the tenant's bytes.
        try table.compactDeletedRows()
        let segmentFolder = folder.path + "/segments"
        for name in try FileManager.default.contentsOfDirectory(atPath: segmentFolder) {
            let segment = try Segment(path: segmentFolder + "/" + name, schema: schema)
            #expect(segment.rows(ofTenant: 1).isEmpty)
        }
        #expect(try scannedRows(table).count == 2200)
        #expect(throws: CortexError.conflict("analytics table folder \(folder.path) is in use by another process or table object")) {
            try AnalyticsTable(folder: folder.path, schema: schema, options: options())
        }
    }

    @Test func concurrentAppendersShareFlushesAndLoseNothing() throws {
        let folder = TemporaryDirectory("analytics-table")
        var options = options(seal: true)
        options.sealRowCount = 2000
        let table = try AnalyticsTable(folder: folder.path, schema: schema, options: options)
        let failures = Mutex<[String]>([])
        let lsns = Mutex<[UInt64]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for batch in 0..<40 {
                do {
                    let lsn = try table.append(AnalyticsCrashWorkload.batch(Int64(thread * 1000 + batch)))
                    lsns.withLock { $0.append(lsn) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        #expect(Set(lsns.withLock { $0 }).count == 320)
        try table.flush()
        let scanned = try scannedRows(table)
        #expect(scanned.count == 320 * AnalyticsCrashWorkload.rowsPerBatch)
        #expect(Set(scanned.map { $0[2] }).count == 320)
    }

    @Test func badBatchesAreRejectedAndStoreNothing() throws {
        let folder = TemporaryDirectory("analytics-table")
        let table = try AnalyticsTable(folder: folder.path, schema: schema, options: options())
        var batch = columns(rows(3, tenant: { _ in 1 }, ts: { Int64($0) }), schema: schema)
        batch[0] = ColumnVector(.int64([1, 2, 3]), validity: [true, false, true])
        #expect(throws: CortexError.invalidInput("column tenant_id is NOT NULL; the batch has 1 nulls in it")) { try table.append(batch) }
        batch[0] = ColumnVector(.float64([1, 2, 3]))
        #expect(throws: CortexError.invalidInput("column tenant_id expects int64 values")) { try table.append(batch) }
        batch[0] = ColumnVector(.int64([1, 2]))
        #expect(throws: CortexError.invalidInput("column ts has 2 rows; the batch has 3")) {
            try table.append([batch[1]] + [batch[0]] + Array(batch[2...]))
        }
        #expect(throws: CortexError.invalidInput("table crash has 5 columns; the batch has 2")) { try table.append(Array(batch[0..<2])) }
        batch = columns(rows(3, tenant: { _ in 1 }, ts: { Int64($0) }), schema: schema)
        batch[3] = ColumnVector(.int64([1, 1 << 40, 3]))
        #expect(throws: CortexError.invalidInput("column row is int32; 1099511627776 is out of range")) { try table.append(batch) }
        #expect(table.rowCount == 0)
    }

    @Test func bulkLoadsLargerThanASegmentCheckEveryValue() throws {
        let folder = TemporaryDirectory("analytics-table")
        let table = try AnalyticsTable(folder: folder.path, schema: schema, options: options())
        let count = AnalyticsLimits.segmentRowCountMax + 1
        var rows = ContiguousArray((0..<count).map { Int64($0 % 1000) })
        rows[count - 1] = 1 << 40
        let dictionary = StringDictionary([""])
        let batch = [
            ColumnVector(.int64(ContiguousArray(repeating: 1, count: count))),
            ColumnVector(.int64(ContiguousArray((0..<count).map { Int64($0) }))),
            ColumnVector(.int64(ContiguousArray(repeating: 7, count: count))), ColumnVector(.int64(rows)),
            ColumnVector(.string(ContiguousArray(repeating: 0, count: count), dictionary)),
        ]
        #expect(throws: CortexError.invalidInput("column row is int32; 1099511627776 is out of range")) { try table.bulkLoad(batch) }
        #expect(table.rowCount == 0)
    }

    @Test func aFlippedByteInASegmentIsReportedNotRead() throws {
        let folder = TemporaryDirectory("analytics-table")
        do {
            let table = try AnalyticsTable(folder: folder.path, schema: schema, options: options())
            try table.append(columns(rows(3000, tenant: { Int64($0 % 3) }, ts: { Int64($0) }), schema: schema))
            try table.flush()
        }
        let segmentFolder = folder.path + "/segments"
        let name = try FileManager.default.contentsOfDirectory(atPath: segmentFolder).first!
        let url = URL(fileURLWithPath: segmentFolder + "/" + name)
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count / 3] ^= 0x10
        try bytes.write(to: url)
        var failed = false
        do {
            let table = try AnalyticsTable(folder: folder.path, schema: schema, options: options())
            _ = try scannedRows(table)
            try table.verify()
        } catch let error as CortexError {
            failed = error.code == .corrupt
        }
        #expect(failed, "a flipped byte in \(name) went unnoticed")
    }
}
