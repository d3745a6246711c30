/// Value types of analytics columns, result columns and SQL parameters (docs/wire-protocol.md §4.11).
/// Raw values are on the wire; never renumber.
public enum AnalyticsType: UInt8, Sendable, CaseIterable {
    /// No value: an all-NULL result column (`NULL` in SQL), or a NULL parameter.
    case null = 0
    /// `i32` (SQL `INTEGER`).
    case int32 = 1
    /// `i64` (SQL `BIGINT`).
    case int64 = 2
    /// `f64` (SQL `DOUBLE`).
    case float64 = 3
    /// `u8`, 0 or 1 (SQL `BOOLEAN`).
    case bool = 4
    /// `i64` milliseconds since the Unix epoch, UTC (SQL `TIMESTAMP`).
    case timestamp = 5
    /// `str` (SQL `VARCHAR`).
    case string = 6

    /// The storage type's name, as in table schemas (`int32`).
    public var name: String {
        switch self {
        case .null: "null"
        case .int32: "int32"
        case .int64: "int64"
        case .float64: "float64"
        case .bool: "bool"
        case .timestamp: "timestamp"
        case .string: "string"
        }
    }

    /// The SQL type name the HTTP API reports for a result column of this type (`INTEGER`).
    public var sqlName: String {
        switch self {
        case .null: "NULL"
        case .int32: "INTEGER"
        case .int64: "BIGINT"
        case .float64: "DOUBLE"
        case .bool: "BOOLEAN"
        case .timestamp: "TIMESTAMP"
        case .string: "VARCHAR"
        }
    }

    /// The type whose ``sqlName`` is `sqlName`, if any.
    public init?(sqlName: String) {
        guard let type = Self.allCases.first(where: { $0.sqlName == sqlName }) else { return nil }
        self = type
    }

    static func decode(from reader: inout PayloadReader, _ field: String) throws(WireError) -> AnalyticsType {
        let start = reader.offset
        let raw = try reader.read(UInt8.self, field)
        guard let type = AnalyticsType(rawValue: raw) else {
            throw .invalidInput("\(reader.context): \(field) at byte \(start) is \(raw); defined types are 0-6")
        }
        return type
    }
}

/// One typed value: a SQL parameter, or a cell of an ``AnalyticsColumn``.
public enum AnalyticsValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case int32(Int32)
    case int64(Int64)
    case float64(Double)
    case bool(Bool)
    /// Milliseconds since the Unix epoch, UTC.
    case timestamp(Int64)
    case string(String)

    public var type: AnalyticsType {
        switch self {
        case .null: .null
        case .int32: .int32
        case .int64: .int64
        case .float64: .float64
        case .bool: .bool
        case .timestamp: .timestamp
        case .string: .string
        }
    }

    public var description: String {
        switch self {
        case .null: "NULL"
        case .int32(let value): String(value)
        case .int64(let value), .timestamp(let value): String(value)
        case .float64(let value): String(value)
        case .bool(let value): String(value)
        case .string(let value): value
        }
    }

    /// The value's bytes after its type tag (nothing for NULL).
    func encodeBody(to writer: inout PayloadWriter) {
        switch self {
        case .null: break
        case .int32(let value): writer.write(value)
        case .int64(let value), .timestamp(let value): writer.write(value)
        case .float64(let value): writer.write(value.bitPattern)
        case .bool(let value): writer.write(UInt8(value ? 1 : 0))
        case .string(let value): writer.write(value)
        }
    }

    static func decodeBody(_ type: AnalyticsType, from reader: inout PayloadReader, _ field: String) throws(WireError) -> AnalyticsValue {
        switch type {
        case .null: return .null
        case .int32: return .int32(try reader.read(Int32.self, field))
        case .int64: return .int64(try reader.read(Int64.self, field))
        case .float64: return .float64(Double(bitPattern: try reader.read(UInt64.self, field)))
        case .timestamp: return .timestamp(try reader.read(Int64.self, field))
        case .string: return .string(try reader.readString(field))
        case .bool: return .bool(try reader.readBool(field))
        }
    }
}

/// The present values of a column, densely, in row order (no slot for a NULL).
///
/// Typed arrays rather than ``AnalyticsValue``s, so a decoded column takes about as many bytes in memory as on the wire.
public enum AnalyticsColumnValues: Sendable, Equatable {
    case null
    case int32([Int32])
    case int64([Int64])
    case float64([Double])
    case bool([Bool])
    case timestamp([Int64])
    case string([String])

