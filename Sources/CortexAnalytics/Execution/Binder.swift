import CortexCore

/// A query after binding: what to scan, filter, group, aggregate, output and sort.
struct BoundQuery: Sendable {
    let table: any ScanSource
    let filter: BoundExpression?
    let groupKeys: [BoundExpression]
    let aggregates: [AggregateSpec]
    /// Output expressions (post-aggregation form when `isAggregate`).
    let outputs: [BoundExpression]
    let outputNames: [String]
    let having: BoundExpression?
    /// Sort keys (post-aggregation form when `isAggregate`).
    let orderBy: [(expression: BoundExpression, descending: Bool, nullsFirst: Bool)]
    let limit: Int?
    let offset: Int
    let isAggregate: Bool
}

/// Resolves names, types, parameters, positions and aggregates of a SELECT.
struct Binder {
    let schema: TableSchema
    let tableNames: Set<String>
    let parameters: [String: Value]
    let now: Int64
    var aggregates: [AggregateSpec] = []
    var groupKeys: [BoundExpression] = []
    var selectExpressions: [(Expression, String?)] = []

    static let aggregateNames: Set<String> = [
        "count", "sum", "avg", "mean", "min", "max", "quantile_disc", "quantile_cont", "quantile", "median", "approx_quantile",
        "approx_count_distinct",
    ]

    init(schema: TableSchema, reference: TableReference, parameters: [String: Value], now: Int64) {
        self.schema = schema
        tableNames = Set([reference.name.lowercased()] + (reference.alias.map { [$0.lowercased()] } ?? []))
        self.parameters = parameters
        self.now = now
    }

    static func error(_ position: SourcePosition, _ message: String) -> CortexError { .invalidInput("\(position): \(message)") }

    static func containsAggregate(_ expression: Expression) -> Bool {
        switch expression {
        case .function(let name, let arguments, _, _, _):
            return aggregateNames.contains(name) || arguments.contains(where: containsAggregate)
        case .literal, .column, .parameter: return false
        case .unary(_, let inner, _), .isNull(let inner, _, _), .cast(let inner, _, _), .interval(let inner, _, _):
            return containsAggregate(inner)
        case .binary(_, let left, let right, _), .like(let left, let right, _, _, _): return containsAggregate(left) || containsAggregate(right)
        case .between(let value, let low, let high, _, _): return [value, low, high].contains(where: containsAggregate)
        case .inList(let value, let list, _, _): return ([value] + list).contains(where: containsAggregate)
        case .caseWhen(let operand, let branches, let elseResult, _):
            return ([operand, elseResult].compactMap { $0 } + branches.flatMap { [$0.condition, $0.result] }).contains(where: containsAggregate)
        }
    }

    /// Where the first aggregate call in `expression` starts, if any.
    static func firstAggregate(in expression: Expression) -> SourcePosition? {
        guard containsAggregate(expression) else { return nil }
        switch expression {
        case .function(let name, let arguments, _, _, let position):
            return aggregateNames.contains(name) ? position : arguments.lazy.compactMap(firstAggregate).first
        case .unary(_, let inner, _), .isNull(let inner, _, _), .cast(let inner, _, _), .interval(let inner, _, _):
            return firstAggregate(in: inner)
        case .binary(_, let left, let right, _), .like(let left, let right, _, _, _): return firstAggregate(in: left) ?? firstAggregate(in: right)
        case .between(let value, let low, let high, _, _): return [value, low, high].lazy.compactMap(firstAggregate).first
        case .inList(let value, let list, _, _): return ([value] + list).lazy.compactMap(firstAggregate).first
        case .caseWhen(let operand, let branches, let elseResult, _):
            return ([operand, elseResult].compactMap { $0 } + branches.flatMap { [$0.condition, $0.result] }).lazy.compactMap(firstAggregate).first
        case .literal, .column, .parameter: return nil
        }
    }

    // MARK: Statement

