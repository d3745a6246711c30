import Foundation

/// Runs the `analytics-crash-writer` child on a table folder and kills it with SIGKILL
/// (shared by the analytics crash tests and the analytics shipping crash test).
public enum AnalyticsCrashChild {
    /// Starts the child appending from batch `firstBatch` (with `keepsLog`, its table keeps its log
    /// until shipped), waits for `acksBeforeKill` acknowledgements and `delayMicroseconds`, kills it.
    /// Returns the acknowledged batches and whether the child died of the signal (not by itself).
    public static func runAndKill(
        folder: String, firstBatch: Int64, acksBeforeKill: Int, delayMicroseconds: UInt32, keepsLog: Bool = false
    ) throws -> (acks: Set<Int64>, killed: Bool) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Products.path(of: "analytics-crash-writer"))
        process.arguments = [folder, String(firstBatch)] + (keepsLog ? ["keep-log"] : [])
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var acks = Set<Int64>()
        var buffer = Data()
        let reader = output.fileHandleForReading
        func collect() {
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                if line.hasPrefix("ack "), let batch = Int64(line.dropFirst(4)) { acks.insert(batch) }
            }
        }
        while acks.count < acksBeforeKill {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            collect()
        }
        usleep(delayMicroseconds)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        buffer.append(reader.readDataToEndOfFile())
        buffer.append(UInt8(ascii: "\n"))
        collect()
        return (acks, process.terminationReason == .uncaughtSignal)
    }
}
