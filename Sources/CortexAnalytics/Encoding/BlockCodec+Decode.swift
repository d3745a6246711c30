import CortexCore

extension BlockCodec {
    /// Bounds-checked little-endian reads over a block's bytes.
    @safe struct Cursor {
        let bytes: UnsafeRawBufferPointer
        var offset = 0
        let context: String

        func corrupt(_ what: String) -> CortexError { .corrupt("\(context): \(what) at byte \(offset)") }

        mutating func need(_ count: Int) throws(CortexError) {
            guard count >= 0, unsafe bytes.count - offset >= count else { throw corrupt("block truncated (need \(count) bytes)") }
        }

        mutating func byte() throws(CortexError) -> UInt8 {
            try need(1)
            defer { offset += 1 }
            return unsafe bytes[offset]
        }

        mutating func fixed<T: FixedWidthInteger>(_: T.Type) throws(CortexError) -> T {
            try need(MemoryLayout<T>.size)
            // In bounds: need() checked the size.
            defer { offset += MemoryLayout<T>.size }
            return T(littleEndian: unsafe bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        }

        /// The address of the next `count` bytes, after checking they exist.
        mutating func take(_ count: Int) throws(CortexError) -> UnsafeRawPointer {
            try need(count)
            defer { offset += count }
            // In bounds: need() checked `count` bytes remain; an empty take never dereferences.
            return unsafe (bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!) + offset
        }
    }

    /// Reads the block header: encoding and (when present) the validity bitmap of `rowCount` rows.
    static func header(_ cursor: inout Cursor, rowCount: Int) throws(CortexError) -> (BlockEncoding, UnsafeRawPointer?) {
        let raw = try cursor.byte()
        guard let encoding = BlockEncoding(rawValue: raw) else { throw cursor.corrupt("unknown block encoding \(raw)") }
        let hasNulls = try cursor.byte()
        guard hasNulls <= 1 else { throw cursor.corrupt("bad null flag \(hasNulls)") }
        let bitmap = unsafe hasNulls == 1 ? try cursor.take((rowCount + 7) / 8) : nil
        return unsafe (encoding, bitmap)
    }

    /// Appends validity of `rows` to `validity` (creating it, all present for
    /// `priorCount` earlier rows, on the first null).
    static func appendValidity(_ bitmap: UnsafeRawPointer?, rows: Range<Int>, priorCount: Int, into validity: inout ContiguousArray<Bool>?) {
        guard let bitmap = unsafe bitmap else {
            validity?.append(contentsOf: repeatElement(true, count: rows.count))
            return
        }
        if validity == nil { validity = ContiguousArray(repeating: true, count: priorCount) }
        let start = validity!.count
        validity!.append(contentsOf: repeatElement(false, count: rows.count))
        unsafe validity!.withUnsafeMutableBufferPointer { output in
            // In bounds: the bitmap holds ⌈rowCount/8⌉ bytes and rows ⊆ 0..<rowCount; output has start + rows.count slots.
            for (offset, row) in rows.enumerated() {
                unsafe output[start + offset] = unsafe bitmap.load(fromByteOffset: row >> 3, as: UInt8.self) & (1 << UInt8(row & 7)) != 0
            }
        }
    }