    public var type: AnalyticsType {
        switch self {
        case .null: .null
        case .int32: .int32
        case .int64: .int64
        case .float64: .float64
        case .bool: .bool
        case .timestamp: .timestamp
        case .string: .string
        }
    }

    public var count: Int {
        switch self {
        case .null: 0
        case .int32(let values): values.count
        case .int64(let values), .timestamp(let values): values.count
        case .float64(let values): values.count
        case .bool(let values): values.count
        case .string(let values): values.count
        }
    }

    /// The `index`th present value.
    public subscript(index: Int) -> AnalyticsValue {
        switch self {
        case .null: preconditionFailure("a null column has no values")
        case .int32(let values): .int32(values[index])
        case .int64(let values): .int64(values[index])
        case .timestamp(let values): .timestamp(values[index])
        case .float64(let values): .float64(values[index])
        case .bool(let values): .bool(values[index])
        case .string(let values): .string(values[index])
        }
    }

    /// The values of `present` (none `.null`, all of `type`) as one typed array.
    init(_ type: AnalyticsType, _ present: [AnalyticsValue]) {
        func typed<T>(_ extract: (AnalyticsValue) -> T?) -> [T] {
            present.map { value in
                guard let typed = extract(value) else { preconditionFailure("a \(type.name) column cannot hold \(value.type.name)") }
                return typed
            }
        }
        switch type {
        case .null:
            precondition(present.isEmpty, "a null column holds no values")
            self = .null
        case .int32: self = .int32(typed { if case .int32(let value) = $0 { value } else { nil } })
        case .int64: self = .int64(typed { if case .int64(let value) = $0 { value } else { nil } })
        case .float64: self = .float64(typed { if case .float64(let value) = $0 { value } else { nil } })
        case .bool: self = .bool(typed { if case .bool(let value) = $0 { value } else { nil } })
        case .timestamp: self = .timestamp(typed { if case .timestamp(let value) = $0 { value } else { nil } })
        case .string: self = .string(typed { if case .string(let value) = $0 { value } else { nil } })
        }
    }

    /// Reads `count` values of `type` (the caller checked that `count` bytes at least remain).
    static func decode(_ type: AnalyticsType, count: Int, from reader: inout PayloadReader, _ field: String) throws(WireError) -> Self {
        func read<T>(_ one: (inout PayloadReader) throws(WireError) -> T) throws(WireError) -> [T] {
            var values: [T] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try one(&reader)) }
            return values
        }
        switch type {
        case .null: return .null
        case .int32: return .int32(try read { (reader) throws(WireError) in try reader.read(Int32.self, field) })
        case .int64: return .int64(try read { (reader) throws(WireError) in try reader.read(Int64.self, field) })
        case .timestamp: return .timestamp(try read { (reader) throws(WireError) in try reader.read(Int64.self, field) })
        case .float64: return .float64(try read { (reader) throws(WireError) in Double(bitPattern: try reader.read(UInt64.self, field)) })
        case .bool: return .bool(try read { (reader) throws(WireError) in try reader.readBool(field) })
        case .string: return .string(try read { (reader) throws(WireError) in try reader.readString(field) })
        }
    }

    func encode(to writer: inout PayloadWriter) {
        switch self {
        case .null: break
        case .int32(let values): for value in values { writer.write(value) }
        case .int64(let values), .timestamp(let values): for value in values { writer.write(value) }
        case .float64(let values): for value in values { writer.write(value.bitPattern) }
        case .bool(let values): for value in values { writer.write(UInt8(value ? 1 : 0)) }
        case .string(let values): for value in values { writer.write(value) }
        }
    }
}

/// One column of an ``AnalyticsBatch``: a name, a type, which rows hold a value, and those values.
///
/// Layout as on the wire (§4.11): `validity` is the bitmap, bit `i % 8` of byte `i / 8` set when row
/// `i` holds a value; `presentValues` holds the present rows' values only, in row order, so a NULL
/// costs one bit.
public struct AnalyticsColumn: Sendable, Equatable {
    public var name: String
    public private(set) var rowCount: Int
    /// ⌈rowCount / 8⌉ bytes; bits past `rowCount` are 0.
    public private(set) var validity: [UInt8]
    /// One value per set bit of `validity`.
    public private(set) var presentValues: AnalyticsColumnValues

