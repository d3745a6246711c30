import CortexCore

/// Precedence climbing, lowest first: OR; AND; NOT; comparison, IS, BETWEEN, IN,
/// LIKE; `||`; `+ -`; `* / // %`; unary `- +`; postfix `::type`; primary.
///
/// Every level that can nest (each binary operator in a chain, each prefix
/// operator, each parenthesis) counts against the depth limit, so the tree
/// height stays below ``AnalyticsLimits/expressionDepthMax`` and later recursive
/// passes cannot overflow the stack.
extension SQLParserState {
    mutating func parseExpression() throws(CortexError) -> Expression {
        try descend(at: current)
        defer { depth -= 1 }
        return try parseOr()
    }

    /// A left-associative chain of `operators` over `operand`.
    private mutating func parseChain(
        _ operators: [String: BinaryOperator], isWord: Bool,
        operand: (inout SQLParserState) throws(CortexError) -> Expression
    ) throws(CortexError) -> Expression {
        var left = try operand(&self)
        let entryDepth = depth
        defer { depth = entryDepth }
        while (isWord ? current.kind == .word : current.kind == .symbol), let op = operators[current.value] {
            try descend(at: advance())
            let right = try operand(&self)
            left = .binary(op, left, right, left.position)
        }
        return left
    }

    private mutating func parseOr() throws(CortexError) -> Expression {
        try parseChain(["or": .or], isWord: true) { (p: inout SQLParserState) throws(CortexError) in try p.parseAnd() }
    }

    private mutating func parseAnd() throws(CortexError) -> Expression {
        try parseChain(["and": .and], isWord: true) { (p: inout SQLParserState) throws(CortexError) in try p.parseNot() }
    }

    private mutating func parseNot() throws(CortexError) -> Expression {
        guard current.isWord("not") else { return try parseComparison() }
        let token = advance()
        try descend(at: token)
        defer { depth -= 1 }
        return .unary(.not, try parseNot(), token.position)
    }

    private static let comparisons: [String: BinaryOperator] = [
        "=": .equal, "<>": .notEqual, "<": .less, "<=": .lessOrEqual, ">": .greater, ">=": .greaterOrEqual,
    ]

    /// Comparisons and the predicates at the same level, left-associative.
    private mutating func parseComparison() throws(CortexError) -> Expression {
        var left = try parseConcatenation()
        let entryDepth = depth
        defer { depth = entryDepth }
        while true {
            let token = current
            if token.kind == .symbol, let op = Self.comparisons[token.value] {
                try descend(at: advance())
                left = .binary(op, left, try parseConcatenation(), left.position)
            } else if token.isWord("is") {
                try descend(at: advance())
                let isNegated = accept(word: "not")
                try expect(word: "null")
                left = .isNull(left, isNegated: isNegated, left.position)
            } else if let predicate = try parsePredicate(after: left) {
                left = predicate
            } else {
                return left
            }
        }
    }

    /// `[NOT] BETWEEN`, `[NOT] IN`, `[NOT] LIKE`/`ILIKE` after `left`, or nil if none follows.
    private mutating func parsePredicate(after left: Expression) throws(CortexError) -> Expression? {
        let isNegated = current.isWord("not")
        let keyword = isNegated ? peek() : current
        guard keyword.kind == .word, ["between", "in", "like", "ilike"].contains(keyword.value) else { return nil }
        if isNegated { _ = advance() }
        try descend(at: advance())
        switch keyword.value {
        case "between":
            let low = try parseConcatenation()
            try expect(word: "and")
            let high = try parseConcatenation()
            return .between(left, low: low, high: high, isNegated: isNegated, left.position)
        case "in":
            try expect(symbol: "(")
            if current.isWord("select") { throw unsupported("subqueries", verb: "are", at: current) }
            var list = [try parseExpression()]
            while accept(symbol: ",") { list.append(try parseExpression()) }
            try expect(symbol: ")")
            return .inList(left, list, isNegated: isNegated, left.position)
        default:
            let pattern = try parseConcatenation()
            if current.isWord("escape") { throw unsupported("LIKE … ESCAPE", at: current) }
            return .like(left, pattern: pattern, isNegated: isNegated, isCaseInsensitive: keyword.value == "ilike", left.position)
        }
    }

    private mutating func parseConcatenation() throws(CortexError) -> Expression {
        try parseChain(["||": .concatenate], isWord: false) { (p: inout SQLParserState) throws(CortexError) in try p.parseAdditive() }
    }

    private mutating func parseAdditive() throws(CortexError) -> Expression {
        try parseChain(["+": .add, "-": .subtract], isWord: false) { (p: inout SQLParserState) throws(CortexError) in
            try p.parseMultiplicative()
        }
    }

    private mutating func parseMultiplicative() throws(CortexError) -> Expression {
        let operators: [String: BinaryOperator] = ["*": .multiply, "/": .divide, "//": .integerDivide, "%": .modulo]
        return try parseChain(operators, isWord: false) { (p: inout SQLParserState) throws(CortexError) in try p.parseUnary() }
    }

    private mutating func parseUnary() throws(CortexError) -> Expression {
        guard current.isSymbol("-") || current.isSymbol("+") else { return try parsePostfix() }
        let token = advance()
        try descend(at: token)
        defer { depth -= 1 }
        return .unary(token.value == "-" ? .negate : .plus, try parseUnary(), token.position)
    }

    /// `primary [::type]…`.
    private mutating func parsePostfix() throws(CortexError) -> Expression {
        var expression = try parsePrimary()
        let entryDepth = depth
        defer { depth = entryDepth }
        while current.isSymbol("::") {
            try descend(at: advance())
            expression = .cast(expression, try parseTypeName(), expression.position)
        }
        return expression
    }

    /// `type` in a cast or column definition: a word, lower-cased; `double precision`
    /// is `double`; a length or precision in parentheses (`varchar(20)`) is ignored.
    mutating func parseTypeName() throws(CortexError) -> TypeName {
        let token = current
        guard token.kind == .word else { throw expected("a type name") }
        _ = advance()
        if token.value == "double" { _ = accept(word: "precision") }
        if accept(symbol: "(") {
            guard current.kind == .number else { throw expected("a number") }
            _ = advance()
            if accept(symbol: ",") {
                guard current.kind == .number else { throw expected("a number") }
                _ = advance()
            }
            try expect(symbol: ")")
        }
        return TypeName(name: token.value, position: token.position)
    }
}
