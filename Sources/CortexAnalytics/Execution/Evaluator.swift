import CortexCore

/// Evaluates bound expressions over vectors (one call per block): typed loops
/// over whole columns, nulls tracked in validity arrays.
struct Evaluator {
    let context: EvaluationContext

    func evaluate(_ expression: BoundExpression, _ input: EvaluationInput) throws(CortexError) -> ColumnVector {
        let count = input.rowCount
        switch expression {
        case .column(let index, _): return try input.column(index)
        case .aggregate(let index, _): return input.aggregates[index]
        case .groupKey(let index, _): return input.groupKeys[index]
        case .constant(let value, _): return broadcast(value, count: count)
        case .negate(let inner, _):
            let operand = try evaluate(inner, input)
            switch operand.values {
            case .int64(let values):
                var output = ContiguousArray<Int64>(repeating: 0, count: count)
                for row in 0..<count where !operand.isNull(row) {
                    guard values[row] != .min else { throw .invalidInput("integer overflow in negation") }
                    output[row] = -values[row]
                }
                return ColumnVector(.int64(output), validity: operand.validity)
            case .float64(let values): return ColumnVector(.float64(ContiguousArray(values.map { -$0 })), validity: operand.validity)
            case .string: throw .invalidInput("cannot negate text")
            }
        case .not(let inner):
            let operand = try evaluate(inner, input)
            return ColumnVector(.int64(ContiguousArray(ints(operand).map { $0 == 0 ? 1 : 0 })), validity: operand.validity)
        case .arithmetic(let op, let left, let right, let type, let position):
            let a = try evaluate(left, input)
            // Integer column op integer constant: one loop, no broadcast vector.
            if type != .double, case .int64(let x) = a.values, case .constant(let value, _) = right, let scalar = Self.integerScalar(value),
                let result = try Self.arithmetic(op, x, scalar, position: position)
            {
                return ColumnVector(.int64(result.values), validity: Self.mergeValidity(a.validity, result.nulls))
            }
            return try arithmetic(op, a, try evaluate(right, input), type: type, position: position)
        case .comparison(let op, let left, let right):
            return try compare(op, left, right, input)
        case .logical(let op, let left, let right):
            return logical(op, try evaluate(left, input), try evaluate(right, input))
        case .concatenate(let left, let right):
            let a = try evaluate(left, input), b = try evaluate(right, input)
            let types = (left.type, right.type)
            return makeStrings(count: count, validity: Self.mergeValidity(a, b)) { row in
                text(a, row, types.0) + text(b, row, types.1)
            }
        case .function(let function, let arguments, let type, let position):
            return try call(function, arguments, type: type, position: position, input)
        case .caseWhen(let conditions, let results, let elseResult, let type):
            return try caseWhen(conditions, results, elseResult, type: type, input)
        case .inList(let inner, let values, let negated):
            return inList(try evaluate(inner, input), values, negated: negated, type: inner.type)
        case .isNull(let inner, let negated):
            let operand = try evaluate(inner, input)
            return ColumnVector(.int64(ContiguousArray((0..<count).map { operand.isNull($0) != negated ? 1 : 0 })))
        case .like(let inner, let pattern, let negated, let caseInsensitive):
            return like(try evaluate(inner, input), pattern: pattern, negated: negated, caseInsensitive: caseInsensitive)
        case .cast(let inner, let type, let position):
            return try cast(try evaluate(inner, input), from: inner.type, to: type, position: position)
        }
    }

    // MARK: Helpers

    func broadcast(_ value: Value, count: Int) -> ColumnVector {
        switch value {
        case .null: return ColumnVector(.int64(ContiguousArray(repeating: 0, count: count)), validity: ContiguousArray(repeating: false, count: count))
        case .int(let integer), .timestamp(let integer): return ColumnVector(.int64(ContiguousArray(repeating: integer, count: count)))
        case .bool(let flag): return ColumnVector(.int64(ContiguousArray(repeating: flag ? 1 : 0, count: count)))
        case .double(let double): return ColumnVector(.float64(ContiguousArray(repeating: double, count: count)))
        case .string(let string):
            return ColumnVector(.string(ContiguousArray(repeating: context.scratch.code(for: string), count: count), context.scratch))
        }
    }

    func ints(_ vector: ColumnVector) -> ContiguousArray<Int64> {
        switch vector.values {
        case .int64(let values): values
        case .float64(let values): ContiguousArray(values.map { Int64($0) })
        case .string(let codes, _): ContiguousArray(codes.map { Int64($0) })
        }
    }

    func doubles(_ vector: ColumnVector) -> ContiguousArray<Double> {
        switch vector.values {
        case .int64(let values): ContiguousArray(values.map { Double($0) })
        case .float64(let values): values
        case .string: ContiguousArray(repeating: 0, count: vector.count)
        }
    }

