/// Truncating division and remainder of `Int64`s by one divisor fixed for a whole vector (time
/// bucketing: `ts % 86400000`), by a multiply-high and shifts instead of a hardware division
/// per row (Granlund and Montgomery, "Division by invariant integers using multiplication",
/// 1994, figure 4.1: the round-up multiplier with the add-back step, valid for every 64-bit
/// dividend and divisor).
///
/// Results equal Swift's `/` and `%` (quotient rounded toward zero, remainder with the
/// dividend's sign) for every dividend; the divisor must not be 0 or -1 (the caller handles
/// those: NULL, and the one overflowing quotient).
struct IntegerDivisor {
    let divisor: Int64
    private let magnitude: UInt64
    private let multiplier: UInt64
    /// Shift after the add-back step (ceil(log2 |d|) - 1); for |d| = 1 unused.
    private let shift: UInt64

    init(_ divisor: Int64) {
        precondition(divisor != 0 && divisor != -1, "divisor \(divisor) needs the caller's handling")
        self.divisor = divisor
        magnitude = divisor.magnitude
        guard magnitude > 1 else {
            multiplier = 0
            shift = 0
            return
        }
        // l = ceil(log2 |d|): 2^(l-1) < |d| <= 2^l.
        let l = UInt64(64 - (magnitude - 1).leadingZeroBitCount)
        // m = floor(2^64 * (2^l - |d|) / |d|) + 1; 2^l - |d| < |d|, so the quotient fits a word.
        let high = l == 64 ? 0 &- magnitude : (1 << l) - magnitude
        multiplier = magnitude.dividingFullWidth((high: high, low: 0)).quotient &+ 1
        shift = l - 1
    }

    /// floor(n / |d|) for an unsigned n.
    @inline(__always)
    private func unsignedQuotient(_ n: UInt64) -> UInt64 {
        if magnitude == 1 { return n }
        let t = multiplier.multipliedFullWidth(by: n).high
        return (t &+ ((n &- t) >> 1)) >> shift
    }

    /// `n / divisor`, rounded toward zero.
    @inline(__always)
    func quotient(_ n: Int64) -> Int64 {
        let q = Int64(bitPattern: unsignedQuotient(n.magnitude))
        // Negative when exactly one of n and the divisor is: flip the sign with (q ^ s) - s.
        let sign: Int64 = (n ^ divisor) >> 63
        return (q ^ sign) &- sign
    }

    /// `n % divisor`: the dividend's sign.
    @inline(__always)
    func remainder(_ n: Int64) -> Int64 {
        n &- quotient(n) &* divisor
    }
}