    public var type: AnalyticsType { presentValues.type }

    /// A column from one value per row (`.null` for NULL); every other value must be of `type`.
    public init(name: String, type: AnalyticsType, values: [AnalyticsValue]) {
        self.name = name
        rowCount = values.count
        validity = [UInt8](repeating: 0, count: (values.count + 7) / 8)
        for (row, value) in values.enumerated() where value != .null {
            validity[row / 8] |= 1 << UInt8(row % 8)
        }
        presentValues = AnalyticsColumnValues(type, values.filter { $0 != .null })
    }

    /// Whether row `row` holds a value.
    public func isPresent(_ row: Int) -> Bool {
        precondition(row >= 0 && row < rowCount, "row \(row) outside 0..<\(rowCount)")
        return validity[row / 8] & (1 << UInt8(row % 8)) != 0
    }

    /// One value per row, `.null` where the bitmap has no bit.
    public var values: [AnalyticsValue] {
        var result: [AnalyticsValue] = []
        result.reserveCapacity(rowCount)
        var next = 0
        for row in 0..<rowCount {
            if isPresent(row) {
                result.append(presentValues[next])
                next += 1
            } else {
                result.append(.null)
            }
        }
        return result
    }

    func encode(to writer: inout PayloadWriter) {
        writer.write(name)
        writer.write(type.rawValue)
        writer.write(raw: validity)
        presentValues.encode(to: &writer)
    }

    static func decode(from reader: inout PayloadReader, rowCount: Int) throws(WireError) -> AnalyticsColumn {
        let name = try reader.readString("column name")
        let label = "column '\(name.prefix(64))'"
        let type = try AnalyticsType.decode(from: &reader, "type of \(label)")
        let bitmapByteCount = (rowCount + 7) / 8
        guard reader.remainingByteCount >= bitmapByteCount else {
            throw .invalidInput("\(reader.context): validity of \(label) at byte \(reader.offset) needs \(bitmapByteCount) bytes; \(reader.remainingByteCount) left")
        }
        var validity: [UInt8] = []
        validity.reserveCapacity(bitmapByteCount)
        for _ in 0..<bitmapByteCount { validity.append(try reader.read(UInt8.self, "validity")) }
        // A canonical encoding: bits past the last row are 0, so equal batches have equal bytes.
        if rowCount % 8 != 0, let last = validity.last, last >> UInt8(rowCount % 8) != 0 {
            throw .invalidInput("\(reader.context): validity of \(label) sets bits past row \(rowCount - 1)")
        }
        let presentCount = validity.reduce(0) { $0 + $1.nonzeroBitCount }
        if type == .null, presentCount > 0 {
            throw .invalidInput("\(reader.context): \(label) has type null but \(presentCount) values")
        }
        // Each value takes at least one byte, so the reservation is bounded by the payload.
        guard presentCount <= reader.remainingByteCount else {
            throw .invalidInput("\(reader.context): \(label) has \(presentCount) values at byte \(reader.offset); only \(reader.remainingByteCount) bytes left")
        }
        let values = try AnalyticsColumnValues.decode(type, count: presentCount, from: &reader, "value of \(label)")
        return AnalyticsColumn(name: name, rowCount: rowCount, validity: validity, presentValues: values)
    }

    private init(name: String, rowCount: Int, validity: [UInt8], presentValues: AnalyticsColumnValues) {
        self.name = name
        self.rowCount = rowCount
        self.validity = validity
        self.presentValues = presentValues
    }
}

/// Rows stored column by column: what ANALYTICS_APPEND sends and ANALYTICS_SQL returns (§4.11).
public struct AnalyticsBatch: Sendable, Equatable {
    public let rowCount: Int
    public let columns: [AnalyticsColumn]

    /// Every column must have `rowCount` rows.
    public init(rowCount: Int, columns: [AnalyticsColumn]) {
        for column in columns {
            precondition(column.rowCount == rowCount, "column \(column.name) has \(column.rowCount) rows; the batch has \(rowCount)")
        }
        self.rowCount = rowCount
        self.columns = columns
    }

    /// The rows, each one value per column.
    public var rows: [[AnalyticsValue]] {
        let columnValues = columns.map(\.values)
        return (0..<rowCount).map { row in columnValues.map { $0[row] } }
    }

    /// The first column called `name` (exact match).
    public func column(named name: String) -> AnalyticsColumn? {
        columns.first { $0.name == name }
    }

