public import CortexCore

/// Parses the SQL subset into ``Statement`` trees (docs/analytics-sql.md).
///
/// Hand-written recursive descent with precedence climbing. Every error is
/// `.invalidInput` starting with "line L, column C:" and naming what was
/// expected and what was found.
public enum SQLParser {
    /// Parses exactly one statement (a trailing `;` is allowed).
    public static func parse(_ text: String) throws(CortexError) -> Statement {
        guard text.utf8.count <= AnalyticsLimits.sqlByteCountMax else {
            throw .tooLarge("SQL text is \(text.utf8.count) bytes; the limit is \(AnalyticsLimits.sqlByteCountMax)")
        }
        var lexer = SQLLexer(text)
        var parser = SQLTokenParser(tokens: try lexer.tokens())
        return try parser.statement()
    }

    /// Parses one SELECT; any other statement is an error.
    public static func parseSelect(_ text: String) throws(CortexError) -> SelectStatement {
        switch try parse(text) {
        case .select(let select): return select
        case .createTable(let create): throw .invalidInput("\(create.position): expected a SELECT statement")
        }
    }
}

/// Words that cannot be bare identifiers or aliases.
let reservedWords: Set<String> = [
    "select", "from", "where", "group", "by", "having", "order", "limit", "offset", "and", "or", "not", "as", "asc", "desc",
    "case", "when", "then", "else", "end", "in", "is", "null", "between", "like", "ilike", "true", "false", "distinct",
    "join", "on", "union", "with", "create", "table", "interval", "cast", "nulls", "over", "inner", "left", "right",
    "full", "cross", "except", "intersect", "all",
]

struct SQLTokenParser {
    let tokens: [SQLToken]
    var index = 0
    var depth = 0

    init(tokens: [SQLToken]) { self.tokens = tokens }

    var current: SQLToken { tokens[index] }

    func error(_ message: String, at token: SQLToken? = nil) -> CortexError {
        let token = token ?? current
        return .invalidInput("\(token.position): \(message)")
    }

    func expected(_ what: String) -> CortexError {
        error("expected \(what), found \(current.kind == .end ? "end of text" : "'\(current.text)'")")
    }

