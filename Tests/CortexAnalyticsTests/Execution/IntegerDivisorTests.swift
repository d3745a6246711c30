@testable import CortexAnalytics
import CortexTesting
import Testing

@Suite struct IntegerDivisorTests {
    @Test func quotientsAndRemaindersEqualTheHardwareDivisionsForEveryKindOfOperand() {
        var random = SeededGenerator(seed: UInt64.random(in: 0...UInt64.max))
        var divisors: [Int64] = [1, 2, 3, 5, 7, 10, 60_000, 3_600_000, 86_400_000, 604_800_000, 1 << 62, .max, .max - 1, -2, -3, -7, -86_400_000, .min, .min + 1]
        for shift in 1..<63 {
            divisors += [1 << Int64(shift), (1 << Int64(shift)) - 1, (1 << Int64(shift)) + 1, -(1 << Int64(shift))]
        }
        for _ in 0..<200 { divisors.append(Int64.random(in: .min...(.max), using: &random) >> Int64.random(in: 0...62, using: &random)) }
        var dividends: [Int64] = [0, 1, -1, .max, .min, .max - 1, .min + 1, 1_751_328_000_000, -1_751_328_000_000]
        for _ in 0..<300 { dividends.append(Int64.random(in: .min...(.max), using: &random) >> Int64.random(in: 0...63, using: &random)) }
        for d in divisors where d != 0 && d != -1 {
            let divisor = IntegerDivisor(d)
            // Around multiples of the divisor, where rounding errors would show.
            var near = dividends
            for k: Int64 in [1, 2, 1000] {
                let (m, overflow) = d.multipliedReportingOverflow(by: k)
                if !overflow { near += [m, m &- 1, m &+ 1, 0 &- m, 1 &- m] }
            }
            for n in near where !(n == .min && d == -1) {
                #expect(divisor.quotient(n) == n / d, "\(n) / \(d), seed \(random.seed)")
                #expect(divisor.remainder(n) == n % d, "\(n) % \(d), seed \(random.seed)")
            }
        }
    }
}