    func encode(to writer: inout PayloadWriter) {
        writer.write(UInt32(clamping: rowCount))
        writer.write(UInt32(clamping: columns.count))
        for column in columns { column.encode(to: &writer) }
    }

    /// Decodes a batch whose row count is at most `rowCountMax` and column count at most `columnCountMax`
    /// (over either: `too_large`, before anything is reserved).
    static func decode(from reader: inout PayloadReader, rowCountMax: Int, columnCountMax: Int) throws(WireError) -> AnalyticsBatch {
        let rowCount = try reader.readCount("row count", limit: rowCountMax, minimumEntryByteCount: 0)
        // Smallest column: name count, type, bitmap.
        let columnCount = try reader.readCount("column count", limit: columnCountMax, minimumEntryByteCount: 4 + 1 + (rowCount + 7) / 8)
        var columns: [AnalyticsColumn] = []
        columns.reserveCapacity(columnCount)
        for _ in 0..<columnCount { columns.append(try AnalyticsColumn.decode(from: &reader, rowCount: rowCount)) }
        return AnalyticsBatch(rowCount: rowCount, columns: columns)
    }
}

/// ANALYTICS_APPEND payload (§4.11.1): rows for one of the analytics tables.
public struct AnalyticsAppendRequest: Sendable, Equatable {
    /// `events` or `conversations`.
    public var table: String
    public var batch: AnalyticsBatch

    public init(table: String, batch: AnalyticsBatch) {
        self.table = table
        self.batch = batch
    }
}

/// ANALYTICS_SQL payload (§4.11.2): a SELECT and the values of its `$name` parameters.
public struct AnalyticsSQLRequest: Sendable, Equatable {
    public var sql: String
    /// In the order sent; names without the `$`, unique.
    public var parameters: [(name: String, value: AnalyticsValue)]

    public init(sql: String, parameters: [(name: String, value: AnalyticsValue)] = []) {
        self.sql = sql
        self.parameters = parameters
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.sql == rhs.sql && lhs.parameters.elementsEqual(rhs.parameters) { $0.name == $1.name && $0.value == $1.value }
    }

    func encode(to writer: inout PayloadWriter) {
        writer.write(sql)
        writer.write(UInt32(clamping: parameters.count))
        for (name, value) in parameters {
            writer.write(name)
            writer.write(value.type.rawValue)
            value.encodeBody(to: &writer)
        }
    }

    static func decode(from reader: inout PayloadReader, limits: WireLimits) throws(WireError) -> AnalyticsSQLRequest {
        let start = reader.offset
        let sql = try reader.readString("sql")
        let sqlByteCount = sql.utf8.count
        guard sqlByteCount > 0 else { throw .invalidInput("\(reader.context): sql at byte \(start) is empty") }
        guard sqlByteCount <= limits.sqlByteCountMax else {
            throw .tooLarge("\(reader.context): sql is \(sqlByteCount) bytes; the limit is \(limits.sqlByteCountMax)")
        }
        // Smallest parameter: name count, one name byte, type.
        let count = try reader.readCount("parameter count", limit: limits.parameterCountMax, minimumEntryByteCount: 4 + 1 + 1)
        var parameters: [(name: String, value: AnalyticsValue)] = []
        parameters.reserveCapacity(count)
        var seen = Set<String>()
        for _ in 0..<count {
            let nameStart = reader.offset
            let name = try reader.readString("parameter name")
            guard (1...64).contains(name.utf8.count) else {
                throw .invalidInput("\(reader.context): parameter name at byte \(nameStart) is \(name.utf8.count) bytes; it must be 1-64")
            }
            guard seen.insert(name).inserted else { throw .invalidInput("\(reader.context): parameter $\(name) appears twice") }
            let type = try AnalyticsType.decode(from: &reader, "type of $\(name)")
            parameters.append((name, try AnalyticsValue.decodeBody(type, from: &reader, "value of $\(name)")))
        }
        return AnalyticsSQLRequest(sql: sql, parameters: parameters)
    }
}

extension PayloadReader {
    /// A `u8` that must be 0 (false) or 1 (true).
    mutating func readBool(_ field: String) throws(WireError) -> Bool {
        let start = offset
        switch try read(UInt8.self, field) {
        case 0: return false
        case 1: return true
        case let other: throw .invalidInput("\(context): \(field) at byte \(start) is \(other); a bool is 0 or 1")
        }
    }
}
