public import CortexCore

extension Segment {
    /// Values of `rows` (any sub-range; may span blocks) of column `column`. Strings are codes
    /// into `dictionary(column:)`; null rows hold 0 and are marked in `validity`, which is nil
    /// when no row of the range is null.
    ///
    /// The first access to a column verifies its checksum and decompresses it once; later calls
    /// only unpack. Preconditions: `column` exists and `rows` lies in `0..<rowCount`.
    ///
    /// - Throws: `.corrupt` naming the segment, column and block when stored bytes fail validation.
    public func decode(column: Int, rows: Range<Int>) throws(CortexError) -> ColumnVector {
        precondition(column >= 0 && column < schema.columns.count, "column \(column) of \(schema.columns.count)")
        precondition(rows.lowerBound >= 0 && rows.upperBound <= rowCount, "rows \(rows) outside 0..<\(rowCount)")
        let chunk = try chunk(column)
        let hasNulls = blockRange(of: rows).contains { footer.chunks[column].blockZoneMaps[$0].nullCount > 0 }
        var validity = hasNulls ? ContiguousArray<Bool>(repeating: true, count: rows.count) : nil
        switch schema.columns[column].type {
        case .float64:
            var values = ContiguousArray<Double>(repeating: 0, count: rows.count)
            try unsafe values.withUnsafeMutableBufferPointer { buffer in
                unsafe buffer.withMemoryRebound(to: Int64.self) { words in
                    unsafe decodeWords(column: column, chunk: chunk, rows: rows, into: words, validity: &validity)
                }
            }.get()
            return ColumnVector(.float64(values), validity: Self.nilIfAllValid(validity))
        case .string:
            var words = ContiguousArray<Int64>(repeating: 0, count: rows.count)
            try unsafe words.withUnsafeMutableBufferPointer { buffer in
                unsafe decodeWords(column: column, chunk: chunk, rows: rows, into: buffer, validity: &validity)
            }.get()
            let dictionary = dictionary(column: column)!
            let codes = try codesChecked(words, validity: validity, entryCount: dictionary.count, column: column)
            return ColumnVector(.string(codes, dictionary), validity: Self.nilIfAllValid(validity))
        case .int32, .int64, .bool, .timestamp:
            var values = ContiguousArray<Int64>(repeating: 0, count: rows.count)
            try unsafe values.withUnsafeMutableBufferPointer { buffer in
                unsafe decodeWords(column: column, chunk: chunk, rows: rows, into: buffer, validity: &validity)
            }.get()
            return ColumnVector(.int64(values), validity: Self.nilIfAllValid(validity))
        }
    }

    /// Narrows decoded words to codes, checking every non-null one names a dictionary entry
    /// (null rows hold 0, which an all-null column's empty dictionary does not contain).
    private func codesChecked(_ words: ContiguousArray<Int64>, validity: ContiguousArray<Bool>?, entryCount: Int, column: Int)
        throws(CortexError) -> ContiguousArray<Int32>
    {
        var codes = ContiguousArray<Int32>(repeating: 0, count: words.count)
        var outside = false
        let limit = UInt64(entryCount)
        for row in words.indices {
            // Unsigned compare: negative words wrap to huge values and fail it too.
            let isOutside = UInt64(bitPattern: words[row]) >= limit
            outside = outside || (isOutside && validity?[row] ?? true)
            codes[row] = Int32(truncatingIfNeeded: words[row])
        }
        guard !outside else {
            throw .corrupt("\(name): column \(schema.columns[column].name): code outside the \(entryCount)-entry dictionary")
        }
        return codes
    }

    /// A sub-range of blocks with nulls may itself hold none: report no validity then.
    private static func nilIfAllValid(_ validity: ContiguousArray<Bool>?) -> ContiguousArray<Bool>? {
        guard let validity, validity.contains(false) else { return nil }
        return validity
    }

