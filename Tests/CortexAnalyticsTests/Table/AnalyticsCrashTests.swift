import CortexAnalytics
import CortexCore
import CortexTesting
import Foundation
import Testing

/// Kill -9 a process appending from four threads at random moments (including
/// during seals and merges); every acknowledged batch must survive, whole.
@Suite struct AnalyticsCrashTests {
    @Test func killedAppenderLosesNoAcknowledgedRow() throws {
        var random = SeededGenerator.fromEnvironment()
        let directory = TemporaryDirectory("analytics-crash")
        let folder = directory.child("table")
        var acknowledged = Set<Int64>()
        var nextBatch: Int64 = 0
        for round in 0..<12 {
            let acksBeforeKill = Int.random(in: 1...400, using: &random)
            let delayMicroseconds = UInt32.random(in: 0...20_000, using: &random)
            let (acks, killed) = try AnalyticsCrashChild.runAndKill(
                folder: folder, firstBatch: nextBatch, acksBeforeKill: acksBeforeKill, delayMicroseconds: delayMicroseconds)
            #expect(killed, "seed \(random.seed) round \(round): the child exited on its own")
            acknowledged.formUnion(acks)
            let table = try AnalyticsTable(folder: folder, schema: AnalyticsCrashWorkload.schema, options: AnalyticsCrashWorkload.options)
            var rowsPerBatch: [Int64: Int] = [:]
            for row in try scannedRows(table) {
                let batch = Int64(row[2])!
                rowsPerBatch[batch, default: 0] += 1
                #expect(row[0] == String(batch % 5) && row[1] == String(batch * 100 + Int64(row[3])!),
                        "seed \(random.seed) round \(round): row \(row) is not what batch \(batch) wrote")
                #expect(row[4] == (Int(row[3])! % 9 == 0 ? "NULL" : "b\(batch % 7)"), "seed \(random.seed): label of \(row)")
            }
            let missing = acknowledged.filter { rowsPerBatch[$0] == nil }
            #expect(missing.isEmpty, "seed \(random.seed) round \(round): acknowledged batches lost: \(missing.sorted())")
            let partial = rowsPerBatch.filter { $0.value != AnalyticsCrashWorkload.rowsPerBatch }
            #expect(partial.isEmpty, "seed \(random.seed) round \(round): batches with the wrong row count: \(partial)")
            try table.verify()
            nextBatch = max(rowsPerBatch.keys.max() ?? 0, acknowledged.max() ?? 0) + 1
        }
        #expect(acknowledged.count >= 12)
    }
}