    /// Decodes rows `rows` of an integer-like (or string-code) block of `rowCount` rows.
    static func decodeIntegers(
        _ bytes: UnsafeRawBufferPointer, rowCount: Int, rows: Range<Int>, into values: inout ContiguousArray<Int64>,
        validity: inout ContiguousArray<Bool>?, context: String
    ) throws(CortexError) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= rowCount, "rows outside the block")
        var cursor = unsafe Cursor(bytes: bytes, context: context)
        let priorCount = values.count
        let (encoding, bitmap) = unsafe try header(&cursor, rowCount: rowCount)
        let start = values.count
        values.append(contentsOf: repeatElement(0, count: rows.count))
        try unsafe values.withUnsafeMutableBufferPointer { (output: inout UnsafeMutableBufferPointer<Int64>) throws(CortexError) in
            let out = unsafe output.baseAddress! + start
            switch encoding {
            case .constant:
                let value = try cursor.fixed(Int64.self)
                for index in 0..<rows.count { unsafe out[index] = value }
            case .frameOfReference:
                let base = try cursor.fixed(Int64.self)
                let width = Int(try cursor.byte())
                guard width <= 64 else { throw cursor.corrupt("bit width \(width)") }
                let words = unsafe try cursor.take(BitPacking.wordCount(count: rowCount, width: width) * 8)
                unsafe BitPacking.unpack(words, width: width, first: rows.lowerBound, count: rows.count, base: base, into: out)
            case .delta:
                let first = try cursor.fixed(Int64.self)
                let base = try cursor.fixed(Int64.self)
                let width = Int(try cursor.byte())
                guard width <= 64 else { throw cursor.corrupt("bit width \(width)") }
                let words = unsafe try cursor.take(BitPacking.wordCount(count: max(rowCount - 1, 0), width: width) * 8)
                var running = first
                var scratch = [Int64](repeating: 0, count: 256)
                var row = 0
                // Deltas must be summed from the block start; unpack them 256 at a time.
                while row < rows.upperBound {
                    if row == 0 {
                        if rows.contains(0) { unsafe out[0] = running }
                        row = 1
                        continue
                    }
                    let chunk = min(256, rows.upperBound - row)
                    unsafe scratch.withUnsafeMutableBufferPointer { buffer in
                        unsafe BitPacking.unpack(words, width: width, first: row - 1, count: chunk, base: base, into: buffer.baseAddress!)
                    }
                    for index in 0..<chunk {
                        running = running &+ scratch[index]
                        if row + index >= rows.lowerBound { unsafe out[row + index - rows.lowerBound] = running }
                    }
                    row += chunk
                }
            case .runLength:
                unsafe try decodeRuns(&cursor, rowCount: rowCount, rows: rows, into: out)
            case .plain:
                let raw = unsafe try cursor.take(rowCount * 8)
                for index in 0..<rows.count {
                    unsafe out[index] = Int64(littleEndian: unsafe raw.loadUnaligned(fromByteOffset: (rows.lowerBound + index) * 8, as: Int64.self))
                }
            case .plainDouble, .constantDouble:
                throw cursor.corrupt("a float encoding in an integer column")
            }
        }
        unsafe appendValidity(bitmap, rows: rows, priorCount: priorCount, into: &validity)
    }

    private static func decodeRuns(_ cursor: inout Cursor, rowCount: Int, rows: Range<Int>, into out: UnsafeMutablePointer<Int64>) throws(CortexError) {
        let runCount = Int(try cursor.fixed(UInt16.self))
        let base = try cursor.fixed(Int64.self)
        let width = Int(try cursor.byte())
        guard width <= 64, runCount >= 1 else { throw cursor.corrupt("run-length header (runs \(runCount), width \(width))") }
        let words = unsafe try cursor.take(BitPacking.wordCount(count: runCount, width: width) * 8)
        let lengths = unsafe try cursor.take(runCount * 2)
        var runValues = [Int64](repeating: 0, count: runCount)
        unsafe runValues.withUnsafeMutableBufferPointer { buffer in
            unsafe BitPacking.unpack(words, width: width, first: 0, count: runCount, base: base, into: buffer.baseAddress!)
        }
        var row = 0
        for run in 0..<runCount {
            let length = Int(UInt16(littleEndian: unsafe lengths.loadUnaligned(fromByteOffset: run * 2, as: UInt16.self)))
            let end = row + length
            guard end <= rowCount else { throw cursor.corrupt("runs cover more than \(rowCount) rows") }
            let from = max(row, rows.lowerBound), to = min(end, rows.upperBound)
            if from < to { for index in from..<to { unsafe out[index - rows.lowerBound] = runValues[run] } }
            row = end
        }
        guard row == rowCount else { throw cursor.corrupt("runs cover \(row) of \(rowCount) rows") }
    }

    /// Decodes rows `rows` of a float64 block of `rowCount` rows.
    static func decodeDoubles(
        _ bytes: UnsafeRawBufferPointer, rowCount: Int, rows: Range<Int>, into values: inout ContiguousArray<Double>,
        validity: inout ContiguousArray<Bool>?, context: String
    ) throws(CortexError) {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= rowCount, "rows outside the block")
        var cursor = unsafe Cursor(bytes: bytes, context: context)
        let priorCount = values.count
        let (encoding, bitmap) = unsafe try header(&cursor, rowCount: rowCount)
        switch encoding {
        case .constantDouble:
            let value = Double(bitPattern: try cursor.fixed(UInt64.self))
            values.append(contentsOf: repeatElement(value, count: rows.count))
        case .plainDouble:
            let raw = unsafe try cursor.take(rowCount * 8)
            for row in rows {
                values.append(Double(bitPattern: UInt64(littleEndian: unsafe raw.loadUnaligned(fromByteOffset: row * 8, as: UInt64.self))))
            }
        default:
            throw cursor.corrupt("an integer encoding in a float column")
        }
        unsafe appendValidity(bitmap, rows: rows, priorCount: priorCount, into: &validity)
    }
}
