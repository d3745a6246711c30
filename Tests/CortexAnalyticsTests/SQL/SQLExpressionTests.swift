import CortexAnalytics
import CortexCore
import Testing

@Suite struct SQLExpressionTests {
    @Test(arguments: [
        ("a OR b AND NOT c = d", "(a OR (b AND (NOT (c = d))))"),
        ("-x % 3", "((- x) % 3)"),
        ("a || b || c", "((a || b) || c)"),
        ("a + b * c - d / e", "((a + (b * c)) - (d / e))"),
        ("a // 2 + 1", "((a // 2) + 1)"),
        ("a || b = c", "((a || b) = c)"),
        ("1 - -2", "(1 - (- 2))"),
        ("+a", "(+ a)"),
        ("a != b", "(a <> b)"),
        ("a == b", "(a = b)"),
        ("x NOT BETWEEN 1 AND 2 AND y", "((x NOT BETWEEN 1 AND 2) AND y)"),
        ("x BETWEEN a + 1 AND b || c", "(x BETWEEN (a + 1) AND (b || c))"),
        ("x IN (1, 2, 3)", "(x IN (1, 2, 3))"),
        ("x NOT IN ('a')", "(x NOT IN ('a'))"),
        ("x IS NULL OR y IS NOT NULL", "((x IS NULL) OR (y IS NOT NULL))"),
        ("name LIKE 'a%' AND name NOT ILIKE '%B'", "((name LIKE 'a%') AND (name NOT ILIKE '%B'))"),
        ("NOT NOT a", "(NOT (NOT a))"),
        ("(a + b) * c", "((a + b) * c)"),
        ("x::bigint + 1", "(CAST(x AS bigint) + 1)"),
        ("CAST(x AS DOUBLE PRECISION)", "CAST(x AS double)"),
        ("CAST(name AS VARCHAR(20))", "CAST(name AS varchar)"),
        ("e.ts", "e.ts"),
        ("\"Mixed Case\".\"a\"\"b\"", "\"Mixed Case\".\"a\"\"b\""),
        ("CASE WHEN a THEN 1 END", "CASE WHEN a THEN 1 END"),
        ("CASE x WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END", "CASE x WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END"),
        ("count(*)", "count(*)"),
        ("COUNT(DISTINCT user_id)", "count(DISTINCT user_id)"),
        ("now()", "now()"),
        ("current_timestamp", "now()"),
        ("CURRENT_TIMESTAMP - INTERVAL '30 days'", "(now() - INTERVAL '30 day')"),
        ("INTERVAL '1 hour'", "INTERVAL '1 hour'"),
        ("INTERVAL 30 DAY", "INTERVAL '30 day'"),
        ("INTERVAL '2' MINUTES", "INTERVAL '2 minute'"),
        ("INTERVAL (n * 2) HOUR", "INTERVAL ((n * 2)) hour"),
        ("$tenant", "$tenant"),
        ("Upper_Name", "upper_name"),
    ])
    func precedenceAndFormsParseAsExpected(input: String, printed: String) throws {
        #expect(try parseExpression(input).sqlText == printed)
    }

    @Test func literalsOfEveryKind() throws {
        func literal(_ text: String) throws -> Literal? {
            guard case .literal(let literal, _) = try parseExpression(text) else { return nil }
            return literal
        }
        #expect(try literal("42") == .integer(42))
        #expect(try literal("9223372036854775807") == .integer(Int64.max))
        #expect(try literal("1.0") == .float(1.0))
        #expect(try literal(".5") == .float(0.5))
        #expect(try literal("1e3") == .float(1000))
        #expect(try literal("2.5E-2") == .float(0.025))
        #expect(try literal("'it''s'") == .string("it's"))
        #expect(try literal("''") == .string(""))
        #expect(try literal("'héllo ✓'") == .string("héllo ✓"))
        #expect(try literal("TRUE") == .boolean(true))
        #expect(try literal("false") == .boolean(false))
        #expect(try literal("NULL") == .null)
    }

    @Test func quotedIdentifiersKeepCaseAndUnescapeDoubledQuotes() throws {
        let expression = try parseExpression("\"Say \"\"Hi\"\"\"")
        #expect(stripped(expression) == .column(name: "Say \"Hi\"", qualifier: nil, zeroPosition))
    }

    @Test func commentsAndWhitespaceAreSkipped() throws {
        let text = "SELECT -- the key\n\ta /* block\n comment */ AS k\r\nFROM t; -- done"
        let select = try SQLParser.parseSelect(text)
        guard case .expression(let expression, let alias) = select.items[0].kind else { throw CortexError.invalidInput("") }
        #expect(alias == "k")
        #expect(expression.position == SourcePosition(offset: 19, line: 2, column: 2))
    }

    @Test func intervalUnitsAreSingularAndLowerCase() throws {
        for (text, unit) in [("'5 Seconds'", "second"), ("3 WEEKS", "week"), ("'1 month'", "month"), ("10 milliseconds", "millisecond")] {
            guard case .interval(let amount, let parsedUnit, _) = try parseExpression("INTERVAL \(text)") else {
                Issue.record("not an interval: \(text)")
                continue
            }
            #expect(parsedUnit == unit)
            guard case .literal(.integer, _) = amount else {
                Issue.record("amount of \(text) is not an integer literal")
                continue
            }
        }
    }

    @Test func selectClausesAreAllRecognised() throws {
        let text = """
            SELECT *, t.*, a AS x, b y FROM events AS e WHERE a > 1 GROUP BY a, 2 HAVING sum(b) > 0
            ORDER BY x DESC NULLS FIRST, y ASC NULLS LAST, 3 OFFSET 5 LIMIT 10;
            """
        let select = try SQLParser.parseSelect(text)
        #expect(select.items.map(\.kind).prefix(2) == [.star(qualifier: nil), .star(qualifier: "t")])
        #expect(select.from == TableReference(name: "events", alias: "e", position: SourcePosition(offset: 32, line: 1, column: 33)))
        #expect(select.groupBy.map(\.sqlText) == ["a", "2"])
        #expect(select.having?.sqlText == "(sum(b) > 0)")
        #expect(select.orderBy.map(\.nullsFirst) == [true, false, nil])
        #expect(select.orderBy.map(\.isDescending) == [true, false, false])
        #expect(select.limit?.sqlText == "10")
        #expect(select.offset?.sqlText == "5")
        guard case .expression(_, let bareAlias) = select.items[3].kind else { throw CortexError.invalidInput("") }
        #expect(bareAlias == "y")
        #expect(try SQLParser.parseSelect("SELECT a FROM t e").from.alias == "e")
    }

    @Test func parseReturnsCreateTableAndSelect() throws {
        guard case .select = try SQLParser.parse("select 1 from t") else { throw CortexError.invalidInput("") }
        guard case .createTable(let create) = try SQLParser.parse("create table t (a int)") else { throw CortexError.invalidInput("") }
        #expect(create.name == "t")
    }
}
