import CortexCore
import Dispatch
import Synchronization

/// Group commit over an ``AppendLog``: callers enqueue records and wait; one
/// drain writes everything waiting with one `pwrite` and one `fdatasync`, runs
/// `apply` for each record in LSN order, then wakes the callers.
///
/// While a drain is in `fdatasync`, new records queue up and go out together in
/// the next drain, so many concurrent appenders share each flush.
///
/// Every flush starts with a time mark record (its commit time, epoch ms, never
/// below the previous mark's), written in the same `pwrite`; it takes an LSN too.
final class GroupCommitter: Sendable {
    private final class Request: @unchecked Sendable {
        // Written by the drain before `done.signal()`, read by the caller after `done.wait()`:
        // the semaphore orders the accesses.
        let kind: LogRecord.Kind
        let payload: [UInt8]
        let apply: @Sendable (UInt64) -> Void
        let done = DispatchSemaphore(value: 0)
        var result: Result<UInt64, CortexError> = .failure(.unavailable("not committed"))

        init(kind: LogRecord.Kind, payload: [UInt8], apply: @escaping @Sendable (UInt64) -> Void) {
            self.kind = kind
            self.payload = payload
            self.apply = apply
        }
    }

    private struct Queue {
        var pending: [Request] = []
        var draining = false
    }

    /// Owned by the drain: only the single running drain touches it.
    private let log: AppendLog
    private let queue = Mutex(Queue())
    private let lane = DispatchQueue(label: "cortex.analytics.commit")
    /// Runs on the lane after each drain, with the LSN of the last record (e.g. to rotate and seal).
    private let afterDrain = Mutex<(@Sendable (AppendLog, UInt64) -> Void)?>(nil)
    /// The LSN of the last record written and fsynced (every record up to it is durable).
    private let durable = Atomic<UInt64>(0)
    /// Commit times of time marks.
    private let clock: any EpochClock
    /// The last time mark written or replayed: marks never go back when the wall clock does.
    private let lastTimeMark = Atomic<Int64>(0)

    init(log: AppendLog, clock: any EpochClock = SystemEpochClock()) {
        self.log = log
        self.clock = clock
    }

    func setAfterDrain(_ body: @escaping @Sendable (AppendLog, UInt64) -> Void) {
        afterDrain.withLock { $0 = body }
    }

    /// Makes the record durable, runs `apply(lsn)` (in LSN order with every other
    /// record), and returns its LSN. Blocks the calling thread until then.
    func commit(_ kind: LogRecord.Kind, _ payload: [UInt8], apply: @escaping @Sendable (UInt64) -> Void) throws(CortexError) -> UInt64 {
        let request = Request(kind: kind, payload: payload, apply: apply)
        let startDrain = queue.withLock { queue in
            queue.pending.append(request)
            if queue.draining { return false }
            queue.draining = true
            return true
        }
        if startDrain { lane.async { self.drain() } }
        request.done.wait()
        return try request.result.get()
    }

    /// The LSN of the last durable record: every record up to it is fsynced in the
    /// log and will be (or has been) acknowledged. Never blocks.
    var durableLSN: UInt64 { durable.load(ordering: .acquiring) }

    /// Records the last LSN and time mark replayed at open (before any append).
    func noteReplayed(through lsn: UInt64, timeMark: Int64) {
        durable.store(lsn, ordering: .releasing)
        lastTimeMark.store(timeMark, ordering: .relaxed)
    }

    /// The next time mark's payload: now, or the previous mark when the clock went back. Lane only.
    private func nextTimeMark() -> [UInt8] {
        let time = max(clock.nowMilliseconds(), lastTimeMark.load(ordering: .relaxed))
        lastTimeMark.store(time, ordering: .relaxed)
        var writer = BinaryWriter(reservingCapacity: 8)
        writer.writeFixed(time)
        return writer.bytes
    }

    /// Runs `body` on the commit lane with the log, after all earlier commits (used to rotate the log).
    func withLog<T: Sendable>(_ body: @Sendable (AppendLog) throws(CortexError) -> T) throws(CortexError) -> T {
        let result: Result<T, CortexError> = lane.sync {
            do throws(CortexError) { return .success(try body(log)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private func drain() {
        while true {
            var batch: [Request] = queue.withLock { queue in
                let batch = queue.pending
                queue.pending.removeAll()
                if batch.isEmpty { queue.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            do throws(CortexError) {
                let written = try log.append([(.timeMark, nextTimeMark())] + batch.map { ($0.kind, $0.payload) })
                if let last = written.last { durable.store(last, ordering: .releasing) }
                let lsns = written.dropFirst()
                assert(lsns.count == batch.count, "one LSN per request after the time mark")
                for (request, lsn) in zip(batch, lsns) {
                    request.apply(lsn)
                    request.result = .success(lsn)
                }
                if let hook = afterDrain.withLock({ $0 }), let last = lsns.last { hook(log, last) }
            } catch {
                for request in batch { request.result = .failure(error) }
            }
            // Drop this thread's references before waking the callers: a request's `apply` holds its
            // table, and a caller that closes the table right after `commit` returns must not find it
            // still alive (and its folder still locked) because the drain is finishing.
            let signals = batch.map(\.done)
            batch.removeAll()
            for signal in signals { signal.signal() }
        }
    }
}
