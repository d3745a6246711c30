@testable import CortexAnalytics
import CortexCore
import Testing

@Suite struct BlockEncodingTests {
    private func plan(_ values: [Int64]) -> IntegerBlockPlan { IntegerBlockPlan(values[...]) }

    /// Writes `values` as one block and decodes it back.
    private func roundTrip(_ values: [Int64]) throws -> [Int64] {
        let plan = plan(values)
        var sink = ByteSink()
        sink.appendHeader(plan.encoding, flags: 0)
        plan.write(values[...], to: &sink)
        let block = AlignedBytes(byteCount: sink.count) { $0.copyBytes(from: sink.bytes) }
        var out = [Int64](repeating: 0, count: values.count)
        var validity = [Bool](repeating: false, count: values.count)
        let nulls = try out.withUnsafeMutableBufferPointer { values in
            try validity.withUnsafeMutableBufferPointer { flags in
                try BlockDecoder.decode(block.bytes, rowCount: values.count, isFloat: false, values: values.baseAddress!, validity: flags.baseAddress!)
            }
        }
        #expect(nulls == 0)
        #expect(validity.allSatisfy { $0 })
        return out
    }

    @Test func aConstantBlockIsEightBytes() throws {
        let values = [Int64](repeating: -42, count: 2048)
        #expect(plan(values).encoding == .constant)
        #expect(plan(values).byteCount == 8)
        #expect(try roundTrip(values) == values)
    }

    @Test func shortRunsArePackedUnlessRunLengthHalvesTheSize() throws {
        // Runs of two (a column whose NULLs repeat the previous value): run-length is smaller here,
        // but not half the size of bit-packing, and short runs decode slowly.
        var rng = SegRNG(seed: 8)
        let pairs = (0..<1024).flatMap { _ in Array(repeating: Int64(rng.next() % 1000), count: 2) }
        #expect(plan(pairs).encoding == .bitPacked)
        #expect(try roundTrip(pairs) == pairs)
        // Wide values in runs of three: run-length is under half the size, so it still wins.
        let wide = (0..<2048).map { Int64(bitPattern: UInt64($0 / 3) &* 0x9E37_79B9_7F4A_7C15) }
        #expect(plan(wide).encoding == .runLength)
        #expect(try roundTrip(wide) == wide)
    }

    @Test func longRunsUseRunLength() throws {
        let values = (0..<2048).map { Int64($0 / 200) * 1_000_003 + 9_000_000_000 }
        #expect(plan(values).encoding == .runLength)
        #expect(plan(values).byteCount <= 128, "11 runs must cost a few words, got \(plan(values).byteCount)")
        #expect(try roundTrip(values) == values)
    }

    @Test func sortedDataWithSmallStepsUsesDelta() throws {
        var rng = SegRNG(seed: 3)
        var value: Int64 = 1_743_552_202_934
        let values = (0..<2048).map { _ in
            value += Int64.random(in: 500...1500, using: &rng)
            return value
        }
        #expect(plan(values).encoding == .delta, "seed 3")
        #expect(plan(values).byteCount <= 24 + 2048 * 10 / 8 + 8, "seed 3: 10-bit deltas")
        #expect(try roundTrip(values) == values, "seed 3")
    }

    @Test func smallRandomValuesBitPackToTheirWidth() throws {
        var rng = SegRNG(seed: 4)
        let values = (0..<2048).map { _ in Int64.random(in: 100...115, using: &rng) }
        #expect(plan(values).encoding == .bitPacked, "seed 4")
        #expect(plan(values).byteCount == 16 + 2048 * 4 / 8, "seed 4")
        #expect(try roundTrip(values) == values, "seed 4")
    }

    @Test func fullRangeRandomValuesFallBackToPlain() throws {
        var rng = SegRNG(seed: 5)
        let values = (0..<2046).map { _ in Int64(bitPattern: rng.next()) } + [.min, .max]
        #expect(plan(values).encoding == .plain, "seed 5")
        #expect(try roundTrip(values) == values, "seed 5")
    }

    @Test func extremesRoundTripInEveryShape() throws {
        let shapes: [[Int64]] = [[.min], [.max], [.min, .max], [.max, .min, .max], Array(repeating: .min, count: 65),
            (0..<300).map { $0 % 2 == 0 ? .min : .max }, (0..<70).map { Int64.max - Int64($0) }]
        for values in shapes { #expect(try roundTrip(values) == values) }
    }

    @Test func randomBlocksNeverTrapTheDecoder() throws {
        var rng = SegRNG(seed: 77)
        for trial in 0..<3000 {
            let rowCount = Int.random(in: 1...2048, using: &rng)
            let wordCount = Int.random(in: 1...40, using: &rng)
            let block = AlignedBytes(byteCount: wordCount * 8) { buffer in
                for index in 0..<buffer.count { buffer[index] = UInt8.random(in: 0...255, using: &rng) }
                buffer[0] = UInt8.random(in: 0...5, using: &rng)
                buffer[1] = UInt8.random(in: 0...3, using: &rng)
                for index in 2..<8 { buffer[index] = 0 }
                if wordCount > 1, Bool.random(using: &rng) {
                    // A plausible count or width in the first payload words.
                    buffer.storeBytes(of: UInt64.random(in: 0...70, using: &rng), toByteOffset: 8, as: UInt64.self)
                }
            }
            var values = [Int64](repeating: 0, count: rowCount)
            var validity = [Bool](repeating: false, count: rowCount)
            do {
                _ = try values.withUnsafeMutableBufferPointer { out in
                    try validity.withUnsafeMutableBufferPointer { flags in
                        try BlockDecoder.decode(block.bytes, rowCount: rowCount, isFloat: Bool.random(using: &rng), values: out.baseAddress!, validity: flags.baseAddress!)
                    }
                }
            } catch let error as CortexError {
                #expect(error.code == .corrupt, "seed 77 trial \(trial)")
            }
        }
    }
}
