import CortexCore

extension SQLParserState {
    /// `SELECT items FROM table [WHERE] [GROUP BY] [HAVING] [ORDER BY] [LIMIT] [OFFSET]`.
    mutating func parseSelect() throws(CortexError) -> SelectStatement {
        if current.isWord("with") { throw unsupported("WITH (common table expressions)", at: current) }
        let start = current.position
        try expect(word: "select")
        if current.isWord("distinct") { throw unsupported("SELECT DISTINCT", at: current) }
        var items = [try parseSelectItem()]
        while accept(symbol: ",") { items.append(try parseSelectItem()) }
        guard accept(word: "from") else { throw expected("FROM") }
        var statement = SelectStatement(items: items, from: try parseTableReference(), position: start)
        if accept(word: "where") { statement.whereClause = try parseExpression() }
        if current.isWord("group") {
            _ = advance()
            try expect(word: "by")
            statement.groupBy = [try parseExpression()]
            while accept(symbol: ",") { statement.groupBy.append(try parseExpression()) }
        }
        if accept(word: "having") { statement.having = try parseExpression() }
        if current.isWord("window") || current.isWord("qualify") { throw unsupported("window functions", verb: "are", at: current) }
        if current.isWord("order") {
            _ = advance()
            try expect(word: "by")
            statement.orderBy = [try parseOrderItem()]
            while accept(symbol: ",") { statement.orderBy.append(try parseOrderItem()) }
        }
        try parseLimitAndOffset(into: &statement)
        return statement
    }

    private mutating func parseSelectItem() throws(CortexError) -> SelectItem {
        let start = current.position
        if accept(symbol: "*") { return SelectItem(.star(qualifier: nil), position: start) }
        let isName = current.kind == .quotedIdentifier || (current.kind == .word && !Self.reservedWords.contains(current.value))
        if isName, peek().isSymbol("."), peek(2).isSymbol("*") {
            let qualifier = advance().value
            _ = advance()
            _ = advance()
            return SelectItem(.star(qualifier: qualifier), position: start)
        }
        let expression = try parseExpression()
        return SelectItem(.expression(expression, alias: try parseAlias()), position: start)
    }

    private mutating func parseTableReference() throws(CortexError) -> TableReference {
        let start = current.position
        if current.isSymbol("("), peek().isWord("select") { throw unsupported("subqueries", verb: "are", at: current) }
        let name = try parseName("a table name")
        if current.isSymbol(".") { throw unsupported("qualified table names", verb: "are", at: current) }
        let alias = try parseAlias()
        let joinWords: Set<String> = ["join", "inner", "left", "right", "full", "cross", "natural"]
        if current.isSymbol(",") || (current.kind == .word && joinWords.contains(current.value)) {
            throw unsupported("JOIN", at: current)
        }
        return TableReference(name: name, alias: alias, position: start)
    }

    private mutating func parseOrderItem() throws(CortexError) -> OrderItem {
        let expression = try parseExpression()
        var isDescending = false
        if accept(word: "desc") {
            isDescending = true
        } else {
            _ = accept(word: "asc")
        }
        var nullsFirst: Bool?
        if accept(word: "nulls") {
            if accept(word: "first") {
                nullsFirst = true
            } else if accept(word: "last") {
                nullsFirst = false
            } else {
                throw expected("FIRST or LAST")
            }
        }
        return OrderItem(expression: expression, isDescending: isDescending, nullsFirst: nullsFirst)
    }

    /// `LIMIT n [OFFSET m]` or `OFFSET m [LIMIT n]`, each at most once.
    private mutating func parseLimitAndOffset(into statement: inout SelectStatement) throws(CortexError) {
        while true {
            if statement.limit == nil, accept(word: "limit") {
                statement.limit = try parseExpression()
            } else if statement.offset == nil, accept(word: "offset") {
                statement.offset = try parseExpression()
            } else {
                return
            }
        }
    }
}
