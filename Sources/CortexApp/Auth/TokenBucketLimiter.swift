public import CortexCore
import Synchronization

/// Token buckets by key: each key may spend up to `burst` tokens at once and
/// regains `refillPerSecond` tokens a second (docs/auth.md §6).
///
/// Used for per-credential request limits and for login throttling. State is
/// in memory (one server process); buckets are created on first use. Past
/// ``keyCountMax`` keys, full buckets are dropped (forgetting them changes no
/// answer), then the least recently used down to 90 % of it, so
/// memory stays bounded whatever keys callers invent.
public final class TokenBucketLimiter: Sendable {
    /// Most keys tracked at once before full buckets are dropped.
    public static let keyCountMax = 100_000

    struct Bucket {
        var tokens: Double
        /// Epoch milliseconds of the last refill.
        var updatedAt: Int64
    }

    public let burst: Double
    public let refillPerSecond: Double
    let clock: any EpochClock
    let buckets = Mutex<[String: Bucket]>([:])

    public init(burst: Int, refillPerSecond: Double, clock: any EpochClock = SystemEpochClock()) {
        precondition(burst >= 1, "a bucket holds at least one token")
        precondition(refillPerSecond > 0, "a bucket must refill")
        self.burst = Double(burst)
        self.refillPerSecond = refillPerSecond
        self.clock = clock
    }

    /// Takes one token from `key`'s bucket; returns nil if it had one, else how long until it will.
    public func take(_ key: String) -> Duration? {
        update(key, spend: true)
    }

    /// How long until `key` has a token (nil: it has one now); takes nothing.
    public func wait(_ key: String) -> Duration? {
        update(key, spend: false)
    }

    /// Fills `key`'s bucket again (a successful login clears its failures).
    public func reset(_ key: String) {
        _ = buckets.withLock { $0.removeValue(forKey: key) }
    }

    /// Number of keys tracked now.
    public var keyCount: Int { buckets.withLock { $0.count } }

    private func update(_ key: String, spend: Bool) -> Duration? {
        let now = clock.nowMilliseconds()
        return buckets.withLock { buckets -> Duration? in
            var bucket = buckets[key] ?? Bucket(tokens: burst, updatedAt: now)
            let elapsed = Double(max(0, now - bucket.updatedAt)) / 1000
            bucket.tokens = min(burst, bucket.tokens + elapsed * refillPerSecond)
            bucket.updatedAt = now
            var wait: Duration?
            if bucket.tokens >= 1 {
                if spend { bucket.tokens -= 1 }
            } else {
                wait = .milliseconds(Int64(((1 - bucket.tokens) / refillPerSecond * 1000).rounded(.up)))
            }
            buckets[key] = bucket
            if buckets.count > Self.keyCountMax { prune(&buckets, now: now) }
            return wait
        }
    }

    /// Drops buckets that are full by now, then the least recently used down to 90 % of ``keyCountMax``.
    private func prune(_ buckets: inout [String: Bucket], now: Int64) {
        let burst = self.burst, rate = refillPerSecond
        buckets = buckets.filter { _, bucket in
            bucket.tokens + Double(max(0, now - bucket.updatedAt)) / 1000 * rate < burst
        }
        // Down to 90 % even when dropping full buckets freed a few, so the next prune is 10 % of the keys away.
        guard buckets.count > Self.keyCountMax * 9 / 10 else { return }
        let excess = buckets.count - Self.keyCountMax * 9 / 10
        for (key, _) in buckets.sorted(by: { $0.value.updatedAt < $1.value.updatedAt }).prefix(excess) {
            buckets.removeValue(forKey: key)
        }
    }
}

extension Duration {
    /// Whole seconds, rounded up, at least 1: the value of an HTTP `Retry-After` header.
    public var retryAfterSeconds: Int64 {
        let (seconds, attoseconds) = components
        return max(1, seconds + (attoseconds > 0 ? 1 : 0))
    }
}
