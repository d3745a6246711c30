import CortexApp
import CortexCore
import Testing

@Suite struct TokenBucketLimiterTests {
    @Test func theBurstIsAllowedThenTheWaitIsTheTimeToTheNextToken() {
        let clock = ManualEpochClock()
        let limiter = TokenBucketLimiter(burst: 3, refillPerSecond: 2, clock: clock)
        for _ in 0..<3 { #expect(limiter.take("k") == nil) }
        #expect(limiter.take("k") == .milliseconds(500))
        #expect(limiter.wait("k") == .milliseconds(500), "a refused take spends nothing")
        clock.advance(by: .milliseconds(200))
        #expect(limiter.wait("k") == .milliseconds(300))
        clock.advance(by: .milliseconds(300))
        #expect(limiter.take("k") == nil)
        #expect(limiter.take("k") == .milliseconds(500))
        clock.advance(by: .seconds(60))
        for _ in 0..<3 { #expect(limiter.take("k") == nil, "refills stop at the burst") }
        #expect(limiter.take("k") != nil)
    }

    @Test func keysHaveTheirOwnBucketsAndResetRefillsOne() {
        let clock = ManualEpochClock()
        let limiter = TokenBucketLimiter(burst: 1, refillPerSecond: 0.01, clock: clock)
        #expect(limiter.take("a") == nil)
        #expect(limiter.take("a") == .seconds(100))
        #expect(limiter.take("b") == nil)
        limiter.reset("a")
        #expect(limiter.take("a") == nil)
    }

    @Test func theNumberOfTrackedKeysStaysBounded() {
        let clock = ManualEpochClock()
        let limiter = TokenBucketLimiter(burst: 2, refillPerSecond: 1, clock: clock)
        let max = TokenBucketLimiter.keyCountMax
        for index in 0..<max { _ = limiter.take("key-\(index)") }
        #expect(limiter.keyCount == max)
        clock.advance(by: .seconds(5))
        _ = limiter.take("late")
        #expect(limiter.keyCount == 1, "every other bucket had refilled, so forgetting it changes no answer")

        // Buckets that are all in use: the least recently used tenth goes.
        for index in 0..<max {
            if index == max - 1 { clock.advance(by: .milliseconds(1)) }
            _ = limiter.take("busy-\(index)")
        }
        #expect(limiter.keyCount <= max)
        #expect(limiter.keyCount >= max * 9 / 10)
        #expect(limiter.take("busy-\(max - 1)") == nil, "a recent bucket is kept: its second token")
        #expect(limiter.take("busy-\(max - 1)") != nil)
    }

    @Test func retryAfterRoundsUpToWholeSecondsAndIsAtLeastOne() {
        #expect(Duration.milliseconds(1).retryAfterSeconds == 1)
        #expect(Duration.milliseconds(1_000).retryAfterSeconds == 1)
        #expect(Duration.milliseconds(1_001).retryAfterSeconds == 2)
        #expect(Duration.seconds(0).retryAfterSeconds == 1)
    }
}
