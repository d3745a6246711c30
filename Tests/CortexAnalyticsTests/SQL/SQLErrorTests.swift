import CortexAnalytics
import CortexCore
import Testing

@Suite struct SQLErrorTests {
    @Test(arguments: [
        ("SELECT a,\nFROM t", "line 2, column 1: expected an expression, found 'FROM'"),
        ("SELECT a\nFROM t\nWHERE", "line 3, column 6: expected an expression, found end of input"),
        ("SELECT 'abc FROM t", "line 1, column 8: unterminated string literal"),
        ("SELECT # FROM t", "line 1, column 8: unexpected character '#'"),
        ("SELECT 1 FROM t;\nSELECT 2 FROM t", "line 2, column 1: expected end of statement, found 'SELECT'"),
        ("SELECT 'é✓' AS \"ü\", § FROM t", "line 1, column 21: unexpected character '§'"),
        ("SELECT 'ü',\n  'ö' + FROM t", "line 2, column 9: expected an expression, found 'FROM'"),
        ("SELECT a FROM", "line 1, column 14: expected a table name, found end of input"),
        ("SELECT a t", "line 1, column 11: expected FROM, found end of input"),
        ("SELECT a FROM t WHERE (a = 1", "line 1, column 29: expected ')', found end of input"),
        ("SELECT \"abc FROM t", "line 1, column 8: unterminated quoted identifier"),
        ("SELECT /* a FROM t", "line 1, column 8: unterminated comment"),
        ("SELECT 99999999999999999999 FROM t", "line 1, column 8: integer literal 99999999999999999999 is out of range (at most 9223372036854775807)"),
        ("SELECT CASE a END FROM t", "line 1, column 15: expected WHEN, found 'END'"),
        ("SELECT a FROM t ORDER a", "line 1, column 23: expected BY, found 'a'"),
        ("SELECT a IS 1 FROM t", "line 1, column 13: expected NULL, found '1'"),
        ("SELECT INTERVAL 3 fortnights FROM t", "line 1, column 19: expected an interval unit (millisecond, second, minute, hour, day, week, month, year), found 'fortnights'"),
        ("SELECT INTERVAL 'soon' FROM t", "line 1, column 17: invalid interval 'soon'; expected a whole number and a unit, e.g. '30 days'"),
        ("DELETE FROM t", "line 1, column 1: expected SELECT or CREATE TABLE, found 'DELETE'"),
        ("SELECT 12abc FROM t", "line 1, column 10: unexpected character 'a' after a number"),
        ("SELECT $ FROM t", "line 1, column 8: expected a parameter name after '$'"),
        ("", "line 1, column 1: expected SELECT or CREATE TABLE, found end of input"),
    ])
    func syntaxErrorsNameThePositionWhatWasExpectedAndWhatWasFound(text: String, message: String) {
        let error = parseError { () throws(CortexError) in _ = try SQLParser.parse(text) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message == message)
    }

    @Test(arguments: [
        ("WITH r AS (SELECT 1 FROM t) SELECT * FROM r", "line 1, column 1: WITH (common table expressions) is not supported"),
        ("SELECT a FROM t JOIN u ON t.a = u.a", "line 1, column 17: JOIN is not supported"),
        ("SELECT a FROM t, u", "line 1, column 16: JOIN is not supported"),
        ("SELECT a FROM t LEFT JOIN u ON true", "line 1, column 17: JOIN is not supported"),
        ("SELECT a FROM (SELECT 1 FROM t)", "line 1, column 15: subqueries are not supported"),
        ("SELECT a FROM t WHERE a IN (SELECT b FROM u)", "line 1, column 29: subqueries are not supported"),
        ("SELECT (SELECT 1 FROM u) FROM t", "line 1, column 9: subqueries are not supported"),
        ("SELECT a FROM t UNION SELECT b FROM u", "line 1, column 17: UNION is not supported"),
        ("SELECT row_number() OVER (ORDER BY a) FROM t", "line 1, column 21: window functions (OVER) are not supported"),
        ("SELECT DISTINCT a FROM t", "line 1, column 8: SELECT DISTINCT is not supported"),
    ])
    func unsupportedConstructsAreNamedWithTheirPosition(text: String, message: String) {
        #expect(errorMessage(text) == message)
    }

    @Test func reservedWordsAreNotBareNamesButQuotedOnesAre() throws {
        #expect(errorMessage("SELECT order FROM t") == "line 1, column 8: expected an expression, found 'order'")
        #expect(errorMessage("SELECT a limit FROM t") == "line 1, column 10: expected FROM, found 'limit'")
        let select = try SQLParser.parseSelect("SELECT \"order\" AS \"from\" FROM \"limit\"")
        #expect(select.items[0].kind == .expression(.column(name: "order", qualifier: nil, SourcePosition(offset: 7, line: 1, column: 8)), alias: "from"))
        #expect(select.from.name == "limit")
    }

    @Test func parseSelectRejectsOtherStatements() {
        let error = parseError { () throws(CortexError) in _ = try SQLParser.parseSelect("CREATE TABLE t (a int)") }
        #expect(error == .invalidInput("line 1, column 1: expected SELECT, found 'CREATE'"))
    }

    @Test func positionsCountCharactersAndBytesSeparately() throws {
        let select = try SQLParser.parseSelect("SELECT 'ü✓', x FROM t")
        guard case .expression(let x, _) = select.items[1].kind else { throw CortexError.invalidInput("") }
        #expect(x.position == SourcePosition(offset: 16, line: 1, column: 14))
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let depth = 100_000
        let parentheses = String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)
        let text = "SELECT \(parentheses) FROM t"
        #expect(parseError { () throws(CortexError) in _ = try SQLParser.parse(text) }?.code == .tooLarge)
        let fitting = String(repeating: "(", count: 30_000) + "1" + String(repeating: ")", count: 30_000)
        let limit = AnalyticsLimits.expressionDepthMax
        #expect(
            errorMessage("SELECT \(fitting) FROM t")
                == "line 1, column \(8 + limit): expression nesting is deeper than the limit of \(limit) levels")
        let negations = String(repeating: "- ", count: 30_000) + "1"
        #expect(errorMessage("SELECT \(negations) FROM t").hasSuffix("expression nesting is deeper than the limit of \(limit) levels"))
        let nots = String(repeating: "NOT ", count: 10_000) + "a"
        #expect(errorMessage("SELECT \(nots) FROM t").hasSuffix("expression nesting is deeper than the limit of \(limit) levels"))
        let chain = "1" + String(repeating: " + 1", count: 10_000)
        #expect(errorMessage("SELECT \(chain) FROM t").hasSuffix("expression nesting is deeper than the limit of \(limit) levels"))
    }

    @Test func nestingWithinTheLimitParses() throws {
        let depth = AnalyticsLimits.expressionDepthMax / 2 - 2
        let text = String(repeating: "(", count: depth) + "a" + String(repeating: ")", count: depth)
        #expect(try parseExpression(text).sqlText == "a")
    }

    @Test func oversizeTextIsTooLargeAndNamesTheLimit() {
        let text = "SELECT 1 FROM t " + String(repeating: " ", count: AnalyticsLimits.sqlByteCountMax)
        let error = parseError { () throws(CortexError) in _ = try SQLParser.parse(text) }
        #expect(error == .tooLarge("SQL text is \(text.utf8.count) bytes; the limit is \(AnalyticsLimits.sqlByteCountMax)"))
    }
}
