import CortexCore

extension Evaluator {
    // MARK: Comparison

    func compare(_ op: BinaryOperator, _ leftExpression: BoundExpression, _ rightExpression: BoundExpression, _ input: EvaluationInput)
        throws(CortexError) -> ColumnVector
    {
        let a = try evaluate(leftExpression, input)
        // A string column against a string constant compares codes: one dictionary lookup per block.
        if case .string(let codes, let dictionary) = a.values, case .constant(.string(let text), _) = rightExpression, op == .equal || op == .notEqual {
            let code = dictionary.existingCode(for: text) ?? -1
            let equal: Int64 = op == .equal ? 1 : 0
            let flags = unsafe codes.withUnsafeBufferPointer { codes in
                unsafe ContiguousArray<Int64>(unsafeUninitializedCapacity: codes.count) { out, initialized in
                    // In bounds: out holds codes.count elements.
                    for row in 0..<codes.count { unsafe out[row] = unsafe codes[row] == code ? equal : 1 - equal }
                    initialized = codes.count
                }
            }
            return ColumnVector(.int64(flags), validity: a.validity)
        }
        // A numeric column against a constant: one pass, no broadcast vector.
        if case .int64(let x) = a.values, case .constant(let value, _) = rightExpression, let scalar = Self.integerScalar(value) {
            return ColumnVector(.int64(Self.compare(x, op, scalar)), validity: a.validity)
        }
        if case .float64(let x) = a.values, case .constant(let value, _) = rightExpression, let scalar = Self.doubleScalar(value) {
            return ColumnVector(.int64(Self.compare(x, op, scalar)), validity: a.validity)
        }
        let b = try evaluate(rightExpression, input)
        let count = a.count
        let validity = Self.mergeValidity(a, b)
        var output = ContiguousArray<Int64>(repeating: 0, count: count)
        func apply<T: Comparable>(_ x: ContiguousArray<T>, _ y: ContiguousArray<T>) {
            switch op {
            case .equal: for row in 0..<count { output[row] = x[row] == y[row] ? 1 : 0 }
            case .notEqual: for row in 0..<count { output[row] = x[row] != y[row] ? 1 : 0 }
            case .less: for row in 0..<count { output[row] = x[row] < y[row] ? 1 : 0 }
            case .lessOrEqual: for row in 0..<count { output[row] = x[row] <= y[row] ? 1 : 0 }
            case .greater: for row in 0..<count { output[row] = x[row] > y[row] ? 1 : 0 }
            case .greaterOrEqual: for row in 0..<count { output[row] = x[row] >= y[row] ? 1 : 0 }
            default: preconditionFailure("not a comparison")
            }
        }
        switch (a.values, b.values) {
        case (.int64(let x), .int64(let y)): apply(x, y)
        case (.string(let x, let dx), .string(let y, let dy)):
            if dx === dy, op == .equal || op == .notEqual {
                apply(x, y)
            } else {
                // Byte-wise string order (DuckDB's default collation).
                var left: [Int32: [UInt8]] = [:], right: [Int32: [UInt8]] = [:]
                func bytes(_ code: Int32, _ dictionary: StringDictionary, _ memo: inout [Int32: [UInt8]]) -> [UInt8] {
                    if let known = memo[code] { return known }
                    let value = Array(dictionary.string(for: code).utf8)
                    memo[code] = value
                    return value
                }
                for row in 0..<count {
                    let l = bytes(x[row], dx, &left), r = bytes(y[row], dy, &right)
                    let less = l.lexicographicallyPrecedes(r), greater = r.lexicographicallyPrecedes(l)
                    let result: Bool
                    switch op {
                    case .equal: result = !less && !greater
                    case .notEqual: result = less || greater
                    case .less: result = less
                    case .lessOrEqual: result = !greater
                    case .greater: result = greater
                    default: result = !less
                    }
                    output[row] = result ? 1 : 0
                }
            }
        default: apply(doubles(a), doubles(b))
        }
        return ColumnVector(.int64(output), validity: validity)
    }

