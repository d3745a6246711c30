import CortexCore

/// Encodes and decodes one block (≤ `AnalyticsLimits.blockRowCount` rows) of
/// one column (docs/analytics-format.md, "Block encodings").
///
/// A block starts with `u8 encoding`, `u8 hasNulls` and, when `hasNulls`, a
/// validity bitmap of ⌈n/8⌉ bytes (bit i set = row i present). Null rows carry
/// a filler value (the previous present value) so they do not widen the packing.
enum BlockEncoding: UInt8 {
    /// `i64 value`.
    case constant = 0
    /// `i64 base`, `u8 width`, packed (value − base).
    case frameOfReference = 1
    /// `i64 first`, `i64 base`, `u8 width`, packed (delta − base) for rows 1…n−1.
    case delta = 2
    /// `u16 runCount`, `i64 base`, `u8 width`, packed (runValue − base), then `u16` run lengths.
    case runLength = 3
    /// `n × i64`.
    case plain = 4
    /// `n × f64` (IEEE 754 bit patterns).
    case plainDouble = 5
    /// `f64 value`.
    case constantDouble = 6
}

enum BlockCodec {
    // MARK: Encoding

    static func encode(_ column: ColumnVector, rows: Range<Int>, into output: inout [UInt8]) {
        let hasNulls = column.validity.map { validity in rows.contains { !validity[$0] } } ?? false
        switch column.values {
        case .float64(let doubles):
            var values = ContiguousArray(doubles[rows])
            if hasNulls { fillNulls(&values, column: column, rows: rows, zero: 0) }
            let first = values.first ?? 0
            let constant = values.allSatisfy { $0.bitPattern == first.bitPattern }
            output.append(constant ? BlockEncoding.constantDouble.rawValue : BlockEncoding.plainDouble.rawValue)
            appendValidity(column, rows: rows, hasNulls: hasNulls, into: &output)
            if constant {
                appendFixed(first.bitPattern, into: &output)
            } else {
                for value in values { appendFixed(value.bitPattern, into: &output) }
            }
        case .int64(let ints):
            var values = ContiguousArray(ints[rows])
            if hasNulls { fillNulls(&values, column: column, rows: rows, zero: 0) }
            encodeIntegers(values, column: column, rows: rows, hasNulls: hasNulls, into: &output)
        case .string(let codes, _):
            var values = ContiguousArray(codes[rows].map { Int64($0) })
            if hasNulls { fillNulls(&values, column: column, rows: rows, zero: 0) }
            encodeIntegers(values, column: column, rows: rows, hasNulls: hasNulls, into: &output)
        }
    }

    private static func fillNulls<T>(_ values: inout ContiguousArray<T>, column: ColumnVector, rows: Range<Int>, zero: T) {
        let firstPresent = rows.first { !column.isNull($0) }.map { values[$0 - rows.lowerBound] } ?? zero
        var previous = firstPresent
        for index in values.indices {
            if column.isNull(rows.lowerBound + index) { values[index] = previous } else { previous = values[index] }
        }
    }

    private static func appendValidity(_ column: ColumnVector, rows: Range<Int>, hasNulls: Bool, into output: inout [UInt8]) {
        output.append(hasNulls ? 1 : 0)
        guard hasNulls else { return }
        var byte: UInt8 = 0
        for (index, row) in rows.enumerated() {
            if !column.isNull(row) { byte |= 1 << UInt8(index & 7) }
            if index & 7 == 7 {
                output.append(byte)
                byte = 0
            }
        }
        if rows.count & 7 != 0 { output.append(byte) }
    }

    static func appendFixed<T: FixedWidthInteger>(_ value: T, into output: inout [UInt8]) {
        var remaining = value.littleEndian
        for _ in 0..<(T.bitWidth / 8) {
            output.append(UInt8(truncatingIfNeeded: remaining))
            remaining = remaining >> 8
        }
    }

