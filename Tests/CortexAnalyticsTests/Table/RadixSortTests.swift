@testable import CortexAnalytics
import CortexTesting
import Testing

@Suite struct RadixSortTests {
    @Test func sortsByTheGivenBitsAndKeepsInputOrderAmongEquals() {
        var random = SeededGenerator(seed: 77)
        for (count, lowBit, bitCount) in [(0, 0, 10), (1, 3, 5), (2, 20, 30), (1000, 20, 30), (5000, 0, 64), (3000, 40, 24), (777, 12, 1)] {
            // Few distinct values in the sorted bits (many ties), random bits below them.
            let keys = (0..<count).map { _ -> UInt64 in
                let high = bitCount == 64 ? UInt64.random(in: 0...UInt64.max, using: &random) : UInt64.random(in: 0..<4, using: &random) * 3
                let sorted = bitCount == 64 ? high : (high % (UInt64(1) << UInt64(bitCount))) << UInt64(lowBit)
                let below = lowBit == 0 ? 0 : UInt64.random(in: 0..<(UInt64(1) << UInt64(lowBit)), using: &random)
                return sorted | below
            }
            let field = { (key: UInt64) -> UInt64 in
                bitCount == 64 ? key : (key >> UInt64(lowBit)) & ((UInt64(1) << UInt64(bitCount)) - 1)
            }
            // Swift's sort is stable: the reference order.
            let expected = keys.enumerated().sorted { (field($0.element), $0.offset) < (field($1.element), $1.offset) }.map(\.element)
            var sorted = keys
            RadixSort.sort(&sorted, lowBit: lowBit, bitCount: bitCount)
            #expect(sorted == expected, "count \(count) bits \(lowBit)+\(bitCount)")
        }
    }

    @Test func aPassWhereEveryDigitIsEqualChangesNothing() {
        var keys: [UInt64] = (0..<100).map { UInt64(99 - $0) | (5 << 40) }
        let before = keys
        RadixSort.sort(&keys, lowBit: 40, bitCount: 11)
        #expect(keys == before)
        RadixSort.sort(&keys, lowBit: 0, bitCount: 7)
        #expect(keys == before.reversed())
    }
}
