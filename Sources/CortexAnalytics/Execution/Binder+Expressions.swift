import CortexCore

extension Binder {
    /// Binds `expression`. With `post` (a grouped query's SELECT, HAVING, ORDER BY)
    /// aggregates become slots and expressions equal to a group key become key references.
    mutating func bind(_ expression: Expression, post: Bool) throws(CortexError) -> BoundExpression {
        if post {
            if case .function(let name, _, _, _, _) = expression, Self.aggregateNames.contains(name) {
                return try bindAggregate(expression)
            }
            if !Self.containsAggregate(expression) {
                let rowForm = try bind(expression, post: false)
                if let index = groupKeys.firstIndex(of: rowForm) { return .groupKey(index, rowForm.type) }
                if rowForm.columns.isEmpty { return rowForm }
                if case .column(let name, _, _) = expression {
                    throw Self.error(expression.position, "column '\(name)' must appear in GROUP BY or be used in an aggregate function")
                }
            }
        } else if case .function(let name, _, _, _, _) = expression, Self.aggregateNames.contains(name) {
            throw Self.error(expression.position, "aggregate function \(name) is not allowed here")
        }
        switch expression {
        case .literal(let literal, _): return Self.constant(literal)
        case .parameter(let name, let position):
            guard let value = parameters[name] else { throw Self.error(position, "parameter $\(name) has no value") }
            return .constant(value, Self.type(of: value))
        case .column(let name, let qualifier, let position):
            if let qualifier, !tableNames.contains(qualifier.lowercased()) { throw Self.error(position, "unknown table '\(qualifier)'") }
            guard let index = schema.columnIndex(named: name) else {
                throw Self.error(position, "unknown column '\(name)' in table \(schema.name)")
            }
            return .column(index, SQLType(schema.columns[index].type))
        case .unary(let op, let inner, let position):
            let operand = try bind(inner, post: post)
            switch op {
            case .plus:
                guard operand.type.isNumeric else { throw Self.error(position, "unary + needs a number; got \(operand.type.name)") }
                return operand
            case .negate:
                guard operand.type.isNumeric else { throw Self.error(position, "unary - needs a number; got \(operand.type.name)") }
                return .negate(operand, operand.type == .integer ? .bigint : operand.type)
            case .not:
                try requireBoolean(operand, position, "NOT")
                return .not(operand)
            }
        case .binary(let op, let left, let right, let position):
            return try bindBinary(op, left, right, position, post: post)
        case .between(let value, let low, let high, let negated, let position):
            let bound = try bind(value, post: post)
            let range: BoundExpression = .logical(
                .and, try comparison(.greaterOrEqual, bound, try bind(low, post: post), position),
                try comparison(.lessOrEqual, bound, try bind(high, post: post), position))
            return negated ? .not(range) : range
        case .inList(let value, let list, let negated, let position):
            let bound = try bind(value, post: post)
            var values: [Value] = []
            for item in list {
                let element = try bind(item, post: post)
                guard case .constant(let constant, let type) = element else {
                    throw Self.error(item.position, "IN lists must hold constants")
                }
                try checkComparable(bound.type, type, position)
                values.append(Self.coerce(constant, to: bound.type))
            }
            return .inList(bound, values, isNegated: negated)
        case .isNull(let inner, let negated, _):
            return .isNull(try bind(inner, post: post), isNegated: negated)
        case .like(let value, let pattern, let negated, let caseInsensitive, let position):
            let bound = try bind(value, post: post)
            guard bound.type == .varchar || bound.type == .null else { throw Self.error(position, "LIKE needs text; got \(bound.type.name)") }
            guard case .constant(.string(let text), _) = try bind(pattern, post: post) else {
                throw Self.error(pattern.position, "LIKE patterns must be string constants")
            }
            return .like(bound, pattern: text, isNegated: negated, isCaseInsensitive: caseInsensitive)
        case .cast(let inner, let typeName, let position):
            guard let type = Self.sqlType(named: typeName.name) else { throw Self.error(typeName.position, "unknown type '\(typeName.name)'") }
            return .cast(try bind(inner, post: post), type, position)
        case .caseWhen(let operand, let branches, let elseResult, let position):
            return try bindCase(operand, branches, elseResult, position, post: post)
        case .function(let name, let arguments, _, _, let position):
            return try bindFunction(name, arguments.map { (argument: Expression) throws(CortexError) in try bind(argument, post: post) }, position)
        case .interval(_, _, let position):
            throw Self.error(position, "an INTERVAL can only be added to or subtracted from a time")
        }
    }

    static func constant(_ literal: Literal) -> BoundExpression {
        switch literal {
        case .integer(let value): .constant(.int(value), .bigint)
        case .float(let value): .constant(.double(value), .double)
        case .string(let value): .constant(.string(value), .varchar)
        case .boolean(let value): .constant(.bool(value), .boolean)
        case .null: .constant(.null, .null)
        }
    }

    static func type(of value: Value) -> SQLType {
        switch value {
        case .null: .null
        case .int: .bigint
        case .double: .double
        case .string: .varchar
        case .bool: .boolean
        case .timestamp: .timestamp
        }
    }

    static func sqlType(named name: String) -> SQLType? {
        switch name {
        case "integer", "int", "int4", "int32", "smallint", "tinyint": .integer
        case "bigint", "int8", "int64", "long", "hugeint": .bigint
        case "double", "float8", "float", "real", "float4", "float64", "decimal", "numeric": .double
        case "boolean", "bool": .boolean
        case "varchar", "text", "string": .varchar
        case "timestamp", "datetime": .timestamp
        default: nil
        }
    }

