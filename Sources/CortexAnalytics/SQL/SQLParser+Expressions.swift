import CortexCore

extension SQLTokenParser {
    /// Guards recursion so deeply nested text fails cleanly instead of overflowing the stack.
    mutating func nested<T>(_ body: (inout SQLTokenParser) throws(CortexError) -> T) throws(CortexError) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= AnalyticsLimits.expressionDepthMax else {
            throw error("expression nests deeper than \(AnalyticsLimits.expressionDepthMax) levels")
        }
        return try body(&self)
    }

    mutating func expression() throws(CortexError) -> Expression {
        try nested { (parser: inout SQLTokenParser) throws(CortexError) in try parser.orExpression() }
    }

    mutating func orExpression() throws(CortexError) -> Expression {
        var left = try andExpression()
        while isWord("or") {
            let position = current.position
            advance()
            left = .binary(.or, left, try andExpression(), position)
        }
        return left
    }

    mutating func andExpression() throws(CortexError) -> Expression {
        var left = try notExpression()
        while isWord("and") {
            let position = current.position
            advance()
            left = .binary(.and, left, try notExpression(), position)
        }
        return left
    }

    mutating func notExpression() throws(CortexError) -> Expression {
        if isWord("not") {
            let position = current.position
            advance()
            let operand = try nested { (parser: inout SQLTokenParser) throws(CortexError) in try parser.notExpression() }
            return .unary(.not, operand, position)
        }
        return try comparison()
    }

    mutating func comparison() throws(CortexError) -> Expression {
        let left = try concatenation()
        let position = current.position
        let comparisons: [String: BinaryOperator] = [
            "=": .equal, "==": .equal, "<>": .notEqual, "!=": .notEqual, "<": .less, "<=": .lessOrEqual, ">": .greater,
            ">=": .greaterOrEqual,
        ]
        if case .symbol(let symbol) = current.kind, let op = comparisons[symbol] {
            advance()
            return .binary(op, left, try concatenation(), position)
        }
        if accept(word: "is") {
            let negated = accept(word: "not")
            guard accept(word: "null") else { throw expected("NULL") }
            return .isNull(left, isNegated: negated, position)
        }
        let negated = accept(word: "not")
        if accept(word: "between") {
            let low = try concatenation()
            try expect(word: "and")
            return .between(left, low: low, high: try concatenation(), isNegated: negated, position)
        }
        if accept(word: "in") {
            try expect(symbol: "(")
            if isWord("select") { throw error("subqueries are not supported") }
            var list: [Expression] = []
            repeat { list.append(try expression()) } while accept(symbol: ",")
            try expect(symbol: ")")
            return .inList(left, list, isNegated: negated, position)
        }
        if isWord("like") || isWord("ilike") {
            let caseInsensitive = isWord("ilike")
            advance()
            return .like(left, pattern: try concatenation(), isNegated: negated, isCaseInsensitive: caseInsensitive, position)
        }
        if negated { throw expected("BETWEEN, IN or LIKE after NOT") }
        return left
    }

    mutating func concatenation() throws(CortexError) -> Expression {
        var left = try additive()
        while isSymbol("||") {
            let position = current.position
            advance()
            left = .binary(.concatenate, left, try additive(), position)
        }
        return left
    }

    mutating func additive() throws(CortexError) -> Expression {
        var left = try multiplicative()
        while isSymbol("+") || isSymbol("-") {
            let position = current.position
            let op: BinaryOperator = isSymbol("+") ? .add : .subtract
            advance()
            left = .binary(op, left, try multiplicative(), position)
        }
        return left
    }

    mutating func multiplicative() throws(CortexError) -> Expression {
        var left = try unary()
        let operators: [String: BinaryOperator] = ["*": .multiply, "/": .divide, "//": .integerDivide, "%": .modulo]
        while case .symbol(let symbol) = current.kind, let op = operators[symbol] {
            let position = current.position
            advance()
            left = .binary(op, left, try unary(), position)
        }
        return left
    }

    mutating func unary() throws(CortexError) -> Expression {
        if isSymbol("-") || isSymbol("+") {
            let position = current.position
            let op: UnaryOperator = isSymbol("-") ? .negate : .plus
            advance()
            let operand = try nested { (parser: inout SQLTokenParser) throws(CortexError) in try parser.unary() }
            if op == .negate, case .literal(.integer(let value), _) = operand { return .literal(.integer(-value), position) }
            if op == .negate, case .literal(.float(let value), _) = operand { return .literal(.float(-value), position) }
            return .unary(op, operand, position)
        }
        var value = try primary()
        while isSymbol("::") {
            let position = current.position
            advance()
            value = .cast(value, try typeName(), position)
        }
        return value
    }

    mutating func typeName() throws(CortexError) -> TypeName {
        let position = current.position
        guard case .word(let word) = current.kind else { throw expected("a type name") }
        advance()
        return TypeName(name: word, position: position)
    }

    mutating func primary() throws(CortexError) -> Expression {
        let token = current
        let position = token.position
        switch token.kind {
        case .integer(let value):
            advance()
            return .literal(.integer(value), position)
        case .float(let value):
            advance()
            return .literal(.float(value), position)
        case .string(let value):
            advance()
            return .literal(.string(value), position)
        case .parameter(let name):
            advance()
            return .parameter(name: name, position)
        case .symbol("("):
            advance()
            if isWord("select") { throw error("subqueries are not supported") }
            let inner = try expression()
            try expect(symbol: ")")
            return inner
        case .quotedIdentifier(let name):
            advance()
            return try columnTail(name, position: position)
        case .word(let word):
            return try wordExpression(word, position: position)
        default:
            throw expected("an expression")
        }
    }

    mutating func wordExpression(_ word: String, position: SourcePosition) throws(CortexError) -> Expression {
        switch word {
        case "true", "false":
            advance()
            return .literal(.boolean(word == "true"), position)
        case "null":
            advance()
            return .literal(.null, position)
        case "case": return try caseExpression()
        case "cast":
            advance()
            try expect(symbol: "(")
            let value = try expression()
            try expect(word: "as")
            let type = try typeName()
            try expect(symbol: ")")
            return .cast(value, type, position)
        case "interval": return try intervalExpression()
        case "current_timestamp", "current_date":
            advance()
            let now: Expression = .function(name: "now", arguments: [], isDistinct: false, isStar: false, position)
            return word == "current_date"
                ? .function(name: "date_trunc", arguments: [.literal(.string("day"), position), now], isDistinct: false, isStar: false, position)
                : now
        default:
            guard !reservedWords.contains(word) || tokens[index + 1].kind == .symbol("(") && ["left", "right"].contains(word) else {
                throw expected("an expression")
            }
            advance()
            if isSymbol("(") { return try functionCall(word, position: position) }
            return try columnTail(word, position: position)
        }
    }

    mutating func columnTail(_ name: String, position: SourcePosition) throws(CortexError) -> Expression {
        guard accept(symbol: ".") else { return .column(name: name, qualifier: nil, position) }
        let column = try identifier("a column name")
        return .column(name: column, qualifier: name, position)
    }

    mutating func functionCall(_ name: String, position: SourcePosition) throws(CortexError) -> Expression {
        try expect(symbol: "(")
        if accept(symbol: "*") {
            try expect(symbol: ")")
            return .function(name: name, arguments: [], isDistinct: false, isStar: true, position)
        }
        let distinct = accept(word: "distinct")
        var arguments: [Expression] = []
        if !isSymbol(")") {
            repeat { arguments.append(try expression()) } while accept(symbol: ",")
        }
        try expect(symbol: ")")
        if isWord("over") { throw error("window functions (OVER) are not supported") }
        return .function(name: name, arguments: arguments, isDistinct: distinct, isStar: false, position)
    }

    mutating func caseExpression() throws(CortexError) -> Expression {
        let position = current.position
        try expect(word: "case")
        var operand: Expression?
        if !isWord("when") { operand = try expression() }
        var branches: [WhenClause] = []
        while accept(word: "when") {
            let condition = try expression()
            try expect(word: "then")
            branches.append(WhenClause(condition: condition, result: try expression()))
        }
        guard !branches.isEmpty else { throw expected("WHEN") }
        var elseResult: Expression?
        if accept(word: "else") { elseResult = try expression() }
        try expect(word: "end")
        return .caseWhen(operand: operand, branches: branches, elseResult: elseResult, position)
    }

    static let intervalUnits: [String: String] = [
        "millisecond": "millisecond", "milliseconds": "millisecond", "ms": "millisecond", "second": "second", "seconds": "second",
        "s": "second", "minute": "minute", "minutes": "minute", "hour": "hour", "hours": "hour", "h": "hour", "day": "day",
        "days": "day", "d": "day", "week": "week", "weeks": "week", "month": "month", "months": "month", "year": "year",
        "years": "year",
    ]

    mutating func intervalExpression() throws(CortexError) -> Expression {
        let position = current.position
        try expect(word: "interval")
        if case .string(let text) = current.kind {
            let literalToken = current
            advance()
            let parts = text.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count == 2, let count = Int64(parts[0]), let unit = Self.intervalUnits[parts[1].lowercased()] {
                return .interval(.literal(.integer(count), literalToken.position), unit: unit, position)
            }
            if parts.count == 1, let count = Int64(parts[0]), case .word(let word) = current.kind, let unit = Self.intervalUnits[word] {
                advance()
                return .interval(.literal(.integer(count), literalToken.position), unit: unit, position)
            }
            throw error("cannot read interval '\(text)' (write e.g. '30 days')", at: literalToken)
        }
        let amount = try primary()
        guard case .word(let word) = current.kind, let unit = Self.intervalUnits[word] else { throw expected("an interval unit") }
        advance()
        return .interval(amount, unit: unit, position)
    }
}
