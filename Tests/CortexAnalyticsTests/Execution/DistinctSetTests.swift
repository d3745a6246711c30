@testable import CortexAnalytics
import Testing

@Suite struct DistinctSetTests {
    @Test func countsEqualSetsIncludingTheEmptyMarkerValue() {
        var rng = SegRNG(seed: 5)
        for size in [0, 1, 10, 1000, 50_000] {
            let set = DistinctSet()
            var reference = Set<Int64>()
            for index in 0..<size {
                // Few distinct values (many repeats), extremes, and Int64.min (the empty-slot marker).
                let value: Int64 = index % 97 == 0 ? .min : index % 89 == 0 ? .max : Int64(bitPattern: rng.next() % UInt64(max(1, size / 3)))
                set.insert(value)
                reference.insert(value)
            }
            #expect(set.count == reference.count, "size \(size)")
            let other = DistinctSet()
            var union = reference
            for value in [Int64.min, 0, -1, 123_456_789] {
                other.insert(value)
                union.insert(value)
            }
            set.formUnion(other)
            #expect(set.count == union.count, "union, size \(size)")
        }
    }
}