    func isWord(_ word: String) -> Bool { current.kind == .word(word) }
    func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }

    mutating func advance() { if current.kind != .end { index += 1 } }

    mutating func accept(word: String) -> Bool {
        guard isWord(word) else { return false }
        advance()
        return true
    }

    mutating func accept(symbol: String) -> Bool {
        guard isSymbol(symbol) else { return false }
        advance()
        return true
    }

    mutating func expect(word: String) throws(CortexError) {
        guard accept(word: word) else { throw expected(word.uppercased()) }
    }

    mutating func expect(symbol: String) throws(CortexError) {
        guard accept(symbol: symbol) else { throw expected("'\(symbol)'") }
    }

    /// An identifier: a non-reserved word or a quoted identifier.
    mutating func identifier(_ what: String = "an identifier") throws(CortexError) -> String {
        switch current.kind {
        case .word(let word) where !reservedWords.contains(word):
            advance()
            return word
        case .quotedIdentifier(let name):
            advance()
            return name
        default:
            throw expected(what)
        }
    }

    mutating func statement() throws(CortexError) -> Statement {
        let result: Statement
        if isWord("select") {
            result = .select(try select())
        } else if isWord("create") {
            result = .createTable(try createTable())
        } else if isWord("with") {
            throw error("WITH (common table expressions) is not supported")
        } else {
            throw expected("SELECT or CREATE TABLE")
        }
        _ = accept(symbol: ";")
        guard current.kind == .end else { throw expected("end of statement") }
        return result
    }

    mutating func select() throws(CortexError) -> SelectStatement {
        let start = current.position
        try expect(word: "select")
        if isWord("distinct") { throw error("SELECT DISTINCT is not supported (use GROUP BY)") }
        var items: [SelectItem] = []
        repeat { items.append(try selectItem()) } while accept(symbol: ",")
        try expect(word: "from")
        if isSymbol("(") { throw error("subqueries are not supported") }
        let tablePosition = current.position
        let table = try identifier("a table name")
        var alias: String?
        if accept(word: "as") {
            alias = try identifier("an alias")
        } else if case .word(let word) = current.kind, !reservedWords.contains(word) {
            alias = try identifier()
        } else if case .quotedIdentifier = current.kind {
            alias = try identifier()
        }
        for word in ["join", "inner", "left", "right", "full", "cross"] where isWord(word) { throw error("JOIN is not supported") }
        if isSymbol(",") { throw error("more than one table in FROM is not supported") }
        var statement = SelectStatement(items: items, from: TableReference(name: table, alias: alias, position: tablePosition), position: start)
        if accept(word: "where") { statement.whereClause = try expression() }
        if accept(word: "group") {
            try expect(word: "by")
            repeat { statement.groupBy.append(try expression()) } while accept(symbol: ",")
        }
        if accept(word: "having") { statement.having = try expression() }
        if accept(word: "order") {
            try expect(word: "by")
            repeat { statement.orderBy.append(try orderItem()) } while accept(symbol: ",")
        }
        for _ in 0..<2 {
            if accept(word: "limit") { statement.limit = try expression() }
            if accept(word: "offset") { statement.offset = try expression() }
        }
        for word in ["union", "except", "intersect"] where isWord(word) { throw error("\(word.uppercased()) is not supported") }
        return statement
    }

    mutating func selectItem() throws(CortexError) -> SelectItem {
        let position = current.position
        if accept(symbol: "*") { return SelectItem(.star(qualifier: nil), position: position) }
        if case .word(let word) = current.kind, !reservedWords.contains(word), tokens[index + 1].kind == .symbol("."),
            tokens[min(index + 2, tokens.count - 1)].kind == .symbol("*")
        {
            index += 3
            return SelectItem(.star(qualifier: word), position: position)
        }
        let value = try expression()
        var alias: String?
        if accept(word: "as") {
            alias = try identifier("an alias")
        } else if case .word(let word) = current.kind, !reservedWords.contains(word) {
            alias = try identifier()
        } else if case .quotedIdentifier = current.kind {
            alias = try identifier()
        }
        return SelectItem(.expression(value, alias: alias), position: position)
    }

    mutating func orderItem() throws(CortexError) -> OrderItem {
        let value = try expression()
        var descending = false
        if accept(word: "desc") { descending = true } else { _ = accept(word: "asc") }
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
        return OrderItem(expression: value, isDescending: descending, nullsFirst: nullsFirst)
    }

    mutating func createTable() throws(CortexError) -> CreateTableStatement {
        let start = current.position
        try expect(word: "create")
        try expect(word: "table")
        var ifNotExists = false
        if accept(word: "if") {
            try expect(word: "not")
            guard accept(word: "exists") else { throw expected("EXISTS") }
            ifNotExists = true
        }
        let name = try identifier("a table name")
        try expect(symbol: "(")
        var columns: [ColumnDefinition] = []
        repeat {
            let columnName = try identifier("a column name")
            let typePosition = current.position
            guard case .word(let typeWord) = current.kind else { throw expected("a type name") }
            advance()
            var nullable = true
            if accept(word: "not") {
                try expect(word: "null")
                nullable = false
            } else {
                _ = accept(word: "null")
            }
            columns.append(ColumnDefinition(name: columnName, type: TypeName(name: typeWord, position: typePosition), isNullable: nullable))
        } while accept(symbol: ",")
        try expect(symbol: ")")
        var options: [String: String] = [:]
        if accept(word: "with") {
            try expect(symbol: "(")
            repeat {
                let key = try identifier("an option name").lowercased()
                try expect(symbol: "=")
                switch current.kind {
                case .string(let value), .quotedIdentifier(let value): options[key] = value
                case .word(let value): options[key] = value
                default: throw expected("an option value")
                }
                advance()
            } while accept(symbol: ",")
            try expect(symbol: ")")
        }
        return CreateTableStatement(name: name, ifNotExists: ifNotExists, columns: columns, options: options, position: start)
    }
}
