import CColumnKernels
import CortexCore

/// Decodes one block (docs/analytics-format.md, "Blocks") into 8-byte values.
///
/// Every length, width and count is validated against the block's byte range before the
/// unchecked loops of the C kernels run, so corrupt bytes end in `.corrupt`, never in an
/// out-of-bounds access. Messages name only the problem; the caller prefixes segment, column
/// and block.
enum BlockDecoder {
    /// Decodes `block` (8-aligned, exactly the block's bytes) of `rowCount` rows into
    /// `values[0..<rowCount]` (Int64, or a Double's bit pattern) and `validity[0..<rowCount]`.
    /// Null rows get value 0.
    ///
    /// - Returns: the number of null rows.
    /// - Throws: `.corrupt` describing the first inconsistency.
    static func decode(
        _ block: UnsafeRawBufferPointer, rowCount: Int, isFloat: Bool, values: UnsafeMutablePointer<Int64>,
        validity: UnsafeMutablePointer<Bool>
    ) throws(CortexError) -> Int {
        precondition(rowCount >= 1 && rowCount <= AnalyticsLimits.blockRowCount, "block row count \(rowCount)")
        precondition(UInt(bitPattern: block.baseAddress) % 8 == 0, "block not 8-aligned")
        guard block.count >= BlockFormat.headerByteCount else {
            throw .corrupt("block has \(block.count) bytes, less than its 8-byte header")
        }
        let header = unsafe block.loadUnaligned(as: UInt64.self).littleEndian
        guard let encoding = BlockEncoding(rawValue: UInt8(truncatingIfNeeded: header)) else {
            throw .corrupt("unknown block encoding \(UInt8(truncatingIfNeeded: header))")
        }
        let flags = UInt8(truncatingIfNeeded: header >> 8)
        guard header >> 16 == 0, flags & ~(BlockFormat.hasValidityFlag | BlockFormat.allNullFlag) == 0,
            flags != BlockFormat.hasValidityFlag | BlockFormat.allNullFlag
        else { throw .corrupt("block header has reserved bits set: 0x\(String(header, radix: 16))") }
        if flags == BlockFormat.allNullFlag {
            guard block.count == BlockFormat.headerByteCount else {
                throw .corrupt("all-null block has \(block.count - 8) payload bytes; expected none")
            }
            unsafe values.update(repeating: 0, count: rowCount)
            unsafe validity.update(repeating: false, count: rowCount)
            return rowCount
        }
        var reader = unsafe WordReader(block, offset: BlockFormat.headerByteCount)
        var nullCount = 0
        if flags == BlockFormat.hasValidityFlag {
            nullCount = try unsafe readBitmap(&reader, rowCount: rowCount, validity: validity)
        } else {
            unsafe validity.update(repeating: true, count: rowCount)
        }
        if encoding == .decimal {
            guard isFloat else { throw .corrupt("decimal encoding in a non-float column") }
            try unsafe decodeDecimal(&reader, rowCount: rowCount, values: values)
        } else {
            try unsafe decodePayload(encoding, &reader, rowCount: rowCount, values: values)
        }
        guard reader.remaining == 0 else {
            throw .corrupt("block has \(reader.remaining) bytes after its \(encoding) payload")
        }
        if nullCount > 0 {
            // In bounds: both buffers hold rowCount elements (the caller's contract).
            // Branch-free: a valid row keeps its value (mask all ones), a null row gets 0.
            for row in 0..<rowCount { unsafe values[row] &= 0 &- Int64(unsafe validity[row] ? 1 : 0) }
        }
        return nullCount
    }

    private static func readBitmap(_ reader: inout WordReader, rowCount: Int, validity: UnsafeMutablePointer<Bool>)
        throws(CortexError) -> Int
    {
        let wordCount = BlockFormat.bitmapByteCount(rowCount: rowCount) / 8
        let words = try unsafe reader.words(wordCount, what: "validity bitmap")
        var nullCount = 0
        for wordIndex in 0..<wordCount {
            // In bounds: `words` holds wordCount words (checked by reader.words).
            let word = unsafe words[wordIndex].littleEndian
            let rowsHere = min(64, rowCount - wordIndex * 64)
            guard rowsHere == 64 || word >> UInt64(rowsHere) == 0 else {
                throw .corrupt("validity bitmap has bits set past row \(rowCount)")
            }
            nullCount += rowsHere - word.nonzeroBitCount
        }
        guard nullCount > 0 else { throw .corrupt("block has a validity bitmap but no null row") }
        // In bounds: `words` holds ceil(rowCount / 64) words and `validity` rowCount flags; a Bool is
        // one byte holding 0 or 1, which is what cc_expand_bits writes.
        unsafe validity.withMemoryRebound(to: UInt8.self, capacity: rowCount) { unsafe cc_expand_bits(words, rowCount, $0) }
        return nullCount
    }

