public import CortexCore

/// Hand-written recursive-descent parser for the SQL subset (docs/analytics-sql.md).
///
/// Every syntax error is `.invalidInput` whose message starts with the position
/// (`line 2, column 7: expected an expression, found 'FROM'`).
public enum SQLParser {
    /// Parses exactly one statement (an optional trailing `;` is allowed).
    ///
    /// - Throws: `.tooLarge` when the text is longer than
    ///   ``AnalyticsLimits/sqlByteCountMax`` bytes; `.invalidInput` with a position
    ///   for syntax errors, unsupported constructs and nesting deeper than
    ///   ``AnalyticsLimits/expressionDepthMax``. Cost: linear in the text.
    public static func parse(_ text: String) throws(CortexError) -> Statement {
        var parser = try SQLParserState(text)
        let statement = try parser.parseStatement()
        try parser.expectEndOfStatement()
        return statement
    }

    /// Parses one SELECT; any other statement is an error.
    ///
    /// - Throws: as ``parse(_:)``; `.invalidInput` when the statement is not a SELECT.
    public static func parseSelect(_ text: String) throws(CortexError) -> SelectStatement {
        var parser = try SQLParserState(text)
        guard parser.current.isWord("select") || parser.current.isWord("with") else {
            throw parser.expected("SELECT")
        }
        let statement = try parser.parseSelect()
        try parser.expectEndOfStatement()
        return statement
    }
}

/// The state of one parse: the token list and a cursor into it.
struct SQLParserState {
    var tokens: [SQLToken]
    var index = 0
    /// Current expression nesting; bounded by ``AnalyticsLimits/expressionDepthMax``.
    var depth = 0

    init(_ text: String) throws(CortexError) {
        let byteCount = text.utf8.count
        guard byteCount <= AnalyticsLimits.sqlByteCountMax else {
            throw .tooLarge("SQL text is \(byteCount) bytes; the limit is \(AnalyticsLimits.sqlByteCountMax)")
        }
        tokens = try SQLLexer.tokenize(text)
    }

    var current: SQLToken { tokens[index] }

    func peek(_ ahead: Int = 1) -> SQLToken { tokens[min(index + ahead, tokens.count - 1)] }

    mutating func advance() -> SQLToken {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    /// Consumes the keyword if it is next.
    mutating func accept(word: String) -> Bool {
        guard current.isWord(word) else { return false }
        index += 1
        return true
    }

    /// Consumes the symbol if it is next.
    mutating func accept(symbol: String) -> Bool {
        guard current.isSymbol(symbol) else { return false }
        index += 1
        return true
    }

    mutating func expect(word: String) throws(CortexError) {
        guard accept(word: word) else { throw expected(word.uppercased()) }
    }

    mutating func expect(symbol: String) throws(CortexError) {
        guard accept(symbol: symbol) else { throw expected("'\(symbol)'") }
    }

    /// `line L, column C: expected <what>, found <current token>`.
    func expected(_ what: String) -> CortexError {
        .invalidInput("\(current.position): expected \(what), found \(current.quoted)")
    }

    /// `line L, column C: <construct> is not supported` (`are` for plural constructs).
    func unsupported(_ construct: String, verb: String = "is", at token: SQLToken) -> CortexError {
        .invalidInput("\(token.position): \(construct) \(verb) not supported")
    }

    /// Enters one level of expression nesting.
    mutating func descend(at token: SQLToken) throws(CortexError) {
        depth += 1
        guard depth <= AnalyticsLimits.expressionDepthMax else {
            throw .invalidInput(
                "\(token.position): expression nesting is deeper than the limit of \(AnalyticsLimits.expressionDepthMax) levels")
        }
    }

    mutating func parseStatement() throws(CortexError) -> Statement {
        if current.isWord("create") { return .createTable(try parseCreateTable()) }
        if current.isWord("select") || current.isWord("with") { return .select(try parseSelect()) }
        throw expected("SELECT or CREATE TABLE")
    }

    mutating func expectEndOfStatement() throws(CortexError) {
        if current.isWord("union") || current.isWord("except") || current.isWord("intersect") {
            throw unsupported(current.value.uppercased(), at: current)
        }
        _ = accept(symbol: ";")
        guard current.kind == .end else { throw expected("end of statement") }
    }

    /// Words that cannot be bare identifiers or aliases (quote them to use them as names).
    static let reservedWords: Set<String> = [
        "all", "and", "as", "asc", "between", "by", "case", "cast", "create", "cross", "desc", "distinct", "else",
        "end", "except", "exists", "false", "from", "full", "group", "having", "ilike", "in", "inner", "intersect",
        "interval", "is", "join", "left", "like", "limit", "natural", "not", "null", "offset", "on", "or", "order",
        "outer", "over", "right", "select", "table", "then", "true", "union", "using", "when", "where", "window", "with",
    ]

    /// A name: an unreserved word (lower-cased) or a quoted identifier (as written).
    mutating func parseName(_ what: String) throws(CortexError) -> String {
        switch current.kind {
        case .word where !Self.reservedWords.contains(current.value), .quotedIdentifier:
            return advance().value
        default:
            throw expected(what)
        }
    }

    /// An optional `[AS] alias`; a bare alias must be an unreserved word.
    mutating func parseAlias() throws(CortexError) -> String? {
        if accept(word: "as") { return try parseName("an alias") }
        switch current.kind {
        case .word where !Self.reservedWords.contains(current.value), .quotedIdentifier:
            return advance().value
        default:
            return nil
        }
    }
}
