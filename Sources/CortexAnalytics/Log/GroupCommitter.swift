import CortexCore
import Dispatch
import Synchronization

/// Group commit over an ``AppendLog``: callers enqueue records and wait; one
/// drain writes everything waiting with one `pwrite` and one `fdatasync`, runs
/// `apply` for each record in LSN order, then wakes the callers.
///
/// While a drain is in `fdatasync`, new records queue up and go out together in
/// the next drain, so many concurrent appenders share each flush.
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

    init(log: AppendLog) {
        self.log = log
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

    /// Records the last LSN replayed at open (before any append).
    func noteReplayed(through lsn: UInt64) { durable.store(lsn, ordering: .releasing) }

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
                let lsns = try log.append(batch.map { ($0.kind, $0.payload) })
                if let last = lsns.last { durable.store(last, ordering: .releasing) }
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