    private static func decodePayload(
        _ encoding: BlockEncoding, _ reader: inout WordReader, rowCount: Int, values: UnsafeMutablePointer<Int64>
    ) throws(CortexError) {
        switch encoding {
        case .constant:
            let value = Int64(bitPattern: try reader.word("constant value"))
            unsafe values.update(repeating: value, count: rowCount)
        case .bitPacked:
            let base = Int64(bitPattern: try reader.word("frame base"))
            let width = try reader.width()
            let words = try unsafe reader.words(BlockFormat.packedByteCount(count: rowCount, width: width) / 8, what: "packed values")
            // In bounds: `words` holds packedByteCount(rowCount, width) bytes, exactly what cc_unpack reads.
            unsafe cc_unpack(words, rowCount, UInt32(width), base, values)
        case .delta:
            let first = Int64(bitPattern: try reader.word("delta first value"))
            let base = Int64(bitPattern: try reader.word("delta base"))
            let width = try reader.width()
            let words = try unsafe reader.words(BlockFormat.packedByteCount(count: rowCount - 1, width: width) / 8, what: "deltas")
            // In bounds: `words` holds the packed rowCount - 1 deltas cc_unpack_delta reads.
            unsafe cc_unpack_delta(words, rowCount, UInt32(width), first, base, values)
        case .runLength:
            try unsafe decodeRuns(&reader, rowCount: rowCount, values: values)
        case .decimal:
            throw .corrupt("decimal encoding nested in a decimal block")
        case .plain:
            let words = try unsafe reader.words(rowCount, what: "plain values")
            for row in 0..<rowCount {
                // In bounds: `words` and `values` hold rowCount elements.
                unsafe values[row] = Int64(bitPattern: words[row].littleEndian)
            }
        }
    }

    private static func decodeDecimal(_ reader: inout WordReader, rowCount: Int, values: UnsafeMutablePointer<Int64>)
        throws(CortexError)
    {
        let exponent = try reader.word("decimal exponent")
        guard exponent <= UInt64(DecimalPlan.exponentMax) else { throw .corrupt("decimal exponent \(exponent) exceeds 18") }
        let innerCode = try reader.word("decimal inner encoding")
        guard innerCode < UInt64(BlockEncoding.decimal.rawValue), let inner = BlockEncoding(rawValue: UInt8(innerCode)) else {
            throw .corrupt("decimal block has inner encoding \(innerCode)")
        }
        try unsafe decodePayload(inner, &reader, rowCount: rowCount, values: values)
        let power = DecimalPlan.powers[Int(exponent)]
        for row in 0..<rowCount {
            // In bounds: `values` holds rowCount words (the caller's contract).
            unsafe values[row] = Int64(bitPattern: (Double(unsafe values[row]) / power).bitPattern)
        }
    }

    private static func decodeRuns(_ reader: inout WordReader, rowCount: Int, values: UnsafeMutablePointer<Int64>)
        throws(CortexError)
    {
        let runCountWord = try reader.word("run count")
        guard runCountWord >= 1, runCountWord <= UInt64(rowCount) else {
            throw .corrupt("run count \(runCountWord) outside 1...\(rowCount)")
        }
        let runCount = Int(runCountWord)
        let runValues = UnsafeMutablePointer<Int64>.allocate(capacity: 2 * runCount)
        defer { unsafe runValues.deallocate() }
        let runLengths = unsafe runValues + runCount
        for part in 0..<2 {
            let base = Int64(bitPattern: try reader.word("run base"))
            let width = try reader.width()
            let words = try unsafe reader.words(BlockFormat.packedByteCount(count: runCount, width: width) / 8, what: "runs")
            // In bounds: `words` holds the packed runCount values; each half of the scratch has room for runCount.
            unsafe cc_unpack(words, runCount, UInt32(width), base, part == 0 ? runValues : runLengths)
        }
        var row = 0
        // In bounds: both run arrays hold runCount values; cc_expand_runs writes at most rowCount rows.
        let stopped = unsafe cc_expand_runs(runValues, runLengths, runCount, values, rowCount, &row)
        if stopped < runCount {
            throw .corrupt("run \(stopped) has length \(unsafe runLengths[stopped]) with \(rowCount - row) rows left")
        }
        guard row == rowCount else { throw .corrupt("runs cover \(row) rows; the block has \(rowCount)") }
    }
}

/// Reads 8-byte words from a block with one bounds check per field (not per value).
@safe struct WordReader {
    private let block: UnsafeRawBufferPointer
    private var offset: Int

    init(_ block: UnsafeRawBufferPointer, offset: Int) {
        unsafe self.block = block
        self.offset = offset
    }

    var remaining: Int { unsafe block.count - offset }

    mutating func word(_ what: String) throws(CortexError) -> UInt64 {
        guard remaining >= 8 else { throw .corrupt("block ends before its \(what)") }
        defer { offset += 8 }
        // In bounds: 8 bytes remain at `offset`.
        return unsafe block.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
    }

    /// A bit width, which must lie in 0...64.
    mutating func width() throws(CortexError) -> Int {
        let width = try word("bit width")
        guard width <= 64 else { throw .corrupt("bit width \(width) exceeds 64") }
        return Int(width)
    }

    /// `count` words in place (the block is 8-aligned, so they are aligned too).
    mutating func words(_ count: Int, what: String) throws(CortexError) -> UnsafePointer<UInt64> {
        guard count <= remaining / 8 else {
            throw .corrupt("block has \(remaining) bytes left; its \(what) need \(count * 8)")
        }
        // In bounds: count words remain at `offset`; the start is 8-aligned (block and offset are).
        let start = unsafe (block.baseAddress! + offset).assumingMemoryBound(to: UInt64.self)
        offset += count * 8
        return unsafe UnsafePointer(start)
    }
}
