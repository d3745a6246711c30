/// A scalar as filters see it: ints and doubles fold into one number kind.
enum FilterScalar {
    case string(String)
    case bool(Bool)
    case int(Int64)
    case double(Double)

    /// The scalar in `value`, or nil for list values.
    init?(_ value: MetadataValue) {
        switch value {
        case .string(let string): self = .string(string)
        case .bool(let bool): self = .bool(bool)
        case .int(let int): self = .int(int)
        case .double(let double): self = .double(double)
        case .stringList, .intList, .doubleList, .boolList: return nil
        }
    }

    /// Three-way comparison: nil when the kinds differ (string vs number, bool vs anything else)
    /// or a NaN is involved; otherwise -1, 0, 1. Bools order false < true but only `==` is reachable
    /// for bools through the parser.
    static func order(_ lhs: Self, _ rhs: Self) -> Int? {
        switch (lhs, rhs) {
        case (.string(let l), .string(let r)): return l == r ? 0 : (l < r ? -1 : 1)
        case (.bool(let l), .bool(let r)): return l == r ? 0 : (!l ? -1 : 1)
        case (.int(let l), .int(let r)): return l == r ? 0 : (l < r ? -1 : 1)
        case (.double(let l), .double(let r)):
            if l.isNaN || r.isNaN { return nil }
            return l == r ? 0 : (l < r ? -1 : 1)
        case (.int(let l), .double(let r)): return orderExactly(l, r)
        case (.double(let l), .int(let r)): return orderExactly(r, l).map { -$0 }
        default: return nil
        }
    }

    /// Sign of `int - double`, computed exactly (converting the int to Double would round above 2^53).
    static func orderExactly(_ int: Int64, _ double: Double) -> Int? {
        if double.isNaN { return nil }
        let twoToThe63 = 9_223_372_036_854_775_808.0
        if double >= twoToThe63 { return -1 }
        if double < -twoToThe63 { return 1 }
        // In [-2^63, 2^63), so the truncated value converts to Int64 without trapping.
        let truncated = double.rounded(.towardZero)
        let whole = Int64(truncated)
        if int != whole { return int < whole ? -1 : 1 }
        let fraction = double - truncated
        return fraction == 0 ? 0 : (fraction > 0 ? -1 : 1)
    }

    /// Whether the scalar at a key satisfies `op operand`. Missing keys, list values and kind
    /// mismatches are false; ordering operators apply to numbers only. Callers evaluate `$ne` as
    /// `!compare(…, .equal, …)`, so `.notEqual` never reaches here.
    static func compare(_ stored: MetadataValue?, _ op: MetadataFilter.ComparisonOperator, _ operand: MetadataValue) -> Bool {
        guard let stored, let lhs = FilterScalar(stored), let rhs = FilterScalar(operand) else { return false }
        switch op {
        case .equal, .notEqual:
            assert(op == .equal, "$ne is evaluated as !$eq by MetadataFilter.matches")
            return order(lhs, rhs) == 0
        case .greaterThan, .greaterThanOrEqual, .lessThan, .lessThanOrEqual:
            guard lhs.isNumber, rhs.isNumber, let sign = order(lhs, rhs) else { return false }
            switch op {
            case .greaterThan: return sign > 0
            case .greaterThanOrEqual: return sign >= 0
            case .lessThan: return sign < 0
            default: return sign <= 0
            }
        }
    }

    /// `$in`: the stored scalar equals one of `operands`.
    static func isIn(_ stored: MetadataValue?, _ operands: [MetadataValue]) -> Bool {
        guard let stored, let lhs = FilterScalar(stored) else { return false }
        return operands.contains { operand in FilterScalar(operand).flatMap { order(lhs, $0) } == 0 }
    }

    /// `$contains`: the stored list has an element equal to `operand`; scalars never contain.
    static func listContains(_ stored: MetadataValue?, _ operand: MetadataValue) -> Bool {
        guard let stored, let rhs = FilterScalar(operand) else { return false }
        switch stored {
        case .stringList(let list): return list.contains { order(.string($0), rhs) == 0 }
        case .intList(let list): return list.contains { order(.int($0), rhs) == 0 }
        case .doubleList(let list): return list.contains { order(.double($0), rhs) == 0 }
        case .boolList(let list): return list.contains { order(.bool($0), rhs) == 0 }
        case .string, .int, .double, .bool: return false
        }
    }

    var isNumber: Bool {
        switch self {
        case .int, .double: true
        case .string, .bool: false
        }
    }
}
