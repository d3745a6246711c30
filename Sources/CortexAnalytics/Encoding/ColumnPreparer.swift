/// Turns a column into the 8-byte values the block encoder packs.
///
/// Integer-like values pass through; doubles become their bit patterns (so the integer
/// encodings apply to them too: a constant, or a narrow frame when values share sign and
/// exponent); string codes are remapped into a per-segment dictionary sorted byte-wise. Null
/// rows take the previous non-null value (the first non-null one before it), which neither
/// widens a frame nor breaks a run.
enum ColumnPreparer {
    struct Prepared {
        var values: ContiguousArray<Int64>
        /// The segment dictionary of a string column, sorted by UTF-8 bytes.
        var dictionary: [String]?
    }

    static func prepare(_ column: ColumnVector, type: ColumnType) -> Prepared {
        var prepared: Prepared
        switch column.values {
        case .int64(let values):
            prepared = Prepared(values: values, dictionary: nil)
        case .float64(let values):
            prepared = Prepared(values: ContiguousArray(values.lazy.map { Int64(bitPattern: $0.bitPattern) }), dictionary: nil)
        case .string(let codes, let dictionary):
            prepared = remap(codes, dictionary: dictionary, validity: column.validity)
        }
        if let validity = column.validity { fillNulls(&prepared.values, validity: validity) }
        return prepared
    }

    private static func fillNulls(_ values: inout ContiguousArray<Int64>, validity: ContiguousArray<Bool>) {
        guard let firstValid = validity.firstIndex(of: true) else {
            for index in values.indices { values[index] = 0 }
            return
        }
        var previous = values[firstValid]
        for index in values.indices {
            if validity[index] { previous = values[index] } else { values[index] = previous }
        }
    }

    private static func remap(_ codes: ContiguousArray<Int32>, dictionary: StringDictionary, validity: ContiguousArray<Bool>?)
        -> Prepared
    {
        // The codes the segment uses, found through a flag per table code when the table's
        // dictionary is not much larger than the segment (the usual case), else through a set.
        let isValid = { (row: Int) in validity.map { $0[row] } ?? true }
        var largest: Int32 = 0, smallest: Int32 = 0
        for code in codes {
            largest = max(largest, code)
            smallest = min(smallest, code)
        }
        precondition(smallest >= 0, "negative string code \(smallest)")
        var used: [Int32] = []
        if Int(largest) <= 4 * codes.count + 4096 {
            var seen = [Bool](repeating: false, count: Int(largest) + 1)
            var lastCode: Int32 = -1
            for (row, code) in codes.enumerated() where code != lastCode && isValid(row) {
                seen[Int(code)] = true
                lastCode = code
            }
            used = seen.indices.filter { seen[$0] }.map(Int32.init)
        } else {
            var set = Set<Int32>()
            for (row, code) in codes.enumerated() where isValid(row) { set.insert(code) }
            used = Array(set)
        }
        let sorted = used.map { (string: dictionary.string(for: $0), code: $0) }
            .sorted { $0.string.utf8.lexicographicallyPrecedes($1.string.utf8) }
        var values = ContiguousArray<Int64>(repeating: 0, count: codes.count)
        if Int(largest) <= 4 * codes.count + 4096 {
            // A table code -> segment code array (the codes are bounded by `largest`, checked above).
            var mapping = [Int64](repeating: 0, count: Int(largest) + 1)
            for (newCode, entry) in sorted.enumerated() { mapping[Int(entry.code)] = Int64(newCode) }
            unsafe mapping.withUnsafeBufferPointer { mapping in
                unsafe codes.withUnsafeBufferPointer { codes in
                    unsafe values.withUnsafeMutableBufferPointer { values in
                        unsafe validity.withUnsafeBufferPointerIfPresent { valid in
                            // In bounds: 0 <= code <= largest < mapping.count for codes the
                            // dictionary gave; rows below codes.count == values.count == valid.count.
                            for row in 0..<codes.count where unsafe valid?[row] ?? true {
                                unsafe values[row] = mapping[Int(codes[row])]
                            }
                        }
                    }
                }
            }
            return Prepared(values: values, dictionary: sorted.map(\.string))
        }
        var mapping = [Int32: Int32](minimumCapacity: sorted.count)
        for (newCode, entry) in sorted.enumerated() { mapping[entry.code] = Int32(newCode) }
        var lastCode: Int32 = -1
        var lastValue: Int64 = 0
        for (row, code) in codes.enumerated() where isValid(row) {
            // Codes arrive in runs (rows are sorted by tenant and cluster key); skip the hash lookup within a run.
            if code != lastCode {
                lastCode = code
                lastValue = Int64(mapping[code]!)
            }
            values[row] = lastValue
        }
        return Prepared(values: values, dictionary: sorted.map(\.string))
    }
}