    static func doubleScalar(_ value: Value) -> Double? {
        switch value {
        case .double(let double): double
        case .int(let integer): Double(integer)
        default: nil
        }
    }

    static func integerScalar(_ value: Value) -> Int64? {
        switch value {
        case .int(let integer), .timestamp(let integer): integer
        case .bool(let flag): flag ? 1 : 0
        default: nil
        }
    }

    /// `x[i] op scalar` as 0/1, in tight loops per operator.
    static func compare<T: Comparable & BitwiseCopyable>(_ x: ContiguousArray<T>, _ op: BinaryOperator, _ scalar: T) -> ContiguousArray<Int64> {
        unsafe ContiguousArray<Int64>(unsafeUninitializedCapacity: x.count) { out, initialized in
            unsafe x.withUnsafeBufferPointer { input in
                // In bounds: out has capacity x.count, every row below it is written once.
                switch op {
                case .equal: for row in 0..<input.count { unsafe out[row] = input[row] == scalar ? 1 : 0 }
                case .notEqual: for row in 0..<input.count { unsafe out[row] = input[row] != scalar ? 1 : 0 }
                case .less: for row in 0..<input.count { unsafe out[row] = input[row] < scalar ? 1 : 0 }
                case .lessOrEqual: for row in 0..<input.count { unsafe out[row] = input[row] <= scalar ? 1 : 0 }
                case .greater: for row in 0..<input.count { unsafe out[row] = input[row] > scalar ? 1 : 0 }
                case .greaterOrEqual: for row in 0..<input.count { unsafe out[row] = input[row] >= scalar ? 1 : 0 }
                default: preconditionFailure("not a comparison")
                }
            }
            initialized = x.count
        }
    }

    // MARK: CASE, IN, LIKE

    func caseWhen(
        _ conditions: [BoundExpression], _ results: [BoundExpression], _ elseResult: BoundExpression?, type: SQLType, _ input: EvaluationInput
    ) throws(CortexError) -> ColumnVector {
        let count = input.rowCount
        // CASE WHEN c THEN constant ELSE constant END (the common counting idiom): one pass over c.
        if conditions.count == 1, case .constant(let first, _) = results[0], case .constant(let second, _)? = elseResult,
            first != .null, second != .null
        {
            let mask = try evaluate(conditions[0], input)
            if type == .double, let a = Self.doubleScalar(first), let b = Self.doubleScalar(second) {
                return ColumnVector(.float64(Self.choose(ints(mask), mask.validity, a, b)))
            }
            if type != .double, type != .varchar, let a = Self.integerScalar(first), let b = Self.integerScalar(second) {
                return ColumnVector(.int64(Self.choose(ints(mask), mask.validity, a, b)))
            }
        }
        var chosen = [Int](repeating: -1, count: count)  // branch index per row; -1 = ELSE
        var undecided = count
        for (branch, condition) in conditions.enumerated() where undecided > 0 {
            let mask = try evaluate(condition, input)
            let flags = ints(mask)
            for row in 0..<count where chosen[row] < 0 && flags[row] != 0 && !mask.isNull(row) {
                chosen[row] = branch
                undecided -= 1
            }
        }
        // Branch values become plain arrays first, so the per-row loop touches no reference counts.
        let branchValues = try results.map { (result: BoundExpression) throws(CortexError) in try evaluate(result, input) }
        let otherwise = try elseResult.map { (result: BoundExpression) throws(CortexError) in try evaluate(result, input) }
        let sources = branchValues + (otherwise.map { [$0] } ?? [])
        let elseIndex = branchValues.count
        var present = ContiguousArray<Bool>(repeating: true, count: count)
        for row in 0..<count {
            let branch = chosen[row] >= 0 ? chosen[row] : elseIndex
            present[row] = branch < sources.count && !sources[branch].isNull(row)
        }
        let validity = present.contains(false) ? present : nil
        switch type {
        case .double:
            let converted = sources.map(doubles)
            var output = ContiguousArray<Double>(repeating: 0, count: count)
            for row in 0..<count where present[row] {
                let branch = chosen[row] >= 0 ? chosen[row] : elseIndex
                output[row] = converted[branch][row]
            }
            return ColumnVector(.float64(output), validity: validity)
        case .varchar:
            return makeStrings(count: count, validity: validity) { row in
                text(sources[chosen[row] >= 0 ? chosen[row] : elseIndex], row, .varchar)
            }
        default:
            let converted = sources.map(ints)
            var output = ContiguousArray<Int64>(repeating: 0, count: count)
            for row in 0..<count where present[row] {
                let branch = chosen[row] >= 0 ? chosen[row] : elseIndex
                output[row] = converted[branch][row]
            }
            return ColumnVector(.int64(output), validity: validity)
        }
    }

