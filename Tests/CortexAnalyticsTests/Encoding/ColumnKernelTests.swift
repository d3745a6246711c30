import CColumnKernels
import Testing

@Suite struct ColumnKernelTests {
    @Test func crc32cMatchesTheKnownVector() {
        let bytes = Array("123456789".utf8)
        #expect(cc_crc32c(0, bytes, bytes.count) == 0xE306_9283)
        #expect(cc_crc32c_portable(0, bytes, bytes.count) == 0xE306_9283)
    }

    @Test func hardwareAndPortableCRC32CAgreeOnEveryLengthAndAlignment() {
        var rng = SegRNG(seed: 99)
        let bytes = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes.withUnsafeBytes { buffer in
            for start in 0..<9 {
                for count in Array(0..<80) + [255, 1024, 4000] {
                    let slice = UnsafeRawBufferPointer(rebasing: buffer[start..<(start + count)])
                    #expect(cc_crc32c(0, slice.baseAddress, count) == cc_crc32c_portable(0, slice.baseAddress, count),
                        "seed 99 start \(start) count \(count)")
                }
            }
            // Continuation: crc(a ++ b) == crc(b, continuing from crc(a)).
            let whole = cc_crc32c(0, buffer.baseAddress, 3000)
            let first = cc_crc32c(0, buffer.baseAddress, 1234)
            #expect(cc_crc32c(first, buffer.baseAddress! + 1234, 3000 - 1234) == whole)
        }
    }

    @Test func expandedBitsAreEachBitOfTheBitmap() {
        var rng = SegRNG(seed: 77)
        for count in [0, 1, 7, 8, 9, 63, 64, 65, 100, 2047, 2048] {
            // Random, all-set and all-clear bitmaps.
            for fill in [nil, UInt64.max, UInt64(0)] as [UInt64?] {
                let words = (0..<((count + 63) / 64)).map { _ in fill ?? rng.next() }
                var flags = [UInt8](repeating: 7, count: count + 1)
                cc_expand_bits(words, count, &flags)
                let expected = (0..<count).map { UInt8((words[$0 / 64] >> UInt64($0 % 64)) & 1) }
                #expect(Array(flags[0..<count]) == expected, "count \(count) fill \(String(describing: fill))")
                #expect(flags[count] == 7, "no write past count \(count)")
            }
        }
    }

    @Test func byteCountMatchesAByteByByteCount() {
        var rng = SegRNG(seed: 5)
        for count in [0, 1, 7, 8, 9, 15, 16, 17, 100, 4099] {
            // Random bytes from a small alphabet (many matches, runs of them), plus the extremes.
            let random = (0..<count).map { _ in [UInt8(10), 0, 255, 0x80, 0x7F, 44][Int(rng.next() % 6)] }
            for bytes in [random, [UInt8](repeating: 10, count: count), [UInt8](repeating: 0x8A, count: count)] {
                for target: UInt8 in [10, 0, 255, 0x80, 0x7F] {
                    let expected = bytes.count { $0 == target }
                    #expect(cc_count_byte(bytes, bytes.count, target) == expected, "count \(count) byte \(target)")
                }
            }
        }
        // Only the given range is read.
        let bytes: [UInt8] = [10, 10, 10, 10, 10, 10, 10, 10, 10, 10]
        #expect(bytes.withUnsafeBufferPointer { cc_count_byte($0.baseAddress! + 1, 7, 10) } == 7)
    }

    @Test func runExpansionFillsExactlyAndStopsAtTheFirstBadRun() {
        var rng = SegRNG(seed: 31)
        for _ in 0..<200 {
            let runCount = Int(rng.next() % 40) + 1
            let values = (0..<runCount).map { _ in Int64(bitPattern: rng.next()) }
            let lengths = (0..<runCount).map { _ in Int64(rng.next() % 9) + 1 }
            let rowCount = Int(lengths.reduce(0, +))
            var out = [Int64](repeating: 0, count: rowCount + 1)
            out[rowCount] = 42
            var written = 0
            #expect(cc_expand_runs(values, lengths, runCount, &out, rowCount, &written) == runCount)
            #expect(written == rowCount)
            #expect(Array(out[0..<rowCount]) == zip(values, lengths).flatMap { Array(repeating: $0, count: Int($1)) })
            #expect(out[rowCount] == 42, "nothing written past the rows")
            // A zero or negative length, or one past the block, stops there with the rows before it written.
            let bad = Int(rng.next() % UInt64(runCount))
            var broken = lengths
            broken[bad] = [0, -3, Int64(rowCount + 1)][Int(rng.next() % 3)]
            #expect(cc_expand_runs(values, broken, runCount, &out, rowCount, &written) == bad)
            #expect(written == Int(lengths[0..<bad].reduce(0, +)))
            #expect(out[rowCount] == 42)
        }
    }

    @Test func specialisedUnpackEqualsTheReferenceForEveryWidth() {
        var rng = SegRNG(seed: 1234)
        for width in 0...64 {
            for count in [0, 1, 2, 63, 64, 65, 127, 128, 129, 2047, 2048] {
                let mask: UInt64 = width == 64 ? .max : (1 << UInt64(width)) - 1
                let values = (0..<count).map { _ in rng.next() & mask }
                var words = [UInt64](repeating: 0xFFFF, count: cc_packed_word_count(count, UInt32(width)))
                cc_pack(values, count, UInt32(width), &words)
                let base = Int64(bitPattern: rng.next())
                var fast = [Int64](repeating: 0, count: count)
                var reference = [Int64](repeating: 1, count: count)
                cc_unpack(words, count, UInt32(width), base, &fast)
                cc_unpack_reference(words, count, UInt32(width), base, &reference)
                #expect(fast == reference, "seed 1234 width \(width) count \(count)")
                #expect(fast == values.map { Int64(bitPattern: UInt64(bitPattern: base) &+ $0) }, "seed 1234 width \(width) count \(count)")
            }
        }
    }

    @Test func deltaUnpackIsAWrappingPrefixSum() {
        let values: [Int64] = [.max, .min, 0, -5, 7, .max]
        let deltas = zip(values.dropFirst(), values).map { $0 &- $1 }
        let base = deltas.min()!
        let packed = deltas.map { UInt64(bitPattern: $0 &- base) }
        var words = [UInt64](repeating: 0, count: cc_packed_word_count(packed.count, 64))
        cc_pack(packed, packed.count, 64, &words)
        var out = [Int64](repeating: 0, count: values.count)
        cc_unpack_delta(words, values.count, 64, values[0], base, &out)
        #expect(out == values)
    }
}
