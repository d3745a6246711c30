import CortexCore

extension Accumulator {
    /// The aggregate's value for every group, as a vector (NULL where a group saw no value).
    mutating func finish(groupCount: Int, context: EvaluationContext) -> ColumnVector {
        grow(to: groupCount)
        var validity = ContiguousArray<Bool>(repeating: true, count: groupCount)
        switch spec.function {
        case .countStar, .count: return ColumnVector(.int64(ContiguousArray(counts)))
        case .countDistinct: return ColumnVector(.int64(ContiguousArray(distinctCounts())))
        case .approxCountDistinct: return ColumnVector(.int64(ContiguousArray(approximateDistinctCounts())))
        case .sum:
            for group in 0..<groupCount where counts[group] == 0 { validity[group] = false }
            let mask = validity.contains(false) ? validity : nil
            return isDouble ? ColumnVector(.float64(ContiguousArray(sums(double: true))), validity: mask)
                : ColumnVector(.int64(ContiguousArray(integerSums())), validity: mask)
        case .avg:
            var output = ContiguousArray<Double>(repeating: 0, count: groupCount)
            let sums = sums(double: isDouble)
            for group in 0..<groupCount {
                if counts[group] == 0 { validity[group] = false; continue }
                output[group] = sums[group] / Double(counts[group])
            }
            return ColumnVector(.float64(output), validity: validity.contains(false) ? validity : nil)
        case .min, .max:
            for group in 0..<groupCount where counts[group] == 0 { validity[group] = false }
            let mask = validity.contains(false) ? validity : nil
            if spec.type == .varchar {
                let scratch = context.scratch
                return ColumnVector(.string(ContiguousArray(extremeStrings().map { scratch.code(for: $0 ?? "") }), scratch), validity: mask)
            }
            return isDouble ? ColumnVector(.float64(ContiguousArray(extremeDoubles())), validity: mask)
                : ColumnVector(.int64(ContiguousArray(extremeInts())), validity: mask)
        case .quantileDisc, .quantileCont, .approxQuantile:
            return quantiles(groupCount: groupCount)
        }
    }

    private func sums(double: Bool) -> [Double] { double ? doubleSumsValue : integerSums().map(Double.init) }

    /// The nearest-rank quantile (DuckDB's quantile_disc): the value at index ⌈q·n⌉ − 1 (at least 0) of
    /// the sorted values. q is taken as the decimal the query wrote (DuckDB reads it as a DECIMAL), so
    /// ⌈0.07 · 100⌉ is 7 exactly, not 8 as 0.07 · 100.0 = 7.000000000000001 would give.
    static func discreteIndex(fraction: Double, count: Int) -> Int {
        if let (numerator, denominator) = decimalFraction(fraction) {
            let (high, low) = numerator.multipliedFullWidth(by: UInt64(count))
            if high == 0 {
                let (quotient, remainder) = low.quotientAndRemainder(dividingBy: denominator)
                return max(Int(quotient) + (remainder > 0 ? 1 : 0) - 1, 0)
            }
        }
        return max(Int((fraction * Double(count)).rounded(.up)) - 1, 0)
    }

    /// `value` (in 0…1) as numerator / 10^k from its shortest decimal spelling, when it has one.
    static func decimalFraction(_ value: Double) -> (UInt64, UInt64)? {
        guard value >= 0, value <= 1 else { return nil }
        let text = String(value)
        guard !text.contains("e"), let point = text.firstIndex(of: ".") else { return nil }
        let whole = text[..<point], fraction = text[text.index(after: point)...]
        guard fraction.count <= 18, let digits = UInt64(whole + fraction) else { return nil }
        var denominator: UInt64 = 1
        for _ in 0..<fraction.count { denominator *= 10 }
        return (digits, denominator)
    }

    private mutating func quantiles(groupCount: Int) -> ColumnVector {
        var validity = ContiguousArray<Bool>(repeating: true, count: groupCount)
        let fraction = spec.fraction
        if spec.function == .approxQuantile {
            var output = ContiguousArray<Double>(repeating: 0, count: groupCount)
            for group in 0..<groupCount {
                guard let value = histogramsValue[group].quantile(fraction) else { validity[group] = false; continue }
                output[group] = value
            }
            let mask = validity.contains(false) ? validity : nil
            if spec.type == .double { return ColumnVector(.float64(output), validity: mask) }
            return ColumnVector(.int64(ContiguousArray(output.map { Int64(clamping: Int64(exactly: $0.rounded()) ?? 0) })), validity: mask)
        }
        var doubles = ContiguousArray<Double>(repeating: 0, count: groupCount)
        var ints = ContiguousArray<Int64>(repeating: 0, count: groupCount)
        let discrete = spec.function == .quantileDisc
        if isDouble {
            for (group, var values) in takeCollectedDoubles().enumerated() {
                guard !values.isEmpty else { validity[group] = false; continue }
                doubles[group] = unsafe values.withUnsafeMutableBufferPointer { values in
                    unsafe discrete
                        ? Selection.select(values, Self.discreteIndex(fraction: fraction, count: values.count)) : Self.continuous(values, fraction)
                }
            }
        } else {
            for (group, var values) in takeCollectedInts().enumerated() {
                guard !values.isEmpty else { validity[group] = false; continue }
                if discrete, let value = Selection.countingSelect(values, [Self.discreteIndex(fraction: fraction, count: values.count)])?[0] {
                    ints[group] = value
                } else if !discrete, let value = Self.continuousByCounting(values, fraction) {
                    doubles[group] = value
                } else if discrete {
                    ints[group] = Selection.select(&values, Self.discreteIndex(fraction: fraction, count: values.count))
                } else {
                    var converted = values.map(Double.init)
                    doubles[group] = unsafe converted.withUnsafeMutableBufferPointer { unsafe Self.continuous($0, fraction) }
                }
            }
        }
        let mask = validity.contains(false) ? validity : nil
        if spec.function == .quantileDisc && !isDouble { return ColumnVector(.int64(ints), validity: mask) }
        return ColumnVector(.float64(doubles), validity: mask)
    }