    /// `whenTrue` where the flag is non-zero and not null, else `otherwise`.
    static func choose<T: BitwiseCopyable>(_ flags: ContiguousArray<Int64>, _ validity: ContiguousArray<Bool>?, _ whenTrue: T, _ otherwise: T)
        -> ContiguousArray<T>
    {
        precondition((validity?.count ?? flags.count) == flags.count, "validity of \(validity?.count ?? 0) rows for \(flags.count)")
        return unsafe ContiguousArray(unsafeUninitializedCapacity: flags.count) { out, initialized in
            unsafe flags.withUnsafeBufferPointer { flags in
                guard let validity else {
                    // In bounds: out and flags hold flags.count elements.
                    for row in 0..<flags.count { unsafe out[row] = flags[row] != 0 ? whenTrue : otherwise }
                    return
                }
                unsafe validity.withUnsafeBufferPointer { valid in
                    // In bounds: all three buffers hold flags.count elements.
                    for row in 0..<flags.count { unsafe out[row] = unsafe flags[row] != 0 && valid[row] ? whenTrue : otherwise }
                }
            }
            initialized = flags.count
        }
    }

    func inList(_ operand: ColumnVector, _ values: [Value], negated: Bool, type: SQLType) -> ColumnVector {
        let count = operand.count
        var output = ContiguousArray<Int64>(repeating: 0, count: count)
        let hit: Int64 = negated ? 0 : 1
        switch operand.values {
        case .int64(let ints):
            var set = Set<Int64>()
            var fractional: [Double] = []
            for value in values {
                switch value {
                case .int(let integer), .timestamp(let integer): set.insert(integer)
                case .bool(let flag): set.insert(flag ? 1 : 0)
                case .double(let double): fractional.append(double)
                default: break
                }
            }
            for row in 0..<count { output[row] = set.contains(ints[row]) || fractional.contains(Double(ints[row])) ? hit : 1 - hit }
        case .float64(let doubles):
            let set = Set(values.compactMap { value -> Double? in
                if case .double(let double) = value { return double }
                if case .int(let integer) = value { return Double(integer) }
                return nil
            })
            for row in 0..<count { output[row] = set.contains(doubles[row]) ? hit : 1 - hit }
        case .string(let codes, let dictionary):
            let set = Set(values.compactMap { value -> Int32? in
                if case .string(let text) = value { return dictionary.existingCode(for: text) }
                return nil
            })
            for row in 0..<count { output[row] = set.contains(codes[row]) ? hit : 1 - hit }
        }
        return ColumnVector(.int64(output), validity: operand.validity)
    }

    func like(_ operand: ColumnVector, pattern: String, negated: Bool, caseInsensitive: Bool) -> ColumnVector {
        guard case .string(let codes, let dictionary) = operand.values else {
            return ColumnVector(.int64(ContiguousArray(repeating: 0, count: operand.count)), validity: operand.validity)
        }
        let patternBytes = Array((caseInsensitive ? pattern.lowercased() : pattern).utf8)
        var memo: [Int32: Int64] = [:]
        var output = ContiguousArray<Int64>(repeating: 0, count: codes.count)
        for (row, code) in codes.enumerated() {
            if let known = memo[code] {
                output[row] = known
                continue
            }
            let text = dictionary.string(for: code)
            let matched = Self.likeMatches(Array((caseInsensitive ? text.lowercased() : text).utf8), patternBytes) != negated
            memo[code] = matched ? 1 : 0
            output[row] = matched ? 1 : 0
        }
        return ColumnVector(.int64(output), validity: operand.validity)
    }

