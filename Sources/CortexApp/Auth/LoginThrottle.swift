public import CortexCore

/// Slows password guessing: after too many failed logins for one account, or
/// from one client address, within the window, further attempts are refused
/// with `.rateLimited` until a failure has aged out (docs/auth.md §5).
///
/// Each failure spends a token from two buckets (account, address) that hold
/// the allowed failures and refill over the window; a success refills the
/// account's bucket. The check comes before the password is verified, so a
/// locked account costs no bcrypt run and reveals nothing.
public struct LoginThrottle: Sendable {
    let accounts: TokenBucketLimiter
    let addresses: TokenBucketLimiter

    public init(options: AuthOptions, clock: any EpochClock = SystemEpochClock()) {
        let window = Double(options.loginFailureWindow.wholeMilliseconds) / 1000
        accounts = TokenBucketLimiter(
            burst: options.loginFailuresPerAccountMax, refillPerSecond: Double(options.loginFailuresPerAccountMax) / window, clock: clock)
        addresses = TokenBucketLimiter(
            burst: options.loginFailuresPerAddressMax, refillPerSecond: Double(options.loginFailuresPerAddressMax) / window, clock: clock)
    }

    /// Throws `.rateLimited` (with the wait) when the account or the address has no failures left.
    public func check(email: String, address: String) throws(CortexError) {
        if let wait = accounts.wait(email) {
            throw .rateLimited("too many failed logins for this account; try again in \(wait.retryAfterSeconds) s", retryAfter: wait)
        }
        if let wait = addresses.wait(address) {
            throw .rateLimited("too many failed logins from this address; try again in \(wait.retryAfterSeconds) s", retryAfter: wait)
        }
    }

    public func recordFailure(email: String, address: String) {
        _ = accounts.take(email)
        _ = addresses.take(address)
    }

    public func recordSuccess(email: String) {
        accounts.reset(email)
    }
}