    static func coerce(_ value: Value, to type: SQLType) -> Value {
        switch (value, type) {
        case (.int(let integer), .double): .double(Double(integer))
        case (.bool(let flag), .integer), (.bool(let flag), .bigint): .int(flag ? 1 : 0)
        default: value
        }
    }

    func requireBoolean(_ expression: BoundExpression, _ position: SourcePosition, _ what: String) throws(CortexError) {
        guard expression.type == .boolean || expression.type == .null else {
            throw Self.error(position, "\(what) needs a boolean; got \(expression.type.name)")
        }
    }

    func checkComparable(_ left: SQLType, _ right: SQLType, _ position: SourcePosition) throws(CortexError) {
        if left == .null || right == .null { return }
        let numericLike: (SQLType) -> Bool = { $0.isNumeric || $0 == .timestamp || $0 == .boolean }
        guard (left == .varchar) == (right == .varchar), numericLike(left) || left == .varchar, numericLike(right) || right == .varchar else {
            throw Self.error(position, "cannot compare \(left.name) with \(right.name)")
        }
    }

    func comparison(_ op: BinaryOperator, _ left: BoundExpression, _ right: BoundExpression, _ position: SourcePosition) throws(CortexError)
        -> BoundExpression
    {
        try checkComparable(left.type, right.type, position)
        return .comparison(op, left, right)
    }

    mutating func bindBinary(_ op: BinaryOperator, _ leftNode: Expression, _ rightNode: Expression, _ position: SourcePosition, post: Bool)
        throws(CortexError) -> BoundExpression
    {
        if op == .add || op == .subtract, case .interval(let amountNode, let unit, _) = rightNode {
            let left = try bind(leftNode, post: post)
            guard left.type.isIntegerLike, left.type != .boolean else {
                throw Self.error(position, "an INTERVAL can only be added to a time; got \(left.type.name)")
            }
            let amount = try bind(amountNode, post: post)
            guard amount.type == .bigint || amount.type == .integer else { throw Self.error(amountNode.position, "interval amounts must be integers") }
            let sign: Int64 = op == .add ? 1 : -1
            if unit == "month" || unit == "year" {
                let months: BoundExpression = .arithmetic(.multiply, amount, .constant(.int(sign * (unit == "year" ? 12 : 1)), .bigint), .bigint, position)
                return .function(.addMonths, [left, months], left.type, position)
            }
            let unitMilliseconds: [String: Int64] = [
                "millisecond": 1, "second": 1000, "minute": 60_000, "hour": 3_600_000, "day": 86_400_000, "week": 604_800_000,
            ]
            let step: BoundExpression = .arithmetic(.multiply, amount, .constant(.int(sign * unitMilliseconds[unit, default: 1]), .bigint), .bigint, position)
            return .arithmetic(.add, left, step, left.type == .timestamp ? .timestamp : .bigint, position)
        }
        let left = try bind(leftNode, post: post), right = try bind(rightNode, post: post)
        switch op {
        case .and, .or:
            try requireBoolean(left, leftNode.position, op.rawValue)
            try requireBoolean(right, rightNode.position, op.rawValue)
            return .logical(op, left, right)
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            return try comparison(op, left, right, position)
        case .concatenate:
            return .concatenate(left, right)
        case .add, .subtract, .multiply, .divide, .integerDivide, .modulo:
            let numeric: (SQLType) -> Bool = { $0.isNumeric || $0 == .timestamp }
            guard numeric(left.type), numeric(right.type) else {
                throw Self.error(position, "operator \(op.rawValue) needs numbers; got \(left.type.name) and \(right.type.name)")
            }
            let type: SQLType
            if op == .divide || left.type == .double || right.type == .double {
                type = op == .integerDivide ? .bigint : .double
            } else if left.type == .timestamp && right.type != .timestamp && (op == .add || op == .subtract) {
                type = .timestamp
            } else {
                type = .bigint
            }
            return .arithmetic(op, left, right, type, position)
        }
    }

    mutating func bindCase(_ operand: Expression?, _ branches: [WhenClause], _ elseResult: Expression?, _ position: SourcePosition, post: Bool)
        throws(CortexError) -> BoundExpression
    {
        let subject = try operand.map { (expression: Expression) throws(CortexError) in try bind(expression, post: post) }
        var conditions: [BoundExpression] = []
        var results: [BoundExpression] = []
        for branch in branches {
            let condition = try bind(branch.condition, post: post)
            if let subject {
                conditions.append(try comparison(.equal, subject, condition, branch.condition.position))
            } else {
                try requireBoolean(condition, branch.condition.position, "WHEN")
                conditions.append(condition)
            }
            results.append(try bind(branch.result, post: post))
        }
        let otherwise = try elseResult.map { (expression: Expression) throws(CortexError) in try bind(expression, post: post) }
        let types = (results + (otherwise.map { [$0] } ?? [])).map(\.type).filter { $0 != .null }
        let type = try Self.commonType(types, position)
        return .caseWhen(conditions, results, otherwise, type)
    }

    static func commonType(_ types: [SQLType], _ position: SourcePosition) throws(CortexError) -> SQLType {
        guard let first = types.first else { return .null }
        var result = first
        for type in types.dropFirst() where type != result {
            if result.isNumeric && type.isNumeric {
                result = result == .double || type == .double ? .double : .bigint
            } else {
                throw error(position, "branches have incompatible types \(result.name) and \(type.name)")
            }
        }
        return result
    }
}
