import CColumnKernels

/// Append-only little-endian byte buffer for raw column chunks.
struct ByteSink {
    private(set) var bytes: [UInt8] = []
    /// Reused staging area for bit packing (values minus base).
    private var scratch: [UInt64] = []
    private var words: [UInt64] = []

    init(reservingCapacity capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    /// Appends one little-endian 8-byte word.
    mutating func appendWord(_ value: UInt64) {
        // One append of 8 bytes (eight single-byte appends each checked capacity and uniqueness).
        unsafe withUnsafeBytes(of: value.littleEndian) { unsafe bytes.append(contentsOf: $0) }
    }

    mutating func appendWord(_ value: Int64) { appendWord(UInt64(bitPattern: value)) }

    /// Appends zero bytes up to the next multiple of 8.
    mutating func padToWord() {
        while bytes.count % 8 != 0 { bytes.append(0) }
    }

    /// Appends `count` values produced by `value(i)` minus `base`, bit-packed in `width` bits
    /// (BlockFormat.packedByteCount bytes). Precondition: every `value(i) - base` fits in `width` bits.
    mutating func appendPacked(count: Int, width: Int, base: Int64, _ value: (Int) -> Int64) {
        precondition((0...64).contains(width), "width \(width)")
        guard width > 0, count > 0 else { return }
        scratch.removeAll(keepingCapacity: true)
        for index in 0..<count { scratch.append(UInt64(bitPattern: value(index) &- base)) }
        let wordCount = BlockFormat.packedByteCount(count: count, width: width) / 8
        words.removeAll(keepingCapacity: true)
        words.append(contentsOf: repeatElement(0, count: wordCount))
        // In bounds: `scratch` holds `count` values and `words` the `wordCount` words cc_pack writes.
        unsafe scratch.withUnsafeBufferPointer { input in
            unsafe words.withUnsafeMutableBufferPointer { output in
                unsafe cc_pack(input.baseAddress, count, UInt32(width), output.baseAddress)
            }
        }
        for index in words.indices { words[index] = words[index].littleEndian }
        unsafe words.withUnsafeBytes { unsafe bytes.append(contentsOf: $0) }
    }

    /// Appends the block header: encoding, flags, six zero bytes.
    mutating func appendHeader(_ encoding: BlockEncoding, flags: UInt8) {
        bytes.append(encoding.rawValue)
        bytes.append(flags)
        bytes.append(contentsOf: repeatElement(0, count: 6))
    }

    /// Appends a validity bitmap (bit `i` set = row `i` not null), whole words.
    mutating func appendBitmap(_ validity: ArraySlice<Bool>) {
        unsafe validity.withUnsafeBufferPointer { flags in
            var start = 0
            while start < flags.count {
                let end = min(start + 64, flags.count)
                var word: UInt64 = 0
                // In bounds: start..<end lies inside flags. Branch-free: each flag ORs in its bit.
                for index in start..<end { word |= UInt64(unsafe flags[index] ? 1 : 0) << UInt64(index - start) }
                appendWord(word)
                start = end
            }
        }
    }
}
