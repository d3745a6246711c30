public import CortexCore
public import CortexStorage

/// What one shipping round did.
public struct ShipReport: Sendable, Equatable {
    public var chunks = 0
    public var records = 0
    /// Bytes of the encoded records shipped (before compression).
    public var rawBytes = 0
    /// Compressed bytes written to the target.
    public var storedBytes = 0
    /// Environments whose shipment failed (they stay marked and are retried next round), with the error.
    public var failures: [String: String] = [:]

    public init() {}

    /// Adds another round's counts and failures to this one.
    public mutating func add(_ other: ShipReport) {
        chunks += other.chunks
        records += other.records
        rawBytes += other.rawBytes
        storedBytes += other.storedBytes
        failures.merge(other.failures) { first, _ in first }
    }
}

/// Ships change records to the target in chunks and deletes them locally once stored.
///
/// The order makes shipping crash-safe: a chunk is written (visible only when complete) before the
/// environment marks its records shipped. A crash between the two ships the same records again
/// next time, in a chunk with the same first LSN; readers skip records they already applied.
public struct LogShipper: Sendable {
    let engine: StorageEngine
    let target: any SnapshotTarget
    /// Raw bytes of records per chunk (a single larger record makes a chunk of its own).
    let chunkByteCountMax: Int

    public init(engine: StorageEngine, target: any SnapshotTarget, chunkByteCountMax: Int = 8 << 20) {
        self.engine = engine
        self.target = target
        self.chunkByteCountMax = chunkByteCountMax
    }

    /// Ships every environment with unshipped records. Failed environments are marked for the next
    /// round; the report names them.
    @discardableResult
    public func shipChanged() -> ShipReport {
        var report = ShipReport()
        for name in engine.takeChangedEnvironments().sorted() {
            do throws(CortexError) {
                report.add(try engine.withEnvironment(named: name) { (environment: Environment) throws(CortexError) in
                    try ship(environment)
                })
            } catch where error.code == .notFound {
                continue  // the tenant was deleted meanwhile
            } catch {
                engine.markChanged([name])
                report.failures[name] = error.message
            }
        }
        return report
    }

    /// Ships every unshipped record of `environment`.
    public func ship(_ environment: Environment) throws(CortexError) -> ShipReport {
        guard environment.keepsChangeLog else { return ShipReport() }
        return try ship(
            .change, name: environment.name, timeline: environment.timeline, shippedLSN: { () throws(CortexError) in try environment.shippedLSN() },
            records: { (after: UInt64) throws(CortexError) in try environment.changeRecords(after: after, byteCountMax: chunkByteCountMax) },
            markShipped: { (lsn: UInt64) throws(CortexError) in try environment.markShipped(through: lsn) })
    }

    /// The shipping loop of one log: read the records after the shipped LSN (up to a chunk's worth),
    /// store them as one chunk, then mark them shipped; until none is left.
    func ship(
        _ kind: LogChunk.Kind, name: String, timeline: UInt64, shippedLSN: () throws(CortexError) -> UInt64,
        records: (UInt64) throws(CortexError) -> [[UInt8]], markShipped: (UInt64) throws(CortexError) -> Void
    ) throws(CortexError) -> ShipReport {
        var report = ShipReport()
        while true {
            let batch = try records(try shippedLSN())
            guard !batch.isEmpty else { return report }
            let chunk = try LogChunk(kind: kind, environment: name, timeline: timeline, records: batch)
            let stored = try chunk.compressed()
            try target.write(chunk.key, bytes: stored)
            try markShipped(chunk.lastLSN)
            report.chunks += 1
            report.records += batch.count
            report.rawBytes += batch.reduce(0) { $0 + $1.count }
            report.storedBytes += stored.count
        }
    }

    /// Drops shipped-or-not records without storing them: for a server with backups turned off,
    /// so the log does not grow without bound.
    public static func discardChanged(in engine: StorageEngine) {
        for name in engine.takeChangedEnvironments() {
            try? engine.withEnvironment(named: name) { (environment: Environment) throws(CortexError) in
                let last = environment.lastLSN
                if environment.keepsChangeLog, try environment.shippedLSN() < last { try environment.markShipped(through: last) }
            }
        }
    }
}
