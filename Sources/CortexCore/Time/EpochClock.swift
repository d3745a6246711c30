import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time as milliseconds since the Unix epoch.
///
/// Storage code takes a clock instead of reading the system time so that
/// leases, backoff and expiry can be tested without sleeping.
public protocol EpochClock: Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    func nowMilliseconds() -> Int64
}

/// The system's real-time clock (`CLOCK_REALTIME`).
public struct SystemEpochClock: EpochClock {
    public init() {}

    public func nowMilliseconds() -> Int64 {
        var spec = timespec()
        unsafe clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// A clock that moves only when told to; for tests and deterministic replays.
public final class ManualEpochClock: EpochClock {
    private let current: Mutex<Int64>

    public init(startingAt milliseconds: Int64 = 1_700_000_000_000) {
        current = Mutex(milliseconds)
    }

    public func nowMilliseconds() -> Int64 { current.withLock { $0 } }

    /// Moves the clock forward by `duration` (rounded down to milliseconds).
    public func advance(by duration: Duration) {
        current.withLock { $0 += duration.wholeMilliseconds }
    }
}