    static func mergeValidity(_ a: ColumnVector, _ b: ColumnVector) -> ContiguousArray<Bool>? {
        switch (a.validity, b.validity) {
        case (nil, nil): nil
        case (let x?, nil): x
        case (nil, let y?): y
        case (let x?, let y?): ContiguousArray(zip(x, y).map { $0 && $1 })
        }
    }

    /// The text of row `row` of a vector of SQL type `type` (for ||, casts and functions on text).
    func text(_ vector: ColumnVector, _ row: Int, _ type: SQLType) -> String {
        switch vector.values {
        case .string(let codes, let dictionary): return dictionary.string(for: codes[row])
        case .float64(let values): return String(values[row])
        case .int64(let values):
            switch type {
            case .boolean: return values[row] != 0 ? "true" : "false"
            case .timestamp: return Value.timestamp(values[row]).description
            default: return String(values[row])
            }
        }
    }

    func makeStrings(count: Int, validity: ContiguousArray<Bool>?, _ make: (Int) -> String) -> ColumnVector {
        var codes = ContiguousArray<Int32>(repeating: 0, count: count)
        if count > 0, validity?.contains(false) == true { _ = context.scratch.code(for: "") }
        for row in 0..<count where validity?[row] ?? true { codes[row] = context.scratch.code(for: make(row)) }
        if count > 0, codes.contains(0), context.scratch.count == 0 { _ = context.scratch.code(for: "") }
        return ColumnVector(.string(codes, context.scratch), validity: validity)
    }

    // MARK: Arithmetic

    func arithmetic(_ op: BinaryOperator, _ a: ColumnVector, _ b: ColumnVector, type: SQLType, position: SourcePosition) throws(CortexError)
        -> ColumnVector
    {
        var validity = Self.mergeValidity(a, b)
        let count = a.count
        if type != .double, case .int64(let x) = a.values, case .int64(let y) = b.values {
            var output = ContiguousArray<Int64>(repeating: 0, count: count)
            var overflow = false
            switch op {
            case .add: overflow = Self.combine(x, y, validity, into: &output) { $0.addingReportingOverflow($1) }
            case .subtract: overflow = Self.combine(x, y, validity, into: &output) { $0.subtractingReportingOverflow($1) }
            case .multiply: overflow = Self.combine(x, y, validity, into: &output) { $0.multipliedReportingOverflow(by: $1) }
            case .modulo, .integerDivide:
                // Division by zero gives NULL (DuckDB); remainders take the dividend's sign.
                for row in 0..<count {
                    if y[row] == 0 || (y[row] == -1 && x[row] == .min) {
                        if y[row] == 0 {
                            if validity == nil { validity = ContiguousArray(repeating: true, count: count) }
                            validity![row] = false
                        } else {
                            output[row] = op == .modulo ? 0 : .min
                        }
                        continue
                    }
                    output[row] = op == .modulo ? x[row] % y[row] : x[row] / y[row]
                }
            default:
                preconditionFailure("not an integer operator")
            }
            guard !overflow else { throw .invalidInput("\(position): integer overflow in \(op.rawValue)") }
            return ColumnVector(.int64(output), validity: validity)
        }
        let x = doubles(a), y = doubles(b)
        var output = ContiguousArray<Double>(repeating: 0, count: count)
        for row in 0..<count {
            switch op {
            case .add: output[row] = x[row] + y[row]
            case .subtract: output[row] = x[row] - y[row]
            case .multiply: output[row] = x[row] * y[row]
            case .divide, .modulo, .integerDivide:
                if y[row] == 0 {
                    if validity == nil { validity = ContiguousArray(repeating: true, count: count) }
                    validity![row] = false
                } else {
                    output[row] = op == .divide ? x[row] / y[row] : op == .modulo ? x[row].truncatingRemainder(dividingBy: y[row]) : (x[row] / y[row]).rounded(.down)
                }
            default: preconditionFailure("not an arithmetic operator")
            }
        }
        if type != .double {
            // `//` on doubles: DuckDB gives an integer.
            return ColumnVector(.int64(ContiguousArray(output.map { $0.isFinite ? Int64(clamping: Int64(exactly: $0.rounded(.down)) ?? 0) : 0 })), validity: validity)
        }
        return ColumnVector(.float64(output), validity: validity)
    }

    // MARK: Logic