    /// Linear interpolation between the values at ⌊q·(n−1)⌋ and ⌈q·(n−1)⌉ (DuckDB's quantile_cont).
    static func continuous(_ values: UnsafeMutableBufferPointer<Double>, _ fraction: Double) -> Double {
        let position = fraction * Double(values.count - 1)
        let low = Int(position.rounded(.down)), high = Int(position.rounded(.up))
        let lowValue = unsafe Selection.select(values, low)
        if high == low { return lowValue }
        let highValue = unsafe Selection.select(values, high)
        return lowValue + (position - Double(low)) * (highValue - lowValue)
    }

    /// ``continuous(_:_:)`` for integers through ``Selection/countingSelect(_:_:)``; nil when their range is too wide.
    static func continuousByCounting(_ values: [Int64], _ fraction: Double) -> Double? {
        let position = fraction * Double(values.count - 1)
        let low = Int(position.rounded(.down)), high = Int(position.rounded(.up))
        guard let found = Selection.countingSelect(values, [low, high]) else { return nil }
        let lowValue = Double(found[0]), highValue = Double(found[1])
        return lowValue + (position - Double(low)) * (highValue - lowValue)
    }
}

/// Quickselect (Hoare partition, median-of-three pivots): the k-th smallest value in expected linear time.
enum Selection {
    /// The values of rank `ranks[i]` (0-based, ascending order) of integers whose range is at most
    /// a few times their count, by counting each value (one pass, no reordering, so values shared
    /// by several quantiles are not copied); nil when the range is wider. Quickselect's partition
    /// branches mispredict on about every other value; counting has no data-dependent branch.
    static func countingSelect(_ values: [Int64], _ ranks: [Int]) -> [Int64]? {
        guard let first = values.first else { return nil }
        var low = first, high = first
        for value in values {
            low = min(low, value)
            high = max(high, value)
        }
        let (span, overflow) = high.subtractingReportingOverflow(low)
        guard !overflow, span < max(4 * Int64(values.count), 4096), span < Int64(Int32.max) else { return nil }
        var counts = [Int32](repeating: 0, count: Int(span) + 1)
        unsafe counts.withUnsafeMutableBufferPointer { counts in
            // In bounds: low <= value <= high, so value - low lies in 0...span.
            for value in values { unsafe counts[Int(value &- low)] += 1 }
        }
        precondition(ranks.allSatisfy { $0 >= 0 && $0 < values.count }, "rank out of range")
        let order = ranks.indices.sorted { ranks[$0] < ranks[$1] }
        var found = [Int64](repeating: 0, count: ranks.count)
        var seen = 0, slot = 0
        for next in order {
            // The value at rank r is the first whose running count exceeds r.
            while seen + Int(counts[slot]) <= ranks[next] {
                seen += Int(counts[slot])
                slot += 1
            }
            found[next] = low &+ Int64(slot)
        }
        return found
    }

    static func select<T: Comparable>(_ values: inout [T], _ k: Int) -> T {
        unsafe values.withUnsafeMutableBufferPointer { unsafe select($0, k) }
    }

    /// Reorders `values` in place; every access stays inside `low...high` ⊆ `0..<count`.
    static func select<T: Comparable>(_ values: UnsafeMutableBufferPointer<T>, _ k: Int) -> T {
        precondition(k >= 0 && k < values.count, "selection index out of range")
        var low = 0, high = values.count - 1
        while high > low {
            let middle = low + (high - low) / 2
            if unsafe values[middle] < values[low] { unsafe values.swapAt(middle, low) }
            if unsafe values[high] < values[low] { unsafe values.swapAt(high, low) }
            if unsafe values[high] < values[middle] { unsafe values.swapAt(high, middle) }
            let pivot = unsafe values[middle]
            var i = low, j = high
            while i <= j {
                // The index limits keep every access inside low...high even when NaN breaks the ordering.
                while i < high, unsafe values[i] < pivot { i += 1 }
                while j > low, unsafe pivot < values[j] { j -= 1 }
                if i <= j {
                    unsafe values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { high = j } else if k >= i { low = i } else { return unsafe values[k] }
        }
        return unsafe values[k]
    }
}
