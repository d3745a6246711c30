package import CortexAnalytics
import CortexCore
package import CortexWire

/// Translations between the wire's analytics messages (docs/wire-protocol.md §4.11) and the analytics engine.
package enum WireAnalytics {
    /// The batch as rows for ``AnalyticsAccess/append(_:to:tenant:)``, after the checks a typed,
    /// columnar batch allows before any row is looked at: every column exists in `schema`, appears
    /// once, is not the tenant column, and has exactly its type. `.invalidInput` naming the column otherwise.
    static func rows(_ batch: AnalyticsBatch, schema: TableSchema) throws(CortexError) -> [[(String, IngestValue)]] {
        var seen = Set<String>()
        for column in batch.columns {
            try AnalyticsAccess.refuseTenantColumn(column.name, at: "column \(column.name)")
            guard let index = schema.columnIndex(named: column.name) else {
                throw .invalidInput("table \(schema.name) has no column '\(column.name.prefix(64))'")
            }
            guard seen.insert(column.name.lowercased()).inserted else {
                throw .invalidInput("column \(column.name) appears twice in the batch")
            }
            let expected = schema.columns[index].type
            guard column.type.rawValue == wireType(expected).rawValue else {
                throw .invalidInput("column \(column.name) is \(expected.rawValue); the batch sends it as \(column.type.name)")
            }
        }
        let columnValues = batch.columns.map(\.values)
        return (0..<batch.rowCount).map { row in
            zip(batch.columns, columnValues).map { column, values in (column.name, ingestValue(values[row])) }
        }
    }

    /// The wire type a column of `type` is sent as (also used by `cortex load --server`).
    package static func wireType(_ type: ColumnType) -> AnalyticsType {
        switch type {
        case .int32: .int32
        case .int64: .int64
        case .float64: .float64
        case .bool: .bool
        case .timestamp: .timestamp
        case .string: .string
        }
    }

    static func ingestValue(_ value: AnalyticsValue) -> IngestValue {
        switch value {
        case .null: .null
        case .int32(let integer): .integer(Int64(integer))
        case .int64(let integer), .timestamp(let integer): .integer(integer)
        case .float64(let double): .double(double)
        case .bool(let flag): .bool(flag)
        case .string(let text): .string(text)
        }
    }

    /// `$name` values for the engine.
    static func parameters(_ parameters: [(name: String, value: AnalyticsValue)]) -> [String: Value] {
        var values: [String: Value] = [:]
        for (name, value) in parameters {
            values[name] = switch value {
            case .null: .null
            case .int32(let integer): .int(Int64(integer))
            case .int64(let integer): .int(integer)
            case .timestamp(let milliseconds): .timestamp(milliseconds)
            case .float64(let double): .double(double)
            case .bool(let flag): .bool(flag)
            case .string(let text): .string(text)
            }
        }
        return values
    }

    /// A query result column by column, each column typed by its SQL type (`INTEGER` → int32, …).
    ///
    /// The engine produces values of the column's type; a value that does not fit (never seen) is
    /// refused with `.invalidInput` naming the column rather than sent mistyped.
    static func batch(_ result: QueryResult) throws(CortexError) -> AnalyticsBatch {
        var columns: [AnalyticsColumn] = []
        columns.reserveCapacity(result.columns.count)
        for (index, column) in result.columns.enumerated() {
            guard let type = AnalyticsType(sqlName: column.type) else {
                throw .invalidInput("result column \(column.name) has type \(column.type), which the wire protocol cannot carry")
            }
            var values: [AnalyticsValue] = []
            values.reserveCapacity(result.rows.count)
            for (rowIndex, row) in result.rows.enumerated() {
                guard let value = wireValue(row[index], type: type) else {
                    throw .invalidInput("result column \(column.name) is \(column.type) but row \(rowIndex) holds \(row[index]); add a CAST")
                }
                values.append(value)
            }
            columns.append(AnalyticsColumn(name: column.name, type: type, values: values))
        }
        return AnalyticsBatch(rowCount: result.rows.count, columns: columns)
    }

    private static func wireValue(_ value: Value, type: AnalyticsType) -> AnalyticsValue? {
        switch (value, type) {
        case (.null, _): .null
        case (.int(let integer), .int32): Int32(exactly: integer).map { .int32($0) }
        case (.int(let integer), .int64): .int64(integer)
        case (.double(let double), .float64): .float64(double)
        case (.bool(let flag), .bool): .bool(flag)
        case (.timestamp(let milliseconds), .timestamp): .timestamp(milliseconds)
        case (.string(let text), .string): .string(text)
        default: nil
        }
    }
}