/// Writes the blocks of one column chunk and records their offsets and zone maps.
struct ChunkWriter {
    var bytes: [UInt8]
    var descriptor: ChunkDescriptor

    static func write(_ values: ContiguousArray<Int64>, validity: ContiguousArray<Bool>?, isFloat: Bool) -> ChunkWriter {
        var sink = ByteSink(reservingCapacity: values.count * 2)
        var offsets: [Int] = []
        var zoneMaps: [ZoneMap] = []
        var total = ZoneMap(rowCount: 0, nullCount: 0)
        for blockStart in stride(from: 0, to: values.count, by: AnalyticsLimits.blockRowCount) {
            let rows = blockStart..<min(values.count, blockStart + AnalyticsLimits.blockRowCount)
            offsets.append(sink.count)
            let zoneMap = unsafe values.withUnsafeBufferPointer { buffer in
                // In bounds: `rows` lies inside `values`, and `validity` has as many rows.
                unsafe validity.withUnsafeBufferPointerIfPresent { validityBuffer in
                    unsafe ZoneMap.of(buffer.baseAddress!, validity: validityBuffer?.baseAddress, range: rows, isFloat: isFloat)
                }
            }
            writeBlock(values[rows], validity: validity?[rows], zoneMap: zoneMap, isFloat: isFloat, to: &sink)
            zoneMaps.append(zoneMap)
            total = blockStart == 0 ? zoneMap : total.merged(with: zoneMap, isFloat: isFloat)
        }
        let descriptor = ChunkDescriptor(
            offset: 0, storedByteCount: 0, rawByteCount: sink.count, compression: .none, checksum: 0, blockOffsets: offsets,
            blockZoneMaps: zoneMaps, zoneMap: total)
        return ChunkWriter(bytes: sink.bytes, descriptor: descriptor)
    }

    private static func writeBlock(
        _ values: ArraySlice<Int64>, validity: ArraySlice<Bool>?, zoneMap: ZoneMap, isFloat: Bool, to sink: inout ByteSink
    ) {
        if zoneMap.isAllNull {
            sink.appendHeader(.constant, flags: BlockFormat.allNullFlag)
            return
        }
        let plan = IntegerBlockPlan(values)
        let decimal = isFloat ? DecimalPlan(values, validity: validity) : nil
        let useDecimal = decimal.map { $0.byteCount < plan.byteCount } ?? false
        let hasNulls = zoneMap.nullCount > 0
        sink.appendHeader(useDecimal ? .decimal : plan.encoding, flags: hasNulls ? BlockFormat.hasValidityFlag : 0)
        if hasNulls, let validity { sink.appendBitmap(validity) }
        if useDecimal, let decimal { decimal.write(to: &sink) } else { plan.write(values, to: &sink) }
    }
}

extension Optional {
    /// Calls `body` with the array's buffer, or nil when there is no array.
    func withUnsafeBufferPointerIfPresent<Element, R>(_ body: (UnsafeBufferPointer<Element>?) -> R) -> R where Wrapped == ContiguousArray<Element> {
        switch self {
        case .some(let array): unsafe array.withUnsafeBufferPointer { unsafe body($0) }
        case .none: body(nil)
        }
    }
}
