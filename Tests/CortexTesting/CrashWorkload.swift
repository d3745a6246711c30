public import CortexCore
public import CortexStorage

/// The workload shared by the crash-writer child and the crash tests that check it.
public enum CrashWorkload {
    public static let rowsPerBatch: UInt32 = 40

    /// The table of rows: key (batch, row).
    public static func rows(in environment: Environment) throws(CortexError) -> Table<KeyPair<UInt64, UInt32>, [UInt8]> {
        try environment.table("rows")
    }

    /// The bytes stored in row (batch, row): deterministic, 64–1563 bytes long.
    public static func expectedValue(batch: UInt64, row: UInt32) -> [UInt8] {
        let length = 64 + Int((batch &* 31 &+ UInt64(row) &* 17) % 1500)
        return (0..<length).map { UInt8(truncatingIfNeeded: batch &+ UInt64(row) &* 7 &+ UInt64($0)) }
    }
}
