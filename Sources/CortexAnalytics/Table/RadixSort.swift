/// Stable least-significant-digit radix sort of 64-bit keys by bits `lowBit..<lowBit + bitCount`,
/// 11 bits per pass; a pass whose digit is the same for every key is skipped. Bits outside the
/// range do not take part, so keys that were in order by them stay in that order among equals.
enum RadixSort {
    static let digitBits = 11

    static func sort(_ keys: inout [UInt64], lowBit: Int, bitCount: Int) {
        precondition(lowBit >= 0 && bitCount >= 0 && lowBit + bitCount <= 64, "bits \(lowBit)..<\(lowBit + bitCount)")
        let count = keys.count
        guard count > 1, bitCount > 0 else { return }
        var scratch = [UInt64](repeating: 0, count: count)
        var counts = [Int](repeating: 0, count: 1 << digitBits)
        var shift = lowBit
        let end = lowBit + bitCount
        while shift < end {
            let width = min(digitBits, end - shift)
            let mask = (UInt64(1) << UInt64(width)) - 1
            let buckets = 1 << width
            for bucket in 0..<buckets { counts[bucket] = 0 }
            unsafe keys.withUnsafeBufferPointer { keys in
                unsafe counts.withUnsafeMutableBufferPointer { counts in
                    // In bounds: a digit is masked to `width` bits, below `buckets` <= counts.count.
                    for unsafe key in unsafe keys { unsafe counts[Int((key >> UInt64(shift)) & mask)] += 1 }
                }
            }
            // Every key has the same digit: this pass would not move anything.
            if counts[Int((keys[0] >> UInt64(shift)) & mask)] == count {
                shift += width
                continue
            }
            var offset = 0
            for bucket in 0..<buckets {
                let size = counts[bucket]
                counts[bucket] = offset
                offset += size
            }
            unsafe keys.withUnsafeBufferPointer { keys in
                unsafe scratch.withUnsafeMutableBufferPointer { out in
                    unsafe counts.withUnsafeMutableBufferPointer { starts in
                        // In bounds: the starts are prefix sums of the digit counts, so each bucket's
                        // writes stay inside its count of slots in 0..<count.
                        for unsafe key in unsafe keys {
                            let digit = Int((key >> UInt64(shift)) & mask)
                            unsafe out[starts[digit]] = key
                            unsafe starts[digit] += 1
                        }
                    }
                }
            }
            swap(&keys, &scratch)
            shift += width
        }
    }
}
