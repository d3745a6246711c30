import CortexAnalytics
import CortexCore
import Testing

@Suite struct SchemaTests {
    @Test func builtInTablesNameTheirTenantAndTimeColumns() {
        #expect(TableSchema.events.columns[TableSchema.events.tenantColumn].name == "tenant_id")
        #expect(TableSchema.events.columns[TableSchema.events.timeColumn].name == "ts")
        #expect(TableSchema.conversations.columns[TableSchema.conversations.timeColumn].name == "started_at")
        #expect(TableSchema.events.columnIndex(named: "EVENT_TYPE") == 3)
    }

    @Test func aNullableTenantColumnIsRejected() {
        #expect(throws: CortexError.invalidInput("tenant column 't' must be a NOT NULL int32 or int64")) {
            try TableSchema(
                name: "x", columns: [ColumnSchema("t", .int64), ColumnSchema("ts", .timestamp, nullable: false)],
                tenantColumn: "t", timeColumn: "ts")
        }
    }

    @Test func duplicateColumnNamesAreRejectedWhateverTheirCase() {
        #expect(throws: CortexError.invalidInput("column 'A' appears twice in table x")) {
            try TableSchema(name: "x", columns: [ColumnSchema("a", .int64), ColumnSchema("A", .int64)], tenantColumn: "a", timeColumn: "a")
        }
    }
}