    /// Picks the smallest of constant, frame of reference, delta, run length and plain.
    private static func encodeIntegers(
        _ values: ContiguousArray<Int64>, column: ColumnVector, rows: Range<Int>, hasNulls: Bool, into output: inout [UInt8]
    ) {
        let count = values.count
        let low = values.min() ?? 0, high = values.max() ?? 0
        let forWidth = BitPacking.width(ofSpan: UInt64(bitPattern: high &- low))
        var deltaLow = Int64.max, deltaHigh = Int64.min, deltaOverflow = false
        var runs = 1
        for index in 1..<max(count, 1) {
            let (delta, overflow) = values[index].subtractingReportingOverflow(values[index - 1])
            deltaOverflow = deltaOverflow || overflow
            deltaLow = min(deltaLow, delta)
            deltaHigh = max(deltaHigh, delta)
            if values[index] != values[index - 1] { runs += 1 }
        }
        let deltaWidth = count > 1 && !deltaOverflow ? BitPacking.width(ofSpan: UInt64(bitPattern: deltaHigh &- deltaLow)) : 64
        let forBytes = 9 + BitPacking.wordCount(count: count, width: forWidth) * 8
        let deltaBytes = count > 1 && !deltaOverflow ? 17 + BitPacking.wordCount(count: count - 1, width: deltaWidth) * 8 : Int.max
        let runBytes = 11 + BitPacking.wordCount(count: runs, width: forWidth) * 8 + runs * 2
        let plainBytes = count * 8
        let smallest = min(forBytes, deltaBytes, runBytes, plainBytes)
        if low == high {
            output.append(BlockEncoding.constant.rawValue)
            appendValidity(column, rows: rows, hasNulls: hasNulls, into: &output)
            appendFixed(low, into: &output)
        } else if smallest == forBytes {
            output.append(BlockEncoding.frameOfReference.rawValue)
            appendValidity(column, rows: rows, hasNulls: hasNulls, into: &output)
            appendFixed(low, into: &output)
            output.append(UInt8(forWidth))
            let offsets = values.map { UInt64(bitPattern: $0 &- low) }
            unsafe offsets.withUnsafeBufferPointer { unsafe BitPacking.pack($0, width: forWidth, into: &output) }
        } else if smallest == deltaBytes {
            output.append(BlockEncoding.delta.rawValue)
            appendValidity(column, rows: rows, hasNulls: hasNulls, into: &output)
            appendFixed(values[0], into: &output)
            appendFixed(deltaLow, into: &output)
            output.append(UInt8(deltaWidth))
            let deltas = (1..<count).map { UInt64(bitPattern: (values[$0] &- values[$0 - 1]) &- deltaLow) }
            unsafe deltas.withUnsafeBufferPointer { unsafe BitPacking.pack($0, width: deltaWidth, into: &output) }
        } else if smallest == runBytes {
            output.append(BlockEncoding.runLength.rawValue)
            appendValidity(column, rows: rows, hasNulls: hasNulls, into: &output)
            var runValues: [UInt64] = []
            var lengths: [UInt16] = []
            for value in values {
                if let last = runValues.last, last == UInt64(bitPattern: value &- low) {
                    lengths[lengths.count - 1] += 1
                } else {
                    runValues.append(UInt64(bitPattern: value &- low))
                    lengths.append(1)
                }
            }
            appendFixed(UInt16(runValues.count), into: &output)
            appendFixed(low, into: &output)
            output.append(UInt8(forWidth))
            unsafe runValues.withUnsafeBufferPointer { unsafe BitPacking.pack($0, width: forWidth, into: &output) }
            for length in lengths { appendFixed(length, into: &output) }
        } else {
            output.append(BlockEncoding.plain.rawValue)
            appendValidity(column, rows: rows, hasNulls: hasNulls, into: &output)
            for value in values { appendFixed(value, into: &output) }
        }
    }
}
