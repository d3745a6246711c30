import CortexCore
import CortexStorage
import CortexTesting
import Foundation
import Testing

/// Kill -9 a writer at random moments; every acknowledged batch must survive
/// and no batch may be visible half-written.
@Suite struct CrashTests {
    @Test func killedWriterLosesNoAcknowledgedBatch() throws {
        var random = SeededGenerator.fromEnvironment()
        let directory = TemporaryDirectory("cortex-crash")
        let dataPath = directory.child("data")
        var acknowledged = Set<UInt64>()
        var nextBatch: UInt64 = 0
        for round in 0..<24 {
            let acksBeforeKill = Int.random(in: 1...12, using: &random)
            let delayMicroseconds = UInt32.random(in: 0...3_000, using: &random)
            let acks = try runWriterAndKill(dataPath: dataPath, firstBatch: nextBatch, acksBeforeKill: acksBeforeKill,
                                            delayMicroseconds: delayMicroseconds)
            acknowledged.formUnion(acks)
            let present = try verifyData(at: dataPath, seed: random.seed, round: round)
            let missing = acknowledged.subtracting(present)
            #expect(missing.isEmpty, "seed \(random.seed) round \(round): acknowledged batches lost: \(missing.sorted())")
            nextBatch = (present.max() ?? 0) + 1
        }
        #expect(acknowledged.count >= 24)
    }

    /// Starts the child, waits for `acksBeforeKill` acknowledgements, sleeps a
    /// random moment and kills it; returns the batches it acknowledged.
    private func runWriterAndKill(dataPath: String, firstBatch: UInt64, acksBeforeKill: Int, delayMicroseconds: UInt32) throws -> Set<UInt64> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Products.path(of: "crash-writer"))
        process.arguments = [dataPath, String(firstBatch)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var acks = Set<UInt64>()
        var buffer = Data()
        let reader = output.fileHandleForReading
        while acks.count < acksBeforeKill {
            let chunk = reader.availableData
            if chunk.isEmpty { break }  // the child died on its own; its acks still count
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                if line.hasPrefix("ack "), let batch = UInt64(line.dropFirst(4)) { acks.insert(batch) }
            }
        }
        usleep(delayMicroseconds)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // Acks written before the kill but not yet read still count as acknowledged.
        buffer.append(reader.readDataToEndOfFile())
        for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") where line.hasPrefix("ack ") {
            if let batch = UInt64(line.dropFirst(4)) { acks.insert(batch) }
        }
        #expect(process.terminationReason == .uncaughtSignal, "child exited on its own with status \(process.terminationStatus)")
        return acks
    }

    /// Reopens the data folder, checks every batch is whole and its outbox
    /// event exists, and returns the batches present.
    private func verifyData(at dataPath: String, seed: UInt64, round: Int) throws -> Set<UInt64> {
        let engine = try StorageEngine(options: StorageOptions(dataDirectory: dataPath))
        defer { engine.close() }
        let tenant = try TenantID("crash")
        guard try engine.tenant(tenant) != nil else { return [] }
        return try engine.withTenantSync(tenant) { (environment: Environment) throws(CortexError) -> Set<UInt64> in
            let rows = try CrashWorkload.rows(in: environment)
            let outbox = try Outbox(environment: environment)
            var rowsPerBatch: [UInt64: UInt32] = [:]
            try environment.read { (tx: borrowing ReadTransaction) throws(CortexError) in
                try rows.forEach(in: tx) { key, value in
                    #expect(value == CrashWorkload.expectedValue(batch: key.first, row: key.second),
                            "seed \(seed) round \(round): row \(key.first)/\(key.second) has wrong bytes")
                    rowsPerBatch[key.first, default: 0] += 1
                    return true
                }
            }
            for (batch, count) in rowsPerBatch {
                #expect(count == CrashWorkload.rowsPerBatch, "seed \(seed) round \(round): batch \(batch) is half-written (\(count) rows)")
            }
            #expect(try outbox.pendingCount() == rowsPerBatch.count, "one outbox event per committed batch")
            return Set(rowsPerBatch.keys)
        }
    }
}
