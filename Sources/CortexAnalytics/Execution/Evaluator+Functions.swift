import CortexCore

extension Evaluator {
    func call(_ function: ScalarFunction, _ arguments: [BoundExpression], type: SQLType, position: SourcePosition, _ input: EvaluationInput)
        throws(CortexError) -> ColumnVector
    {
        let count = input.rowCount
        func argument(_ index: Int) throws(CortexError) -> ColumnVector { try evaluate(arguments[index], input) }
        func constantText(_ index: Int) -> String {
            guard case .constant(.string(let text), _) = arguments[index] else { preconditionFailure("binder checked constant text") }
            return text
        }
        switch function {
        case .epochMilliseconds, .toTimestamp:
            let operand = try argument(0)
            if function == .toTimestamp {
                return ColumnVector(.int64(ContiguousArray(doubles(operand).map { Int64(($0 * 1000).rounded()) })), validity: operand.validity)
            }
            return ColumnVector(.int64(ints(operand)), validity: operand.validity)
        case .strftime:
            let operand = try argument(0)
            let pattern = constantText(1)
            let values = ints(operand)
            // Formats without time-of-day fields depend only on the day: format once per day.
            let perDay = TimeFunctions.isDayGranular(pattern)
            var memo: [Int64: Int32] = [:]
            var codes = ContiguousArray<Int32>(repeating: 0, count: count)
            for row in 0..<count where !operand.isNull(row) {
                let key = perDay ? TimeFunctions.floorDivide(values[row], TimeFunctions.millisecondsPerDay) : values[row]
                if let code = memo[key] {
                    codes[row] = code
                } else {
                    let code = context.scratch.code(for: TimeFunctions.format(milliseconds: values[row], pattern: pattern))
                    memo[key] = code
                    codes[row] = code
                }
            }
            if operand.validity != nil, context.scratch.count == 0 { _ = context.scratch.code(for: "") }
            return ColumnVector(.string(codes, context.scratch), validity: operand.validity)
        case .dateTrunc:
            let unit = constantText(0).lowercased()
            let operand = try argument(1)
            return ColumnVector(.int64(ContiguousArray(ints(operand).map { TimeFunctions.truncate($0, unit: unit) ?? $0 })), validity: operand.validity)
        case .datePart:
            let part = constantText(0).lowercased()
            let operand = try argument(1)
            return ColumnVector(.int64(ContiguousArray(ints(operand).map { TimeFunctions.part($0, part) ?? 0 })), validity: operand.validity)
        case .addMonths:
            let time = try argument(0), months = try argument(1)
            let x = ints(time), y = ints(months)
            return ColumnVector(.int64(ContiguousArray((0..<count).map { TimeFunctions.addMonths(x[$0], y[$0]) })), validity: Self.mergeValidity(time, months))
        case .now:
            preconditionFailure("now() is bound to a constant")
        case .abs, .floor, .ceil, .round:
            let operand = try argument(0)
            if case .int64(let values) = operand.values {
                if function == .abs, let bad = values.enumerated().first(where: { $0.element == .min && !operand.isNull($0.offset) }) {
                    throw .invalidInput("\(position): integer overflow in abs(\(bad.element))")
                }
                return ColumnVector(.int64(function == .abs ? ContiguousArray(values.map { $0 == .min ? 0 : Swift.abs($0) }) : values), validity: operand.validity)
            }
            var digits: Int64 = 0
            if function == .round, arguments.count == 2, case .constant(.int(let places), _) = arguments[1] { digits = places }
            var scale = 1.0
            for _ in 0..<Swift.min(Swift.abs(digits), 300) { scale *= 10 }
            let values = doubles(operand).map { value -> Double in
                switch function {
                case .abs: return Swift.abs(value)
                case .floor: return value.rounded(.down)
                case .ceil: return value.rounded(.up)
                default:
                    // DuckDB rounds half away from zero.
                    return digits >= 0 ? (value * scale).rounded(.toNearestOrAwayFromZero) / scale : (value / scale).rounded(.toNearestOrAwayFromZero) * scale
                }
            }
            return ColumnVector(.float64(ContiguousArray(values)), validity: operand.validity)
        case .lower, .upper, .length:
            let operand = try argument(0)
            if function == .length {
                var output = ContiguousArray<Int64>(repeating: 0, count: count)
                for row in 0..<count where !operand.isNull(row) { output[row] = Int64(text(operand, row, .varchar).count) }
                return ColumnVector(.int64(output), validity: operand.validity)
            }
            return makeStrings(count: count, validity: operand.validity) { row in
                function == .lower ? text(operand, row, .varchar).lowercased() : text(operand, row, .varchar).uppercased()
            }
        case .coalesce, .least, .greatest:
            let values = try arguments.map { (expression: BoundExpression) throws(CortexError) in try evaluate(expression, input) }
            return pick(values, types: arguments.map(\.type), function: function, type: type, count: count)
        }
    }

    /// coalesce / least / greatest over several vectors (NULLs skipped, as DuckDB does).
    private func pick(_ values: [ColumnVector], types: [SQLType], function: ScalarFunction, type: SQLType, count: Int) -> ColumnVector {
        var validity = ContiguousArray<Bool>(repeating: false, count: count)
        if type == .varchar {
            var chosen = [String?](repeating: nil, count: count)
            for row in 0..<count {
                for (index, vector) in values.enumerated() where !vector.isNull(row) {
                    let candidate = text(vector, row, types[index])
                    if let current = chosen[row] {
                        if function == .coalesce { break }
                        let less = candidate.utf8.lexicographicallyPrecedes(current.utf8)
                        if (function == .least) == less && candidate != current { chosen[row] = candidate }
                    } else {
                        chosen[row] = candidate
                        if function == .coalesce { break }
                    }
                }
                validity[row] = chosen[row] != nil
            }
            return makeStrings(count: count, validity: validity.contains(false) ? validity : nil) { chosen[$0] ?? "" }
        }
        if type == .double {
            let (output, present) = pickNumbers(values.map(doubles), values, function: function, count: count)
            return ColumnVector(.float64(output), validity: present.contains(false) ? present : nil)
        }
        let (output, present) = pickNumbers(values.map(ints), values, function: function, count: count)
        return ColumnVector(.int64(output), validity: present.contains(false) ? present : nil)
    }

    /// coalesce / least / greatest over numbers of one representation; returns values and validity.
    private func pickNumbers<T: Comparable & ExpressibleByIntegerLiteral>(
        _ converted: [ContiguousArray<T>], _ values: [ColumnVector], function: ScalarFunction, count: Int
    ) -> (ContiguousArray<T>, ContiguousArray<Bool>) {
        var output = ContiguousArray<T>(repeating: 0, count: count)
        var validity = ContiguousArray<Bool>(repeating: false, count: count)
        for row in 0..<count {
            for (index, vector) in values.enumerated() where !vector.isNull(row) {
                let candidate = converted[index][row]
                if !validity[row] {
                    output[row] = candidate
                    validity[row] = true
                    if function == .coalesce { break }
                } else if function == .least ? candidate < output[row] : candidate > output[row] {
                    output[row] = candidate
                }
            }
        }
        return (output, validity)
    }
}
