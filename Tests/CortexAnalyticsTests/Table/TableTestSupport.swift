@testable import CortexAnalytics
import CortexCore

/// Rows of a scan rendered as text ("NULL" for nulls), for comparisons in tests.
func scannedRows(_ source: any ScanSource, _ request: ScanRequest = ScanRequest(tenant: nil)) throws -> [[String]] {
    var rows: [[String]] = []
    for unit in try source.scanUnits(for: request) {
        try unit.forEachBlock(request) { (block: any ColumnBlock) throws(CortexError) in
            let columns = try source.schema.columns.indices.map { (index: Int) throws(CortexError) -> ColumnVector in try block.column(index) }
            for row in 0..<block.rowCount { rows.append(columns.map { render($0, row) }) }
        }
    }
    return rows
}

func render(_ column: ColumnVector, _ row: Int) -> String {
    if column.isNull(row) { return "NULL" }
    switch column.values {
    case .int64(let values): return String(values[row])
    case .float64(let values): return String(values[row])
    case .string(let codes, let dictionary): return dictionary.string(for: codes[row])
    }
}

/// Rows given as text back into column vectors of `schema` ("NULL" = null).
func columns(_ rows: [[String]], schema: TableSchema) -> [ColumnVector] {
    schema.columns.enumerated().map { index, column in
        let validity = ContiguousArray(rows.map { $0[index] != "NULL" })
        let hasNulls = validity.contains(false)
        switch column.type {
        case .float64:
            return ColumnVector(.float64(ContiguousArray(rows.map { Double($0[index]) ?? 0 })), validity: hasNulls ? validity : nil)
        case .string:
            let dictionary = StringDictionary()
            let codes = ContiguousArray(rows.map { dictionary.code(for: $0[index] == "NULL" ? "" : $0[index]) })
            return ColumnVector(.string(codes, dictionary), validity: hasNulls ? validity : nil)
        default:
            return ColumnVector(.int64(ContiguousArray(rows.map { Int64($0[index]) ?? 0 })), validity: hasNulls ? validity : nil)
        }
    }
}
