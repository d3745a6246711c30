package import CortexCore
import Dispatch
import Foundation
import Synchronization

/// A fixed set of OS threads for blocking work (LMDB commits and their fsync).
///
/// Work arrives in *lanes*: jobs of one lane run one at a time, in order, while
/// different lanes run in parallel on the pool's threads. Each environment has
/// one lane for its writes, so thousands of tenants share a handful of threads
/// and a writer blocked in `fsync` never occupies Swift's cooperative pool.
package final class WorkerPool: Sendable {
    /// A serial queue of jobs scheduled on the pool.
    package final class Lane: Sendable {
        fileprivate struct State {
            var jobs: [@Sendable () -> Void] = []
            var next = 0
            var scheduled = false
        }

        fileprivate let state = Mutex(State())

        package init() {}
    }

    private struct Shared {
        var ready: [Lane] = []
        var readyHead = 0
        var stopping = false
    }

    private let shared = Mutex(Shared())
    /// Counts lanes in `shared.ready` (plus one wake-up per thread at shutdown).
    private let readyCount = DispatchSemaphore(value: 0)
    let threadCount: Int

    /// Starts `threadCount` threads named `name-N`.
    package init(name: String, threadCount: Int) {
        precondition(threadCount > 0, "a worker pool needs at least one thread")
        self.threadCount = threadCount
        for index in 0..<threadCount {
            let thread = Thread { [self] in self.runLoop() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// Appends `job` to `lane`; it runs after every job submitted to the lane before it.
    package func submit(_ lane: Lane, _ job: @escaping @Sendable () -> Void) {
        let mustSchedule = lane.state.withLock { state -> Bool in
            state.jobs.append(job)
            guard !state.scheduled else { return false }
            state.scheduled = true
            return true
        }
        if mustSchedule { schedule(lane) }
    }

    /// Runs `body` on the pool in `lane` and returns its result to the awaiting task.
    package func run<T: Sendable>(
        in lane: Lane,
        _ body: @escaping @Sendable () throws(CortexError) -> T
    ) async throws(CortexError) -> T {
        let result: Result<T, CortexError> = await withCheckedContinuation { continuation in
            submit(lane) {
                do throws(CortexError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// Lets the threads finish queued lanes and exit. Jobs submitted afterwards never run.
    package func shutdown() {
        shared.withLock { $0.stopping = true }
        for _ in 0..<threadCount { readyCount.signal() }
    }

    private func schedule(_ lane: Lane) {
        shared.withLock { $0.ready.append(lane) }
        readyCount.signal()
    }

    private func nextLane() -> Lane? {
        readyCount.wait()
        return shared.withLock { shared -> Lane? in
            guard shared.readyHead < shared.ready.count else { return nil }  // a shutdown wake-up
            let lane = shared.ready[shared.readyHead]
            shared.readyHead += 1
            if shared.readyHead > 1024, shared.readyHead * 2 > shared.ready.count {
                shared.ready.removeFirst(shared.readyHead)
                shared.readyHead = 0
            }
            return lane
        }
    }

    private func runLoop() {
        while let lane = nextLane() {
            // Take one job; a lane with more work goes to the back of the queue so
            // one busy tenant cannot starve the others.
            let job = lane.state.withLock { state -> (@Sendable () -> Void)? in
                guard state.next < state.jobs.count else { return nil }
                let job = state.jobs[state.next]
                state.next += 1
                if state.next == state.jobs.count {
                    state.jobs.removeAll(keepingCapacity: true)
                    state.next = 0
                }
                return job
            }
            job?()
            let more = lane.state.withLock { state -> Bool in
                if state.next < state.jobs.count { return true }
                state.scheduled = false
                return false
            }
            if more { schedule(lane) }
        }
    }
}
