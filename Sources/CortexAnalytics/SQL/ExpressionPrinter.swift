/// SQL text for syntax trees, for error messages and EXPLAIN.
///
/// Every compound expression is printed in parentheses, so the text re-parses
/// to the same tree (positions aside) whatever the operator precedence.
extension Expression {
    /// The expression as SQL text that ``SQLParser`` parses back to an equal tree
    /// (positions aside). Negative numeric literals print as `-5`, which parses as
    /// a negation of `5`.
    public var sqlText: String {
        switch self {
        case .literal(let literal, _): return literal.sqlText
        case .column(let name, let qualifier, _):
            return qualifier.map { "\(Self.quoteIfNeeded($0)).\(Self.quoteIfNeeded(name))" } ?? Self.quoteIfNeeded(name)
        case .parameter(let name, _): return "$\(name)"
        case .unary(let op, let operand, _):
            return op == .not ? "(NOT \(operand.sqlText))" : "(\(op.rawValue) \(operand.sqlText))"
        case .binary(let op, let left, let right, _): return "(\(left.sqlText) \(op.rawValue) \(right.sqlText))"
        case .function(let name, let arguments, let isDistinct, let isStar, _):
            if isStar { return "\(name)(*)" }
            let list = arguments.map(\.sqlText).joined(separator: ", ")
            return "\(name)(\(isDistinct ? "DISTINCT " : "")\(list))"
        case .caseWhen(let operand, let branches, let elseResult, _):
            var text = "CASE"
            if let operand { text += " \(operand.sqlText)" }
            for branch in branches { text += " WHEN \(branch.condition.sqlText) THEN \(branch.result.sqlText)" }
            if let elseResult { text += " ELSE \(elseResult.sqlText)" }
            return text + " END"
        case .between(let operand, let low, let high, let isNegated, _):
            return "(\(operand.sqlText) \(isNegated ? "NOT " : "")BETWEEN \(low.sqlText) AND \(high.sqlText))"
        case .inList(let operand, let list, let isNegated, _):
            return "(\(operand.sqlText) \(isNegated ? "NOT " : "")IN (\(list.map(\.sqlText).joined(separator: ", "))))"
        case .isNull(let operand, let isNegated, _): return "(\(operand.sqlText) IS \(isNegated ? "NOT " : "")NULL)"
        case .like(let operand, let pattern, let isNegated, let isCaseInsensitive, _):
            let keyword = isCaseInsensitive ? "ILIKE" : "LIKE"
            return "(\(operand.sqlText) \(isNegated ? "NOT " : "")\(keyword) \(pattern.sqlText))"
        case .cast(let operand, let type, _): return "CAST(\(operand.sqlText) AS \(type.name))"
        case .interval(let amount, let unit, _):
            if case .literal(.integer(let count), _) = amount { return "INTERVAL '\(count) \(unit)'" }
            return "INTERVAL (\(amount.sqlText)) \(unit)"
        }
    }

    /// `name` as is when it lexes back to itself, else double-quoted with `""` escapes.
    static func quoteIfNeeded(_ name: String) -> String {
        let isPlain = TableSchema.isValidIdentifier(name) && name == name.lowercased() && !SQLParserState.reservedWords.contains(name)
        return isPlain ? name : "\"\(name.replacing("\"", with: "\"\""))\""
    }
}

extension Literal {
    /// The literal as SQL text: `42`, `0.5`, `'it''s'`, `TRUE`, `NULL`.
    public var sqlText: String {
        switch self {
        case .integer(let value): "\(value)"
        case .float(let value): "\(value)"
        case .string(let value): "'\(value.replacing("'", with: "''"))'"
        case .boolean(let value): value ? "TRUE" : "FALSE"
        case .null: "NULL"
        }
    }
}
