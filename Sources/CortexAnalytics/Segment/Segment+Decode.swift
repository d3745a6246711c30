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
        try decode(column: column, rows: rows, remap: nil, dictionary: nil)
    }

    /// ``decode(column:rows:)``; for a string column, each code `c` becomes `remap[c]`, coding
    /// into `dictionary` (a caller's dictionary that holds every string of this segment's).
    func decode(column: Int, rows: Range<Int>, remap: ContiguousArray<Int32>?, dictionary target: StringDictionary?)
        throws(CortexError) -> ColumnVector
    {
        precondition(column >= 0 && column < schema.columns.count, "column \(column) of \(schema.columns.count)")
        if schema.columns[column].type == .float64 {
            // Decoded in place: the words are the doubles' bit patterns.
            var validity: ContiguousArray<Bool>?
            var values = Self.uninitialized(Double.self, rows.count)
            try unsafe values.withUnsafeMutableBufferPointer { buffer in
                unsafe buffer.withMemoryRebound(to: Int64.self) { words in
                    unsafe decodeWords(column: column, rows: rows, into: words, validity: &validity)
                }
            }.get()
            return ColumnVector(.float64(values), validity: Self.nilIfAllValid(validity))
        }
        let (words, decodedValidity) = try decodedWords(column: column, rows: rows)
        let validity = Self.nilIfAllValid(decodedValidity)
        switch schema.columns[column].type {
        case .float64:
            preconditionFailure("decoded above")
        case .string:
            let dictionary = dictionary(column: column)!
            let codes = try codesChecked(words, validity: validity, entryCount: dictionary.count, column: column, remap: remap)
            return ColumnVector(.string(codes, remap == nil ? dictionary : target ?? dictionary), validity: validity)
        case .int32, .int64, .bool, .timestamp:
            return ColumnVector(.int64(words), validity: validity)
        }
    }

    /// The rows of `rows` (as offsets from `rows.lowerBound`, ascending) whose value in string
    /// column `column` is the segment's dictionary code `code` (null rows never are): one pass over
    /// the decoded words, without building codes. A word outside the dictionary is `.corrupt`, as
    /// in ``decode(column:rows:)``.
    func rows(ofColumn column: Int, in rows: Range<Int>, withCode code: Int32) throws(CortexError) -> ContiguousArray<Int32> {
        precondition(schema.columns[column].type == .string, "rows(withCode:) of a \(schema.columns[column].type) column")
        let (words, validity) = try decodedWords(column: column, rows: rows)
        let limit = UInt64(dictionary(column: column)?.count ?? 0), target = Int64(code)
        var outside: UInt64 = 0
        let selected = unsafe words.withUnsafeBufferPointer { words in
            unsafe ContiguousArray<Int32>(unsafeUninitializedCapacity: words.count) { out, count in
                var kept = 0
                // Branch-free: each row is written at `kept`, which advances when it matches.
                // In bounds: kept <= row < words.count == out.count; validity has words.count flags.
                if let validity {
                    unsafe validity.withUnsafeBufferPointer { valid in
                        for row in 0..<words.count {
                            let word = unsafe words[row], isValid = unsafe valid[row]
                            outside |= isValid && UInt64(bitPattern: word) >= limit ? 1 : 0
                            unsafe out[kept] = Int32(truncatingIfNeeded: row)
                            kept &+= isValid && word == target ? 1 : 0
                        }
                    }
                } else {
                    for row in 0..<words.count {
                        let word = unsafe words[row]
                        outside |= UInt64(bitPattern: word) >= limit ? 1 : 0
                        unsafe out[kept] = Int32(truncatingIfNeeded: row)
                        kept &+= word == target ? 1 : 0
                    }
                }
                count = kept
            }
        }
        if outside != 0 { throw .corrupt("\(name): column \(schema.columns[column].name): a code outside its dictionary of \(limit) strings") }
        return selected
    }

    /// The raw words of `rows` of `column` and their validity flags (nil when no block of the range
    /// has a null; otherwise possibly all set).
    private func decodedWords(column: Int, rows: Range<Int>) throws(CortexError) -> (ContiguousArray<Int64>, ContiguousArray<Bool>?) {
        var validity: ContiguousArray<Bool>?
        var words = Self.uninitialized(Int64.self, rows.count)
        try unsafe words.withUnsafeMutableBufferPointer { buffer in
            unsafe decodeWords(column: column, rows: rows, into: buffer, validity: &validity)
        }.get()
        return (words, validity)
    }

    /// An array of `count` elements of a trivial type whose contents the caller overwrites.
    private static func uninitialized<T: BitwiseCopyable>(_: T.Type, _ count: Int) -> ContiguousArray<T> {
        unsafe ContiguousArray(unsafeUninitializedCapacity: count) { _, initialized in
            // Trivial elements: any bit pattern is a valid value; every one is written before it is read.
            initialized = count
        }
    }

    /// Narrows decoded words to codes (through `remap` when given), checking every non-null one
    /// names a dictionary entry (null rows hold 0, which an all-null column's empty dictionary
    /// does not contain).
    private func codesChecked(
        _ words: ContiguousArray<Int64>, validity: ContiguousArray<Bool>?, entryCount: Int, column: Int, remap: ContiguousArray<Int32>?
    ) throws(CortexError) -> ContiguousArray<Int32> {
        let limit = UInt64(entryCount)
        precondition(remap.map { $0.count >= entryCount } ?? true, "remap shorter than the dictionary")
        precondition((validity?.count ?? words.count) == words.count, "validity of \(validity?.count ?? 0) rows for \(words.count)")
        // The largest word of a non-null row (unsigned: a negative word is huge) decides whether any
        // names no entry; a null row's word (or one outside) becomes code 0 (through the remap, map[0]).
        // No branch depends on the data, so the loops vectorise.
        var largest: UInt64 = 0
        let codes = unsafe words.withUnsafeBufferPointer { words in
            unsafe ContiguousArray<Int32>(unsafeUninitializedCapacity: words.count) { out, count in
                count = words.count
                guard !(remap?.isEmpty ?? false) else {
                    // An empty dictionary: every row must be null (checked below).
                    unsafe out.update(repeating: 0)
                    return
                }
                @inline(__always) func narrow(_ isValid: (Int) -> Bool, _ mapped: (Int32) -> Int32) {
                    for row in 0..<words.count {
                        // In bounds: out and words hold words.count elements.
                        let word = UInt64(bitPattern: unsafe words[row])
                        largest = max(largest, isValid(row) ? word : 0)
                        unsafe out[row] = mapped(word >= limit ? 0 : Int32(truncatingIfNeeded: word))
                    }
                }
                // In bounds: valid holds words.count flags; a code is below limit = entryCount <= map.count.
                unsafe remap.withUnsafeBufferPointerIfPresent { map in
                    unsafe validity.withUnsafeBufferPointerIfPresent { valid in
                        switch unsafe (map, valid) {
                        case (let map?, let valid?): narrow({ unsafe valid[$0] }, { unsafe map[Int($0)] })
                        case (let map?, nil): narrow({ _ in true }, { unsafe map[Int($0)] })
                        case (nil, let valid?): narrow({ unsafe valid[$0] }, { $0 })
                        case (nil, nil): narrow({ _ in true }, { $0 })
                        }
                    }
                }
            }
        }
        // An empty dictionary admits only null rows (the extra pass is for that rare case alone).
        guard limit == 0 ? !(validity?.contains(true) ?? !words.isEmpty) : largest < limit else {
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
    /// Decodes `rows` of `column` into `out` (one word per row); `validity` becomes the rows' flags
    /// when a block of the range holds a null, else nil. Decoding writes every row's value and
    /// flag, so no buffer is zeroed first.
    private func decodeWords(
        column: Int, rows: Range<Int>, into out: UnsafeMutableBufferPointer<Int64>, validity: inout ContiguousArray<Bool>?
    ) -> Result<Void, CortexError> {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= rowCount, "rows \(rows) outside 0..<\(rowCount)")
        let chunk: AlignedBytes
        do {
            chunk = try self.chunk(column)
        } catch {
            return .failure(error)
        }
        let hasNulls = blockRange(of: rows).contains { footer.chunks[column].blockZoneMaps[$0].nullCount > 0 }
        validity = hasNulls ? Self.uninitialized(Bool.self, rows.count) : nil
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