    mutating func bind(_ statement: SelectStatement, table: any ScanSource) throws(CortexError) -> BoundQuery {
        for item in statement.items {
            switch item.kind {
            case .star(let qualifier):
                if let qualifier, !tableNames.contains(qualifier.lowercased()) {
                    throw Self.error(item.position, "unknown table '\(qualifier)'")
                }
                for column in schema.columns { selectExpressions.append((.column(name: column.name, qualifier: nil, item.position), column.name)) }
            case .expression(let expression, let alias):
                selectExpressions.append((expression, alias))
            }
        }
        let isAggregate = !statement.groupBy.isEmpty || selectExpressions.contains { Self.containsAggregate($0.0) }
            || statement.having.map(Self.containsAggregate) == true
            || statement.orderBy.contains { Self.containsAggregate($0.expression) }
        let filter = try statement.whereClause.map { (expression: Expression) throws(CortexError) in
            try bindPredicate(expression, post: false, clause: "WHERE")
        }
        for expression in statement.groupBy {
            let resolved = try resolveReference(expression, clause: "GROUP BY")
            if let position = Self.firstAggregate(in: resolved) { throw Self.error(position, "aggregate functions are not allowed in GROUP BY") }
            groupKeys.append(try bind(resolved, post: false))
        }
        var outputs: [BoundExpression] = []
        var names: [String] = []
        for (expression, alias) in selectExpressions {
            outputs.append(try bind(expression, post: isAggregate))
            names.append(alias ?? Self.displayName(expression))
        }
        let having = try statement.having.map { (expression: Expression) throws(CortexError) in
            guard isAggregate else { throw Self.error(expression.position, "HAVING needs GROUP BY or an aggregate") }
            return try bindPredicate(expression, post: true, clause: "HAVING")
        }
        var orderBy: [(BoundExpression, Bool, Bool)] = []
        for item in statement.orderBy {
            let bound: BoundExpression
            if case .literal(.integer(let position), let place) = item.expression {
                guard position >= 1, position <= outputs.count else {
                    throw Self.error(place, "ORDER BY position \(position) is not in the select list (1-\(outputs.count))")
                }
                bound = outputs[Int(position) - 1]
            } else if case .column(let name, nil, _) = item.expression, schema.columnIndex(named: name) == nil || isAggregate,
                let index = names.firstIndex(where: { $0.lowercased() == name.lowercased() }), selectExpressions[index].1 != nil
                    || schema.columnIndex(named: name) == nil
            {
                bound = outputs[index]
            } else {
                bound = try bind(item.expression, post: isAggregate)
            }
            orderBy.append((bound, item.isDescending, item.nullsFirst ?? false))
        }
        let limit = try statement.limit.map { (expression: Expression) throws(CortexError) in try constantCount(expression, clause: "LIMIT") }
        let offset = try statement.offset.map { (expression: Expression) throws(CortexError) in try constantCount(expression, clause: "OFFSET") } ?? 0
        return BoundQuery(
            table: table, filter: filter, groupKeys: groupKeys, aggregates: aggregates, outputs: outputs, outputNames: names,
            having: having, orderBy: orderBy.map { (expression: $0.0, descending: $0.1, nullsFirst: $0.2) }, limit: limit,
            offset: offset, isAggregate: isAggregate)
    }

    /// GROUP BY / ORDER BY entries may name a select item by 1-based position or by alias.
    func resolveReference(_ expression: Expression, clause: String) throws(CortexError) -> Expression {
        if case .literal(.integer(let position), let place) = expression {
            guard position >= 1, position <= selectExpressions.count else {
                throw Self.error(place, "\(clause) position \(position) is not in the select list (1-\(selectExpressions.count))")
            }
            return selectExpressions[Int(position) - 1].0
        }
        if case .column(let name, nil, _) = expression, schema.columnIndex(named: name) == nil,
            let match = selectExpressions.first(where: { $0.1?.lowercased() == name.lowercased() })
        {
            return match.0
        }
        return expression
    }

    private func constantCount(_ expression: Expression, clause: String) throws(CortexError) -> Int {
        var value: Value = .null
        switch expression {
        case .literal(.integer(let integer), _): value = .int(integer)
        case .parameter(let name, let position):
            guard let bound = parameters[name] else { throw Self.error(position, "parameter $\(name) has no value") }
            value = bound
        default: break
        }
        guard case .int(let count) = value, count >= 0, count <= Int64(Int32.max) else {
            throw Self.error(expression.position, "\(clause) must be a non-negative integer constant")
        }
        return Int(count)
    }

    static func displayName(_ expression: Expression) -> String {
        switch expression {
        case .column(let name, _, _): return name
        case .function(let name, let arguments, let distinct, let star, _):
            if star { return "\(name)(*)" }
            return "\(name)(\(distinct ? "DISTINCT " : "")\(arguments.map(displayName).joined(separator: ", ")))"
        case .literal(let literal, _):
            switch literal {
            case .integer(let value): return String(value)
            case .float(let value): return String(value)
            case .string(let value): return "'\(value)'"
            case .boolean(let value): return value ? "true" : "false"
            case .null: return "NULL"
            }
        case .parameter(let name, _): return "$\(name)"
        default: return "expr"
        }
    }

    mutating func bindPredicate(_ expression: Expression, post: Bool, clause: String) throws(CortexError) -> BoundExpression {
        if !post, let position = Self.firstAggregate(in: expression) {
            throw Self.error(position, "aggregate functions are not allowed in \(clause)")
        }
        let bound = try bind(expression, post: post)
        guard bound.type == .boolean || bound.type == .null else {
            throw Self.error(expression.position, "\(clause) needs a boolean condition; got \(bound.type.name)")
        }
        return bound
    }
}
