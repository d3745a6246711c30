import CortexAnalytics
import CortexCore
import Testing

@Suite struct SQLCreateTableTests {
    private func createTable(_ text: String) throws -> CreateTableStatement {
        guard case .createTable(let statement) = try SQLParser.parse(text) else { throw CortexError.invalidInput("not CREATE TABLE") }
        return statement
    }

    private func schemaError(_ text: String) -> String {
        do {
            _ = try TableSchema(try createTable(text))
            return "no error"
        } catch let error as CortexError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func theEventsTableRoundTripsThroughCreateTable() throws {
        let text = """
            CREATE TABLE IF NOT EXISTS events (
                tenant_id INTEGER NOT NULL,
                conversation_id BIGINT NOT NULL,
                ts TIMESTAMP NOT NULL,
                event_type VARCHAR NOT NULL,
                channel TEXT NULL,
                pattern_hash INT8,
                latency_ms INT,
                tokens_in INT4,
                tokens_out INT32,
                rating integer,
                country string
            ) WITH (tenant = tenant_id, time = "ts", cluster = 'conversation_id, ts');
            """
        let statement = try createTable(text)
        #expect(statement.ifNotExists)
        #expect(statement.options == ["tenant": "tenant_id", "time": "ts", "cluster": "conversation_id, ts"])
        #expect(statement.columns[4] == ColumnDefinition(
            name: "channel", type: TypeName(name: "text", position: SourcePosition(offset: 177, line: 6, column: 13)), isNullable: true))
        #expect(try TableSchema(statement) == TableSchema.events)
    }

    @Test func sqlTypeNamesMapToColumnTypes() {
        let cases: [(String, ColumnType?)] = [
            ("integer", .int32), ("INT", .int32), ("int4", .int32), ("int32", .int32),
            ("bigint", .int64), ("int8", .int64), ("int64", .int64), ("long", .int64),
            ("double", .float64), ("float8", .float64), ("float", .float64), ("real", .float64), ("float64", .float64),
            ("boolean", .bool), ("bool", .bool), ("timestamp", .timestamp),
            ("varchar", .string), ("text", .string), ("STRING", .string), ("blob", nil), ("", nil),
        ]
        for (name, type) in cases { #expect(ColumnType(sqlTypeName: name) == type, "\(name)") }
    }

    @Test func schemaErrorsPointAtPositions() {
        #expect(schemaError("CREATE TABLE t (a int NOT NULL,\n  b blob)") == "line 2, column 5: unknown column type 'blob'")
        #expect(schemaError("CREATE TABLE t (a int NOT NULL)") == "line 1, column 1: CREATE TABLE t needs WITH (tenant = <column>)")
        #expect(schemaError("CREATE TABLE t (a int NOT NULL) WITH (tenant = a)") == "line 1, column 1: CREATE TABLE t needs WITH (time = <column>)")
        #expect(
            schemaError("CREATE TABLE t (a int NOT NULL) WITH (tenant = a, time = a, colour = 'red')")
                == "line 1, column 1: unknown table option 'colour'; expected tenant, time or cluster")
        #expect(
            schemaError("  CREATE TABLE t (a int NOT NULL, ts timestamp) WITH (tenant = a, time = ts)")
                == "line 1, column 3: time column 'ts' must be a NOT NULL timestamp or int64")
        #expect(
            schemaError("CREATE TABLE t (a int NOT NULL, ts bigint NOT NULL) WITH (tenant = a, time = ts, cluster = 'b')")
                == "line 1, column 1: table t has no cluster column 'b'")
    }

    @Test func createTableSyntaxErrors() {
        #expect(errorMessage("CREATE TABLE t ()") == "line 1, column 17: expected a column name, found ')'")
        #expect(errorMessage("CREATE TABLE t (a)") == "line 1, column 18: expected a type name, found ')'")
        #expect(errorMessage("CREATE t (a int)") == "line 1, column 8: expected TABLE, found 't'")
        #expect(errorMessage("CREATE TABLE t (a int NOT)") == "line 1, column 26: expected NULL, found ')'")
        #expect(errorMessage("CREATE TABLE t (a int) WITH (tenant = a, Tenant = a)") == "line 1, column 42: option 'tenant' appears twice")
        #expect(errorMessage("CREATE TABLE t (a int PRIMARY KEY)") == "line 1, column 23: column constraint PRIMARY is not supported")
    }
}
