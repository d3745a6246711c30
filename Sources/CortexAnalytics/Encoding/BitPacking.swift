/// Fixed-width bit packing of unsigned values into little-endian 64-bit words
/// (value i occupies bits [i·w, i·w + w) of the stream; w = 0…64).
enum BitPacking {
    /// Words needed for `count` values of `width` bits.
    static func wordCount(count: Int, width: Int) -> Int { (count * width + 63) / 64 }

    /// Appends the packed words of `values` to `output` (little-endian bytes).
    static func pack(_ values: UnsafeBufferPointer<UInt64>, width: Int, into output: inout [UInt8]) {
        guard width > 0 else { return }
        var words = [UInt64](repeating: 0, count: wordCount(count: values.count, width: width))
        var bit = 0
        for index in 0..<values.count {
            let value = unsafe values[index]
            let word = bit >> 6, shift = bit & 63
            words[word] |= value << UInt64(shift)
            if shift + width > 64 { words[word + 1] |= value >> UInt64(64 - shift) }
            bit += width
        }
        for word in words {
            var remaining = word.littleEndian
            for _ in 0..<8 {
                output.append(UInt8(truncatingIfNeeded: remaining))
                remaining >>= 8
            }
        }
    }

    /// Unpacks values `first..<first + count` of a packed stream, adding `base`
    /// (wrapping) to each, into `output[0..<count]`.
    ///
    /// Precondition (checked by callers before they get here): `words` holds at
    /// least `wordCount(count: first + count, width: width)` words.
    @inline(__always)
    static func unpack(
        _ words: UnsafeRawPointer, width: Int, first: Int, count: Int, base: Int64, into output: UnsafeMutablePointer<Int64>
    ) {
        if width == 0 {
            for index in 0..<count { unsafe output[index] = base }
            return
        }
        let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
        var bit = first * width
        for index in 0..<count {
            let word = bit >> 6, shift = bit & 63
            // In bounds: word < wordCount(first + count) by the precondition; word + 1 is read only
            // when the value spans two words, so that word exists as well.
            var value = unsafe words.loadUnaligned(fromByteOffset: word << 3, as: UInt64.self) >> UInt64(shift)
            if shift + width > 64 {
                value |= unsafe words.loadUnaligned(fromByteOffset: (word + 1) << 3, as: UInt64.self) << UInt64(64 - shift)
            }
            unsafe output[index] = base &+ Int64(bitPattern: value & mask)
            bit += width
        }
    }

    /// Bits needed for values 0…`span`.
    static func width(ofSpan span: UInt64) -> Int { span == 0 ? 0 : 64 - span.leadingZeroBitCount }
}
