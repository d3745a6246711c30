import CortexAnalytics
import CortexCore
import Testing

@Suite struct SQLYardstickTests {
    private func select(_ name: String, variant: String? = nil) throws -> SelectStatement {
        let query = try #require(YardstickQueries.all.first { $0.name == name && $0.variant == variant })
        return try SQLParser.parseSelect(query.text)
    }

    @Test func everyYardstickQueryParsesExceptTheWindowFunctionFormOfQ06() throws {
        #expect(YardstickQueries.all.count == 18)
        for query in YardstickQueries.all where !(query.name.hasPrefix("q06") && query.variant == nil) {
            let statement = try SQLParser.parse(query.text)
            guard case .select = statement else {
                Issue.record("\(query.name) is not a SELECT")
                continue
            }
        }
    }

    @Test func theCommonTableExpressionFormOfQ06FailsAtWith() throws {
        let query = try #require(YardstickQueries.all.first { $0.name.hasPrefix("q06") && $0.variant == nil })
        #expect(errorMessage(query.text) == "line 1, column 1: WITH (common table expressions) is not supported")
    }

    @Test func q01GroupsAndOrdersByPosition() throws {
        let q = try select("q01_tenant_daily_30d")
        #expect(q.items.count == 3)
        #expect(q.from.name == "conversations")
        #expect(q.groupBy.map(stripped) == [.literal(.integer(1), zeroPosition)])
        #expect(q.orderBy.count == 1)
        #expect(q.orderBy[0].isDescending == false)
        #expect(q.orderBy[0].nullsFirst == nil)
        #expect(q.whereClause?.sqlText == "(((tenant_id = $tenant) AND (started_at >= $d30_ms)) AND (started_at < $now_ms))")
        guard case .expression(let dayMs, let alias) = q.items[0].kind else { throw CortexError.invalidInput("star") }
        #expect(alias == "day_ms")
        #expect(dayMs.sqlText == "(started_at - (started_at % 86400000))")
        #expect(dayMs.position == SourcePosition(offset: 7, line: 1, column: 8))
    }

    @Test func q03HasCountStarHavingAndDescendingOrder() throws {
        let q = try select("q03_top_patterns_global")
        #expect(q.having?.sqlText == "(count(*) >= 50)")
        #expect(q.orderBy.map(\.isDescending) == [true, false])
        #expect(q.orderBy.map { $0.expression.sqlText } == ["success_rate", "pattern_hash"])
        #expect(q.limit.map(stripped) == .literal(.integer(20), zeroPosition))
        guard case .expression(let rate, "success_rate") = q.items[2].kind else { throw CortexError.invalidInput("item") }
        #expect(rate.sqlText == "avg(CASE WHEN (success_score >= 0.6) THEN 1.0 ELSE 0.0 END)")
    }

    @Test func q07CountsDistinctConversations() throws {
        let q = try select("q07_funnel_per_tenant_30d")
        guard case .expression(let count, "conversations") = q.items[1].kind else { throw CortexError.invalidInput("item") }
        #expect(
            stripped(count)
                == .function(name: "count", arguments: [.column(name: "conversation_id", qualifier: nil, zeroPosition)],
                    isDistinct: true, isStar: false, zeroPosition))
    }

    @Test func q11NestsEpochMsInsideStrftime() throws {
        let q = try select("q11_distinct_users_month")
        guard case .expression(let month, "month") = q.items[1].kind else { throw CortexError.invalidInput("item") }
        #expect(month.sqlText == "strftime(epoch_ms(started_at), '%Y-%m')")
        let polars = try select("q11_distinct_users_month", variant: "polars")
        guard case .expression(let cast, _) = polars.items[1].kind else { throw CortexError.invalidInput("item") }
        #expect(cast.sqlText == "strftime(CAST((started_at * 1000) AS timestamp), '%Y-%m')")
    }

    @Test func q06DuckDBVariantUsesQuantileDisc() throws {
        let q = try select("q06_bot_latency_pctl_day", variant: "duckdb")
        guard case .expression(let p95, "p95") = q.items[3].kind else { throw CortexError.invalidInput("item") }
        #expect(p95.sqlText == "quantile_disc(latency_ms, 0.95)")
        #expect(q.whereClause?.sqlText == "(((event_type = 'bot_message') AND (ts >= $d30_ms)) AND (ts < $now_ms))")
    }
}
