@testable import CortexAnalytics
import CortexCore
import CortexTesting
import Foundation
import Testing

@Suite struct AppendLogTests {
    private func replayAll(_ folder: String, after lsn: UInt64 = 0) throws -> (AppendLog, [LogRecord]) {
        let log = try AppendLog(folder: folder)
        var records: [LogRecord] = []
        try log.replay(after: lsn) { (record: LogRecord) throws(CortexError) in records.append(record) }
        return (log, records)
    }

    @Test func recordsComeBackInOrderAfterReopening() throws {
        let folder = TemporaryDirectory("append-log")
        do {
            let (log, records) = try replayAll(folder.path)
            #expect(records.isEmpty)
            #expect(try log.append([(.rows, [1, 2, 3]), (.deleteTenant, [9])]) == [1, 2])
            #expect(try log.append([(.rows, [])]) == [3])
        }
        let (log, records) = try replayAll(folder.path)
        #expect(records.map(\.lsn) == [1, 2, 3])
        #expect(records.map(\.payload) == [[1, 2, 3], [9], []])
        #expect(records.map(\.kind) == [.rows, .deleteTenant, .rows])
        #expect(try log.append([(.rows, [4])]) == [4])
        #expect(try replayAll(folder.path, after: 2).1.map(\.lsn) == [3, 4])
    }

    @Test func aTornTailIsCutAndAppendsContinueAfterIt() throws {
        let folder = TemporaryDirectory("append-log")
        do {
            let (log, _) = try replayAll(folder.path)
            _ = try log.append([(.rows, Array(repeating: 7, count: 100))])
            _ = try log.append([(.rows, Array(repeating: 8, count: 100))])
        }
        let file = try AppendLog(folder: folder.path).files().last!.path
        let handle = FileHandle(forUpdatingAtPath: file)!
        let size = try handle.seekToEnd()
        try handle.truncate(atOffset: size - 30)  // a crash in the middle of the second record
        try handle.close()
        let (log, records) = try replayAll(folder.path)
        #expect(records.map(\.lsn) == [1])
        #expect(try log.append([(.rows, [5])]) == [2])
        #expect(try replayAll(folder.path).1.map(\.payload) == [Array(repeating: 7, count: 100), [5]])
    }

    @Test func aDamagedRecordFollowedByGoodOnesIsReportedAsCorrupt() throws {
        let folder = TemporaryDirectory("append-log")
        do {
            let (log, _) = try replayAll(folder.path)
            _ = try log.append([(.rows, Array(repeating: 7, count: 100)), (.rows, Array(repeating: 8, count: 100))])
        }
        let file = try AppendLog(folder: folder.path).files().last!.path
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[AppendLog.headerByteCount + 10] ^= 0x40  // inside the first record's payload
        try bytes.write(to: URL(fileURLWithPath: file))
        #expect(throws: CortexError.corrupt("append log \(file): damaged record at byte 0 followed by valid records")) {
            _ = try replayAll(folder.path)
        }
    }

    @Test func sealedFilesAreRemovedAndTheRestStillReplays() throws {
        let folder = TemporaryDirectory("append-log")
        let (log, _) = try replayAll(folder.path)
        _ = try log.append([(.rows, [1]), (.rows, [2])])
        try log.startFile()
        _ = try log.append([(.rows, [3])])
        #expect(try log.files().count == 2)
        try log.removeFiles(through: 2)
        #expect(try log.files().count == 1)
        #expect(try replayAll(folder.path, after: 2).1.map(\.payload) == [[3]])
    }
}