    /// SQL LIKE: `%` any run, `_` one character (UTF-8 aware), iterative with backtracking to the last `%`.
    static func likeMatches(_ text: [UInt8], _ pattern: [UInt8]) -> Bool {
        var t = 0, p = 0
        var starPattern = -1, starText = 0
        func next(_ index: Int) -> Int {
            var i = index + 1
            while i < text.count, text[i] & 0xC0 == 0x80 { i += 1 }
            return i
        }
        while t < text.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "%") {
                starPattern = p
                starText = t
                p += 1
            } else if p < pattern.count, pattern[p] == UInt8(ascii: "_") {
                t = next(t)
                p += 1
            } else if p < pattern.count, pattern[p] == text[t] {
                t += 1
                p += 1
            } else if starPattern >= 0 {
                p = starPattern + 1
                starText = next(starText)
                t = starText
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "%") { p += 1 }
        return p == pattern.count
    }

    // MARK: CAST

    func cast(_ operand: ColumnVector, from source: SQLType, to target: SQLType, position: SourcePosition) throws(CortexError) -> ColumnVector {
        let count = operand.count
        switch target {
        case .varchar:
            return makeStrings(count: count, validity: operand.validity) { row in text(operand, row, source) }
        case .double:
            if case .string(let codes, let dictionary) = operand.values {
                var output = ContiguousArray<Double>(repeating: 0, count: count)
                for row in 0..<count where !operand.isNull(row) {
                    let text = dictionary.string(for: codes[row]).trimmingPrefix(" ")
                    guard let value = Double(String(text)) else { throw .invalidInput("\(position): cannot cast '\(text)' to DOUBLE") }
                    output[row] = value
                }
                return ColumnVector(.float64(output), validity: operand.validity)
            }
            return ColumnVector(.float64(doubles(operand)), validity: operand.validity)
        case .boolean:
            if case .string(let codes, let dictionary) = operand.values {
                var output = ContiguousArray<Int64>(repeating: 0, count: count)
                for row in 0..<count where !operand.isNull(row) {
                    switch dictionary.string(for: codes[row]).lowercased() {
                    case "true", "t", "1", "yes": output[row] = 1
                    case "false", "f", "0", "no": output[row] = 0
                    case let text: throw .invalidInput("\(position): cannot cast '\(text)' to BOOLEAN")
                    }
                }
                return ColumnVector(.int64(output), validity: operand.validity)
            }
            return ColumnVector(.int64(ContiguousArray(doubles(operand).map { $0 != 0 ? 1 : 0 })), validity: operand.validity)
        default:
            var output = ContiguousArray<Int64>(repeating: 0, count: count)
            switch operand.values {
            case .int64(let values): output = values
            case .float64(let values):
                for row in 0..<count where !operand.isNull(row) {
                    guard let value = Int64(exactly: values[row].rounded(.toNearestOrEven)) else {
                        throw .invalidInput("\(position): \(values[row]) is out of range for \(target.name)")
                    }
                    output[row] = value
                }
            case .string(let codes, let dictionary):
                for row in 0..<count where !operand.isNull(row) {
                    let text = dictionary.string(for: codes[row])
                    if target == .timestamp, let milliseconds = ISO8601Milliseconds.parse(text) {
                        output[row] = milliseconds
                    } else if let value = Int64(text.trimmingPrefix(" ")) {
                        output[row] = value
                    } else {
                        throw .invalidInput("\(position): cannot cast '\(text)' to \(target.name)")
                    }
                }
            }
            if target == .integer, let bad = output.enumerated().first(where: { !operand.isNull($0.offset) && Int32(exactly: $0.element) == nil }) {
                throw .invalidInput("\(position): \(bad.element) is out of range for INTEGER")
            }
            return ColumnVector(.int64(output), validity: operand.validity)
        }
    }
}