    /// Three-valued AND / OR on 0/1 vectors.
    func logical(_ op: BinaryOperator, _ a: ColumnVector, _ b: ColumnVector) -> ColumnVector {
        let x = ints(a), y = ints(b)
        let count = a.count
        if a.validity == nil && b.validity == nil {
            var output = ContiguousArray<Int64>(repeating: 0, count: count)
            if op == .and { for row in 0..<count { output[row] = x[row] & y[row] } } else { for row in 0..<count { output[row] = x[row] | y[row] } }
            return ColumnVector(.int64(output))
        }
        var output = ContiguousArray<Int64>(repeating: 0, count: count)
        var validity = ContiguousArray<Bool>(repeating: true, count: count)
        for row in 0..<count {
            let left: Bool? = a.isNull(row) ? nil : x[row] != 0
            let right: Bool? = b.isNull(row) ? nil : y[row] != 0
            let result: Bool?
            if op == .and {
                result = left == false || right == false ? false : (left == nil || right == nil ? nil : true)
            } else {
                result = left == true || right == true ? true : (left == nil || right == nil ? nil : false)
            }
            output[row] = result == true ? 1 : 0
            validity[row] = result != nil
        }
        return ColumnVector(.int64(output), validity: validity)
    }
}

extension Evaluator {
    /// Any numeric vector as doubles.
    static func asDoubles(_ vector: ColumnVector) -> ContiguousArray<Double> {
        switch vector.values {
        case .int64(let values): ContiguousArray(values.map { Double($0) })
        case .float64(let values): values
        case .string: ContiguousArray(repeating: 0, count: vector.count)
        }
    }
}

extension Evaluator {
    static func mergeValidity(_ a: ContiguousArray<Bool>?, _ b: ContiguousArray<Bool>?) -> ContiguousArray<Bool>? {
        switch (a, b) {
        case (nil, nil): nil
        case (let x?, nil): x
        case (nil, let y?): y
        case (let x?, let y?): ContiguousArray(zip(x, y).map { $0 && $1 })
        }
    }

    /// `output[i] = operation(x[i], y[i])` over raw buffers; true when a row that is not null
    /// (per `validity`) overflowed. An overflow on a null row's filler value is no error.
    @inline(__always)
    static func combine(
        _ x: ContiguousArray<Int64>, _ y: ContiguousArray<Int64>, _ validity: ContiguousArray<Bool>?, into output: inout ContiguousArray<Int64>,
        _ operation: (Int64, Int64) -> (partialValue: Int64, overflow: Bool)
    ) -> Bool {
        precondition(x.count == output.count && y.count == output.count && (validity?.count ?? output.count) == output.count, "arithmetic: lengths differ")
        var overflow = false
        unsafe x.withUnsafeBufferPointer { x in
            unsafe y.withUnsafeBufferPointer { y in
                unsafe output.withUnsafeMutableBufferPointer { out in
                    unsafe validity.withUnsafeBufferPointerIfPresent { valid in
                        // In bounds: every buffer holds out.count elements.
                        if let valid = unsafe valid {
                            for row in 0..<out.count {
                                let (value, flag) = unsafe operation(x[row], y[row])
                                unsafe out[row] = value
                                overflow = unsafe overflow || (flag && valid[row])
                            }
                        } else {
                            for row in 0..<out.count {
                                let (value, flag) = unsafe operation(x[row], y[row])
                                unsafe out[row] = value
                                overflow = overflow || flag
                            }
                        }
                    }
                }
            }
        }
        return overflow
    }

    /// `x[i] op scalar` for the integer operators; `nulls` marks rows that became NULL (division by zero).
    /// Returns nil for operators this fast path does not cover.
    static func arithmetic(_ op: BinaryOperator, _ x: ContiguousArray<Int64>, _ scalar: Int64, position: SourcePosition) throws(CortexError)
        -> (values: ContiguousArray<Int64>, nulls: ContiguousArray<Bool>?)?
    {
        let count = x.count
        var output = ContiguousArray<Int64>(repeating: 0, count: count)
        var overflow = false
        switch op {
        case .add:
            for row in 0..<count {
                let (value, flag) = x[row].addingReportingOverflow(scalar)
                output[row] = value
                overflow = overflow || flag
            }
        case .subtract:
            for row in 0..<count {
                let (value, flag) = x[row].subtractingReportingOverflow(scalar)
                output[row] = value
                overflow = overflow || flag
            }
        case .multiply:
            for row in 0..<count {
                let (value, flag) = x[row].multipliedReportingOverflow(by: scalar)
                output[row] = value
                overflow = overflow || flag
            }
        case .modulo, .integerDivide:
            if scalar == 0 { return (output, ContiguousArray(repeating: false, count: count)) }
            if scalar == -1 { return nil }
            let divisor = IntegerDivisor(scalar)
            unsafe x.withUnsafeBufferPointer { x in
                unsafe output.withUnsafeMutableBufferPointer { out in
                    // In bounds: both buffers hold count elements.
                    if op == .modulo {
                        for row in 0..<count { unsafe out[row] = divisor.remainder(x[row]) }
                    } else {
                        for row in 0..<count { unsafe out[row] = divisor.quotient(x[row]) }
                    }
                }
            }
        default:
            return nil
        }
        // Overflow on a NULL row's filler value would be a false alarm: let the general path decide.
        if overflow { return nil }
        return (output, nil)
    }
}
