import CortexCore

extension SQLParserState {
    /// Literals, parameters, names, calls, CAST, CASE, INTERVAL, parentheses.
    mutating func parsePrimary() throws(CortexError) -> Expression {
        let token = current
        switch token.kind {
        case .number:
            _ = advance()
            return .literal(try Self.numberLiteral(token), token.position)
        case .string:
            _ = advance()
            return .literal(.string(token.value), token.position)
        case .parameter:
            _ = advance()
            return .parameter(name: token.value, token.position)
        case .quotedIdentifier:
            return try parseNameExpression()
        case .symbol where token.value == "(":
            if peek().isWord("select") { throw unsupported("subqueries", verb: "are", at: peek()) }
            _ = advance()
            let inner = try parseExpression()
            try expect(symbol: ")")
            return inner
        case .word:
            return try parseWordExpression()
        default:
            throw expected("an expression")
        }
    }

    private mutating func parseWordExpression() throws(CortexError) -> Expression {
        let token = current
        switch token.value {
        case "true", "false":
            _ = advance()
            return .literal(.boolean(token.value == "true"), token.position)
        case "null":
            _ = advance()
            return .literal(.null, token.position)
        case "case": return try parseCase()
        case "cast": return try parseCast()
        case "interval": return try parseInterval()
        case "current_timestamp":
            _ = advance()
            return .function(name: "now", arguments: [], isDistinct: false, isStar: false, token.position)
        case "exists": throw unsupported("subqueries", verb: "are", at: token)
        default:
            guard !Self.reservedWords.contains(token.value) else { throw expected("an expression") }
            return try parseNameExpression()
        }
    }

    /// `name`, `qualifier.name` or `name(arguments)`.
    private mutating func parseNameExpression() throws(CortexError) -> Expression {
        let token = advance()
        if token.kind == .word, current.isSymbol("(") { return try parseCall(token) }
        if accept(symbol: ".") {
            let name = try parseName("a column name")
            return .column(name: name, qualifier: token.value, token.position)
        }
        return .column(name: token.value, qualifier: nil, token.position)
    }

    /// `name(…)`, `name(DISTINCT x)`, `count(*)`; the cursor is on `(`.
    private mutating func parseCall(_ nameToken: SQLToken) throws(CortexError) -> Expression {
        try expect(symbol: "(")
        let name = nameToken.value == "current_timestamp" ? "now" : nameToken.value
        var arguments: [Expression] = []
        var isDistinct = false
        var isStar = false
        if accept(symbol: "*") {
            isStar = true
        } else if !current.isSymbol(")") {
            isDistinct = accept(word: "distinct")
            if !isDistinct { _ = accept(word: "all") }
            arguments.append(try parseExpression())
            while accept(symbol: ",") { arguments.append(try parseExpression()) }
            if current.isWord("order") { throw unsupported("ORDER BY inside a function call", at: current) }
        }
        try expect(symbol: ")")
        if current.isWord("over") { throw unsupported("window functions (OVER)", verb: "are", at: current) }
        if current.isWord("filter") { throw unsupported("FILTER on aggregates", at: current) }
        return .function(name: name, arguments: arguments, isDistinct: isDistinct, isStar: isStar, nameToken.position)
    }

    /// `CAST(x AS type)`.
    private mutating func parseCast() throws(CortexError) -> Expression {
        let start = advance().position
        try expect(symbol: "(")
        let operand = try parseExpression()
        try expect(word: "as")
        let type = try parseTypeName()
        try expect(symbol: ")")
        return .cast(operand, type, start)
    }

    /// `CASE [operand] WHEN c THEN r … [ELSE e] END`.
    private mutating func parseCase() throws(CortexError) -> Expression {
        let start = advance().position
        let operand: Expression? = current.isWord("when") ? nil : try parseExpression()
        var branches: [WhenClause] = []
        while accept(word: "when") {
            let condition = try parseExpression()
            try expect(word: "then")
            branches.append(WhenClause(condition: condition, result: try parseExpression()))
        }
        guard !branches.isEmpty else { throw expected("WHEN") }
        let elseResult: Expression? = accept(word: "else") ? try parseExpression() : nil
        guard accept(word: "end") else { throw expected(elseResult == nil ? "WHEN, ELSE or END" : "END") }
        return .caseWhen(operand: operand, branches: branches, elseResult: elseResult, start)
    }

    static let intervalUnits: Set<String> = ["millisecond", "second", "minute", "hour", "day", "week", "month", "year"]

    /// The singular unit for `word` (`days` → `day`), or nil.
    static func intervalUnit(_ word: String) -> String? {
        let lowered = word.lowercased()
        if intervalUnits.contains(lowered) { return lowered }
        if lowered.hasSuffix("s"), intervalUnits.contains(String(lowered.dropLast())) { return String(lowered.dropLast()) }
        return nil
    }

    /// `INTERVAL '30 days'`, `INTERVAL '30' DAY`, `INTERVAL 30 DAY`, `INTERVAL (expr) HOUR`.
    private mutating func parseInterval() throws(CortexError) -> Expression {
        let start = advance().position
        let token = current
        if token.kind == .string {
            _ = advance()
            let parts = token.value.split(separator: " ", omittingEmptySubsequences: true)
            guard let count = parts.first.flatMap({ Int64($0) }), parts.count <= 2 else {
                throw .invalidInput("\(token.position): invalid interval '\(token.value)'; expected a whole number and a unit, e.g. '30 days'")
            }
            let amount = Expression.literal(.integer(count), token.position)
            if parts.count == 2 {
                guard let unit = Self.intervalUnit(String(parts[1])) else {
                    throw .invalidInput("\(token.position): unknown interval unit '\(parts[1])'")
                }
                return .interval(amount, unit: unit, start)
            }
            return .interval(amount, unit: try parseIntervalUnit(), start)
        }
        let amount: Expression
        if token.kind == .number {
            _ = advance()
            amount = .literal(try Self.numberLiteral(token), token.position)
        } else if token.isSymbol("(") {
            amount = try parsePrimary()
        } else {
            throw expected("an interval amount")
        }
        return .interval(amount, unit: try parseIntervalUnit(), start)
    }

    private mutating func parseIntervalUnit() throws(CortexError) -> String {
        guard current.kind == .word, let unit = Self.intervalUnit(current.value) else {
            throw expected("an interval unit (millisecond, second, minute, hour, day, week, month, year)")
        }
        _ = advance()
        return unit
    }

    /// An integer literal (must fit in Int64) or a float (`1.0`, `.5`, `1e3`).
    static func numberLiteral(_ token: SQLToken) throws(CortexError) -> Literal {
        let text = token.value
        if text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            guard let value = Int64(text) else {
                throw .invalidInput("\(token.position): integer literal \(text) is out of range (at most \(Int64.max))")
            }
            return .integer(value)
        }
        guard let value = Double(text), value.isFinite else {
            throw .invalidInput("\(token.position): number literal \(text) is out of range")
        }
        return .float(value)
    }
}
