import CortexAnalytics
import Testing
import CortexCore

/// Parses `text` as the single item of `SELECT text FROM t`.
func parseExpression(_ text: String) throws -> Expression {
    let select = try SQLParser.parseSelect("SELECT \(text) FROM t")
    guard case .expression(let expression, _) = select.items[0].kind else {
        Issue.record("not an expression: \(text)")
        return .literal(.null, SourcePosition(offset: 0, line: 1, column: 1))
    }
    return expression
}

/// The error `body` throws, or nil.
func parseError(_ body: () throws(CortexError) -> Void) -> CortexError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

/// The message of the syntax error for `text`, or "no error".
func errorMessage(_ text: String) -> String {
    parseError { () throws(CortexError) in _ = try SQLParser.parse(text) }?.message ?? "no error"
}

let zeroPosition = SourcePosition(offset: 0, line: 1, column: 1)

/// `expression` with every position replaced by ``zeroPosition``, to compare trees by shape.
func stripped(_ expression: Expression) -> Expression {
    let p = zeroPosition
    switch expression {
    case .literal(let literal, _): return .literal(literal, p)
    case .column(let name, let qualifier, _): return .column(name: name, qualifier: qualifier, p)
    case .parameter(let name, _): return .parameter(name: name, p)
    case .unary(let op, let operand, _): return .unary(op, stripped(operand), p)
    case .binary(let op, let left, let right, _): return .binary(op, stripped(left), stripped(right), p)
    case .function(let name, let arguments, let isDistinct, let isStar, _):
        return .function(name: name, arguments: arguments.map(stripped), isDistinct: isDistinct, isStar: isStar, p)
    case .caseWhen(let operand, let branches, let elseResult, _):
        let strippedBranches = branches.map { WhenClause(condition: stripped($0.condition), result: stripped($0.result)) }
        return .caseWhen(operand: operand.map(stripped), branches: strippedBranches, elseResult: elseResult.map(stripped), p)
    case .between(let operand, let low, let high, let isNegated, _):
        return .between(stripped(operand), low: stripped(low), high: stripped(high), isNegated: isNegated, p)
    case .inList(let operand, let list, let isNegated, _): return .inList(stripped(operand), list.map(stripped), isNegated: isNegated, p)
    case .isNull(let operand, let isNegated, _): return .isNull(stripped(operand), isNegated: isNegated, p)
    case .like(let operand, let pattern, let isNegated, let isCaseInsensitive, _):
        return .like(stripped(operand), pattern: stripped(pattern), isNegated: isNegated, isCaseInsensitive: isCaseInsensitive, p)
    case .cast(let operand, let type, _): return .cast(stripped(operand), TypeName(name: type.name, position: p), p)
    case .interval(let amount, let unit, _): return .interval(stripped(amount), unit: unit, p)
    }
}
