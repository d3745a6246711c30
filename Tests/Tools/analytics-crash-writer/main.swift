// Child process of the analytics crash test (Tests/CortexAnalyticsTests/Table/AnalyticsCrashTests.swift).
//
// Usage: analytics-crash-writer FOLDER FIRST_BATCH [keep-log]
// (keep-log: the table keeps its append log until shipped, as a server with a backup target does.)
// Four threads append batches into an analytics table until killed; batch n
// holds `AnalyticsCrashWorkload.rowsPerBatch` rows (batch = n). The table seals
// every few thousand rows, so kills also land in seals and merges. After an
// append returns, the thread prints "ack n": a printed batch is acknowledged.
import CortexAnalytics
import CortexCore
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 || (arguments.count == 4 && arguments[3] == "keep-log"), let firstBatch = Int64(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: analytics-crash-writer FOLDER FIRST_BATCH [keep-log]\n".utf8))
    exit(2)
}

let output = NSLock()
do {
    var options = AnalyticsCrashWorkload.options
    options.keepsLogUntilShipped = arguments.count == 4
    let table = try AnalyticsTable(folder: arguments[1], schema: AnalyticsCrashWorkload.schema, options: options)
    DispatchQueue.concurrentPerform(iterations: 4) { thread in
        var batch = firstBatch + Int64(thread)
        while true {
            do {
                try table.append(AnalyticsCrashWorkload.batch(batch))
            } catch {
                FileHandle.standardError.write(Data("analytics-crash-writer: \(error)\n".utf8))
                exit(1)
            }
            output.lock()
            FileHandle.standardOutput.write(Data("ack \(batch)\n".utf8))
            output.unlock()
            batch += 4
        }
    }
} catch {
    FileHandle.standardError.write(Data("analytics-crash-writer: \(error)\n".utf8))
    exit(1)
}
