public import CortexCore
public import CortexStorage

/// How far a restore replays the shipped log.
public enum RecoveryPoint: Sendable, Equatable {
    /// Every shipped record.
    case latest
    /// Records committed at or before this time (epoch milliseconds).
    case time(Int64)
    /// Records up to and including this LSN (one environment).
    case lsn(UInt64)
    /// No records: the snapshot's state.
    case snapshot
}

/// What a replay did to one environment.
public struct ReplayResult: Sendable, Equatable {
    public var environment: String
    public var applied = 0
    /// The environment's LSN after the replay.
    public var lastLSN: UInt64 = 0
    /// Commit time of the last record applied (nil when none was).
    public var lastCommittedAt: Int64?
}

/// The shipped change log in a target: chunks per environment and timeline, read back and replayed.
public struct LogArchive: Sendable {
    let target: any SnapshotTarget
    /// Raw record bytes applied per write transaction during a replay.
    let batchByteCountMax: Int

    public init(target: any SnapshotTarget, batchByteCountMax: Int = 32 << 20) {
        self.target = target
        self.batchByteCountMax = batchByteCountMax
    }

    /// Chunk keys of one environment's timeline with their LSN ranges, by first LSN (then last).
    public func chunks(environment: String, timeline: UInt64) throws(CortexError) -> [(key: String, range: ClosedRange<UInt64>)] {
        try target.list(prefix: LogChunk.folder(environment: environment, timeline: timeline))
            .compactMap { key in LogChunk.range(ofKey: key).map { (key, $0) } }
            .sorted { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }
    }

    /// Timelines that have shipped chunks for `environment`.
    public func timelines(environment: String) throws(CortexError) -> [UInt64] {
        let prefix = "wal/" + LogChunk.objectPath(environment: environment) + "/"
        var found = Set<UInt64>()
        for key in try target.list(prefix: prefix) {
            let rest = key.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/"), let timeline = Timeline.parse(String(rest[..<slash])) { found.insert(timeline) }
        }
        return found.sorted()
    }

    /// Environment names (`system`, `tenant/<id>`) that have shipped chunks.
    public func environments() throws(CortexError) -> [String] {
        var names = Set<String>()
        for key in try target.list(prefix: "wal/") where LogChunk.range(ofKey: key) != nil {
            let parts = key.split(separator: "/")
            if parts.count == 4, parts[1] == "system" { names.insert("system") }
            if parts.count == 5, parts[1] == "tenants" { names.insert("tenant/" + parts[2]) }
        }
        return names.sorted()
    }

    /// Replays the records of `timeline` after `environment`'s LSN up to `point`, in batches. Every
    /// chunk and record is checked first; a record that is missing from the archive while later
    /// ones exist is `.corrupt` naming the LSNs; a requested LSN beyond the shipped log is `.notFound`.
    @discardableResult
    public func replay(
        into environment: Environment, timeline: UInt64, until point: RecoveryPoint
    ) throws(CortexError) -> ReplayResult {
        var result = ReplayResult(environment: environment.name, lastLSN: environment.lastLSN)
        if point == .snapshot { return result }
        var batch: [[UInt8]] = []
        var batchBytes = 0
        func flush() throws(CortexError) {
            guard !batch.isEmpty else { return }
            result.applied += try environment.apply(changeRecords: batch)
            batch.removeAll(keepingCapacity: true)
            batchBytes = 0
        }
        let scanned = try forEachRecord(of: environment.name, kind: .change, timeline: timeline, after: environment.lastLSN, until: point) {
            (record: [UInt8]) throws(CortexError) in
            batch.append(record)
            batchBytes += record.count
            if batchBytes >= batchByteCountMax { try flush() }
        }
        try flush()
        result.lastLSN = environment.lastLSN
        result.lastCommittedAt = scanned.lastTime
        if case .lsn(let end) = point, result.lastLSN < end {
            throw .notFound("\(environment.name) reaches LSN \(result.lastLSN) at most (snapshot plus shipped log); LSN \(end) was never shipped")
        }
        return result
    }

    /// Calls `body` with every shipped record of `name`'s `timeline` with LSN > `lsn`, in LSN order, up
    /// to `point`: for a time, up to (not including) the first record committed later, where a record
    /// without a time of its own (analytics) has the time of the time mark before it. Each chunk is
    /// checked as it is read; a missing LSN with later chunks present is `.corrupt` naming the LSNs and
    /// the chunk after the gap. Returns the last LSN passed to `body` (`lsn` if none) and its time.
    @discardableResult
    func forEachRecord(
        of name: String, kind: LogChunk.Kind, timeline: UInt64, after lsn: UInt64, until point: RecoveryPoint,
        _ body: ([UInt8]) throws(CortexError) -> Void
    ) throws(CortexError) -> (lastLSN: UInt64, lastTime: Int64?) {
        if point == .snapshot { return (lsn, nil) }
        var next = lsn + 1
        var time: Int64?
        var lastTime: Int64?
        scan: for (key, range) in try chunks(environment: name, timeline: timeline) {
            if range.upperBound < next { continue }
            if case .lsn(let end) = point, next > end { break }
            guard range.lowerBound <= next else {
                throw .corrupt(
                    "the shipped log of \(name) (timeline \(Timeline.hex(timeline))) is missing LSN \(next)-\(range.lowerBound - 1): no chunk holds them, yet \(key) follows")
            }
            let chunk = try LogChunk.read(key, from: target)
            guard chunk.environment == name, chunk.kind == kind else { throw .corrupt("\(key) holds the log of \(chunk.environment)") }
            for record in chunk.records {
                let header = try kind.header(of: record)
                if let own = header.time { time = own }
                if header.lsn < next { continue }
                switch point {
                case .time(let until) where (time ?? .min) > until: break scan
                case .lsn(let end) where header.lsn > end: break scan
                default: break
                }
                try body(record)
                next = header.lsn + 1
                lastTime = time
            }
        }
        return (next - 1, lastTime)
    }
}
