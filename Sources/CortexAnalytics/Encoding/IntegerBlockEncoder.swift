/// Chooses and writes the encoding of one block of integer-like values (integers, timestamps,
/// bools, dictionary codes) by exact encoded size.
///
/// Null rows must already hold a neutral filler (the encoder fills them with the previous
/// value) so that they neither widen a frame nor break a run.
struct IntegerBlockPlan {
    let encoding: BlockEncoding
    let byteCount: Int
    let min: Int64
    let max: Int64
    let deltaMin: Int64
    let deltaWidth: Int
    let runCount: Int

    /// Measures `values` (non-empty) and picks the smallest encoding; ties go to the faster
    /// decoder (constant, bit-packed, run-length, delta, plain), and run-length with runs shorter
    /// than 4 rows on average only wins at half the size of the next best.
    init(_ values: ArraySlice<Int64>) {
        precondition(!values.isEmpty, "empty block")
        var low = values[values.startIndex]
        var high = low
        var deltaLow = Int64.max
        var deltaHigh = Int64.min
        var runs = 1
        var previous = low
        for value in values.dropFirst() {
            low = Swift.min(low, value)
            high = Swift.max(high, value)
            // Wrapping: any two Int64 differ by a UInt64, and the decoder's wrapping sum undoes it.
            let delta = value &- previous
            deltaLow = Swift.min(deltaLow, delta)
            deltaHigh = Swift.max(deltaHigh, delta)
            if value != previous { runs += 1 }
            previous = value
        }
        let count = values.count
        let width = BlockFormat.width(of: UInt64(bitPattern: high &- low))
        let deltaWidth = count > 1 ? BlockFormat.width(of: UInt64(bitPattern: deltaHigh &- deltaLow)) : 0
        let runLengthWidth = BlockFormat.width(of: UInt64(count - 1))
        let candidates: [(BlockEncoding, Int)] = [
            (.constant, low == high ? 8 : Int.max),
            (.bitPacked, 16 + BlockFormat.packedByteCount(count: count, width: width)),
            (.runLength, 8 + 16 + BlockFormat.packedByteCount(count: runs, width: width)
                + 16 + BlockFormat.packedByteCount(count: runs, width: runLengthWidth)),
            (.delta, 24 + BlockFormat.packedByteCount(count: count - 1, width: deltaWidth)),
            (.plain, 8 * count),
        ]
        var best = candidates[0]
        for candidate in candidates.dropFirst() where candidate.1 < best.1 { best = candidate }
        // Short runs decode slowly (a branch and a store loop per run, against a few instructions per
        // value for bit-packing): runs averaging under 4 rows must halve the size to be chosen.
        if best.0 == .runLength, runs * 4 > count {
            var other = candidates[0]
            for candidate in candidates.dropFirst() where candidate.0 != .runLength && candidate.1 < other.1 { other = candidate }
            if best.1 * 2 > other.1 { best = other }
        }
        encoding = best.0
        byteCount = best.1
        min = low
        max = high
        deltaMin = count > 1 ? deltaLow : 0
        self.deltaWidth = deltaWidth
        runCount = runs
    }

    /// Appends the payload for `values` (the same values the plan measured).
    func write(_ values: ArraySlice<Int64>, to sink: inout ByteSink) {
        let start = sink.count
        let base = values.startIndex
        switch encoding {
        case .constant:
            sink.appendWord(min)
        case .bitPacked:
            sink.appendWord(min)
            sink.appendWord(UInt64(BlockFormat.width(of: UInt64(bitPattern: max &- min))))
            sink.appendPacked(count: values.count, width: BlockFormat.width(of: UInt64(bitPattern: max &- min)), base: min) {
                values[base + $0]
            }
        case .delta:
            sink.appendWord(values[base])
            sink.appendWord(deltaMin)
            sink.appendWord(UInt64(deltaWidth))
            sink.appendPacked(count: values.count - 1, width: deltaWidth, base: deltaMin) {
                values[base + $0 + 1] &- values[base + $0]
            }
        case .runLength:
            writeRuns(values, to: &sink)
        case .plain:
            for value in values { sink.appendWord(value) }
        case .decimal:
            preconditionFailure("the integer chooser never picks decimal")
        }
        assert(sink.count - start == byteCount, "plan said \(byteCount) bytes, wrote \(sink.count - start)")
    }

    private func writeRuns(_ values: ArraySlice<Int64>, to sink: inout ByteSink) {
        var runValues: [Int64] = []
        var runLengths: [Int64] = []
        runValues.reserveCapacity(runCount)
        runLengths.reserveCapacity(runCount)
        for value in values {
            if let last = runValues.last, last == value {
                runLengths[runLengths.count - 1] += 1
            } else {
                runValues.append(value)
                runLengths.append(1)
            }
        }
        assert(runValues.count == runCount, "run count changed")
        let valueWidth = BlockFormat.width(of: UInt64(bitPattern: max &- min))
        let lengthWidth = BlockFormat.width(of: UInt64(values.count - 1))
        sink.appendWord(UInt64(runCount))
        sink.appendWord(min)
        sink.appendWord(UInt64(valueWidth))
        sink.appendPacked(count: runCount, width: valueWidth, base: min) { runValues[$0] }
        sink.appendWord(Int64(1))
        sink.appendWord(UInt64(lengthWidth))
        sink.appendPacked(count: runCount, width: lengthWidth, base: 1) { runLengths[$0] }
    }
}
