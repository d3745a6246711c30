// Child process of the crash tests (Tests/CortexStorageTests/CrashTests.swift).
//
// Usage: crash-writer DATA FIRST_BATCH
// Writes batch after batch into tenant "crash", forever, until killed. Batch
// n is one write transaction holding `rowsPerBatch` rows (n, 0..<rows) and one
// outbox event whose payload is n. After each commit returns it prints
// "ack n" and flushes: a printed batch is an acknowledged write.
import CortexCore
import CortexStorage
import CortexTesting
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3, let firstBatch = UInt64(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: crash-writer DATA FIRST_BATCH\n".utf8))
    exit(2)
}


do {
    // A small initial map so kills also land during map growth.
    let options = StorageOptions(
        dataDirectory: arguments[1],
        environment: EnvironmentOptions(mapByteCountInitial: 256 << 10, mapByteCountMax: 1 << 32))
    let engine = try StorageEngine(options: options)
    let tenant = try TenantID("crash")
    if try engine.tenant(tenant) == nil { try engine.createTenant(tenant) }
    try engine.withTenantSync(tenant) { (environment: Environment) throws(CortexError) in
        let rows = try CrashWorkload.rows(in: environment)
        let outbox = try Outbox(environment: environment)
        var batch = firstBatch
        while true {
            try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
                for row in 0..<CrashWorkload.rowsPerBatch {
                    try rows.put(CrashWorkload.expectedValue(batch: batch, row: row), for: KeyPair(batch, row), in: &transaction)
                }
                try outbox.enqueue(topic: "batch", payload: batch.encodedValue(), in: &transaction)
            }
            FileHandle.standardOutput.write(Data("ack \(batch)\n".utf8))
            batch += 1
        }
    }
} catch {
    FileHandle.standardError.write(Data("crash-writer: \(error)\n".utf8))
    exit(1)
}