    /// Blocks overlapping `rows`.
    func blockRange(of rows: Range<Int>) -> Range<Int> {
        guard !rows.isEmpty else { return 0..<0 }
        return (rows.lowerBound / AnalyticsLimits.blockRowCount)..<((rows.upperBound - 1) / AnalyticsLimits.blockRowCount + 1)
    }

    /// Decodes the blocks overlapping `rows` into `out` (rows.count words) and, when present,
    /// `validity` (rows.count flags, preset to true). Whole blocks decode in place; the partial
    /// first and last block decode into scratch and are copied.
    private func decodeWords(
        column: Int, chunk: AlignedBytes, rows: Range<Int>, into out: UnsafeMutableBufferPointer<Int64>,
        validity: inout ContiguousArray<Bool>?
    ) -> Result<Void, CortexError> {
        guard validity != nil else { return unsafe decodeWords(column: column, chunk: chunk, rows: rows, into: out, flags: nil) }
        return unsafe validity!.withUnsafeMutableBufferPointer { flags in
            unsafe decodeWords(column: column, chunk: chunk, rows: rows, into: out, flags: flags.baseAddress)
        }
    }

    private func decodeWords(
        column: Int, chunk: AlignedBytes, rows: Range<Int>, into out: UnsafeMutableBufferPointer<Int64>,
        flags: UnsafeMutablePointer<Bool>?
    ) -> Result<Void, CortexError> {
        let scratchValues = UnsafeMutablePointer<Int64>.allocate(capacity: AnalyticsLimits.blockRowCount)
        let scratchFlags = UnsafeMutablePointer<Bool>.allocate(capacity: AnalyticsLimits.blockRowCount)
        defer {
            unsafe scratchValues.deallocate()
            unsafe scratchFlags.deallocate()
        }
        for block in blockRange(of: rows) {
            let blockRows = self.rows(ofBlock: block)
            let overlap = blockRows.clamped(to: rows)
            let whole = overlap == blockRows
            let outOffset = overlap.lowerBound - rows.lowerBound
            let skip = overlap.lowerBound - blockRows.lowerBound
            // In bounds: `overlap` lies in `rows`, so outOffset + overlap.count <= rows.count, the
            // size of `out` and `flags`; scratch holds a whole block (skip + overlap.count <= 2048).
            let values = unsafe whole ? out.baseAddress! + outOffset : scratchValues
            let blockFlags = unsafe whole && flags != nil ? flags! + outOffset : scratchFlags
            do {
                try unsafe decodeBlock(column: column, block: block, chunk: chunk, values: values, validity: blockFlags)
            } catch {
                return .failure(error)
            }
            if !whole {
                unsafe (out.baseAddress! + outOffset).update(from: scratchValues + skip, count: overlap.count)
                if let flags = unsafe flags { unsafe (flags + outOffset).update(from: scratchFlags + skip, count: overlap.count) }
            }
        }
        return .success(())
    }

    /// Decodes one whole block; checks its null count against the footer.
    func decodeBlock(
        column: Int, block: Int, chunk: AlignedBytes, values: UnsafeMutablePointer<Int64>, validity: UnsafeMutablePointer<Bool>
    ) throws(CortexError) {
        let descriptor = footer.chunks[column]
        let range = descriptor.blockRange(block)
        let rowCount = footer.rowCount(ofBlock: block)
        let nullCount: Int
        do {
            // In bounds: the footer parser checked block offsets increase inside the raw length, which
            // is the size of `chunk` (Zstd.decompress and the copy both produce exactly that).
            nullCount = try unsafe BlockDecoder.decode(
                UnsafeRawBufferPointer(rebasing: chunk.bytes[range]), rowCount: rowCount,
                isFloat: schema.columns[column].type == .float64, values: values, validity: validity)
        } catch {
            throw .corrupt("\(name): column \(schema.columns[column].name) block \(block): \(error.message)")
        }
        guard nullCount == descriptor.blockZoneMaps[block].nullCount else {
            throw .corrupt("\(name): column \(schema.columns[column].name) block \(block): \(nullCount) null rows; the footer says \(descriptor.blockZoneMaps[block].nullCount)")
        }
    }
}
