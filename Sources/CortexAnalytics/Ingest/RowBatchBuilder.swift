public import CortexCore

/// A scalar read from a row-oriented source (JSON, an API request) before it
/// is checked against a column's type.
public enum IngestValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case double(Double)
    case string(String)
    case bool(Bool)
}

/// Builds a column batch for a table row by row, converting each value to its
/// column's type with a clear error naming the row and column.
///
/// Conversions: integers into int32 (range-checked), int64, timestamp
/// (epoch ms), float64; doubles into float64 (and into integer columns only
/// when integral); bools into bool (also 0/1); strings into string columns, and
/// into timestamp columns when they are ISO 8601 UTC (`2025-07-01T12:00:00Z`,
/// optional fraction).
public struct RowBatchBuilder: Sendable {
    public let schema: TableSchema
    private var ints: [ContiguousArray<Int64>]
    private var doubles: [ContiguousArray<Double>]
    private var codes: [ContiguousArray<Int32>]
    private var validity: [ContiguousArray<Bool>]
    private let dictionaries: [StringDictionary?]
    public private(set) var rowCount = 0

    /// - Parameter dictionaries: per column, the dictionary strings are coded in
    ///   (nil entries for string columns get a fresh one).
    public init(schema: TableSchema, dictionaries: [StringDictionary?]? = nil) {
        self.schema = schema
        let count = schema.columns.count
        ints = Array(repeating: [], count: count)
        doubles = Array(repeating: [], count: count)
        codes = Array(repeating: [], count: count)
        validity = Array(repeating: [], count: count)
        self.dictionaries = schema.columns.enumerated().map { index, column in
            column.type == .string ? (dictionaries?[index] ?? StringDictionary()) : nil
        }
    }

    /// Appends one row; `values` maps column names (case-insensitive) to
    /// values; absent columns are null.
    ///
    /// - Throws: `.invalidInput` naming the row (0-based within the batch) and
    ///   the column, for unknown columns, type mismatches and nulls in NOT NULL columns.
    public mutating func append(_ values: [(String, IngestValue)]) throws(CortexError) {
        var row = [IngestValue](repeating: .null, count: schema.columns.count)
        for (name, value) in values {
            guard let index = schema.columnIndex(named: name) else {
                throw .invalidInput("row \(rowCount): table \(schema.name) has no column '\(name)'")
            }
            row[index] = value
        }
        var converted: [(Int64, Double, Int32, Bool)] = []
        for (index, column) in schema.columns.enumerated() {
            converted.append(try convert(row[index], column: column, index: index))
        }
        for (index, value) in converted.enumerated() {
            switch schema.columns[index].type {
            case .float64: doubles[index].append(value.1)
            case .string: codes[index].append(value.2)
            default: ints[index].append(value.0)
            }
            validity[index].append(value.3)
        }
        rowCount += 1
    }

    private func convert(_ value: IngestValue, column: ColumnSchema, index: Int) throws(CortexError) -> (Int64, Double, Int32, Bool) {
        func mismatch() -> CortexError {
            .invalidInput("row \(rowCount): column \(column.name) expects \(column.type.rawValue); got \(value)")
        }
        switch (value, column.type) {
        case (.null, _):
            guard column.isNullable else { throw .invalidInput("row \(rowCount): column \(column.name) is NOT NULL") }
            if column.type == .string, let dictionary = dictionaries[index], dictionary.count == 0 { _ = dictionary.code(for: "") }
            return (0, 0, 0, false)
        case (.integer(let integer), .int32):
            guard integer >= Int64(Int32.min) && integer <= Int64(Int32.max) else {
                throw .invalidInput("row \(rowCount): column \(column.name) is int32; \(integer) is out of range")
            }
            return (integer, 0, 0, true)
        case (.integer(let integer), .int64), (.integer(let integer), .timestamp): return (integer, 0, 0, true)
        case (.integer(let integer), .float64): return (0, Double(integer), 0, true)
        case (.integer(let integer), .bool):
            guard integer == 0 || integer == 1 else { throw mismatch() }
            return (integer, 0, 0, true)
        case (.double(let double), .float64): return (0, double, 0, true)
        case (.double(let double), .int32), (.double(let double), .int64), (.double(let double), .timestamp):
            guard double.rounded() == double, let integer = Int64(exactly: double) else { throw mismatch() }
            return try convert(.integer(integer), column: column, index: index)
        case (.bool(let bool), .bool): return (bool ? 1 : 0, 0, 0, true)
        case (.string(let string), .string):
            guard string.utf8.count <= AnalyticsLimits.stringByteCountMax else {
                throw .tooLarge("row \(rowCount): column \(column.name) holds \(string.utf8.count) bytes; the limit is \(AnalyticsLimits.stringByteCountMax)")
            }
            return (0, 0, dictionaries[index]!.code(for: string), true)
        case (.string(let string), .timestamp):
            guard let milliseconds = ISO8601Milliseconds.parse(string) else { throw mismatch() }
            return (milliseconds, 0, 0, true)
        default:
            throw mismatch()
        }
    }

    /// The batch so far, one vector per schema column; the builder starts empty again.
    public mutating func take() -> [ColumnVector] {
        let columns = schema.columns.indices.map { index -> ColumnVector in
            let mask = validity[index].contains(false) ? validity[index] : nil
            switch schema.columns[index].type {
            case .float64: return ColumnVector(.float64(doubles[index]), validity: mask)
            case .string: return ColumnVector(.string(codes[index], dictionaries[index]!), validity: mask)
            default: return ColumnVector(.int64(ints[index]), validity: mask)
            }
        }
        for index in schema.columns.indices {
            ints[index] = []
            doubles[index] = []
            codes[index] = []
            validity[index] = []
        }
        rowCount = 0
        return columns
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fff…][Z|+00:00]` (also a space instead of `T`) to epoch milliseconds, UTC only.
enum ISO8601Milliseconds {
    static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                guard bytes[index] >= 48 && bytes[index] <= 57 else { return nil }
                value = value * 10 + Int64(bytes[index] - 48)
            }
            return value
        }
        guard bytes[4] == 45, bytes[7] == 45, bytes[10] == 84 || bytes[10] == 32, bytes[13] == 58, bytes[16] == 58,
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month), (1...31).contains(day),
            hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var milliseconds: Int64 = 0
        if index < bytes.count, bytes[index] == 46 {
            index += 1
            var scale: Int64 = 100
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                milliseconds += Int64(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        let suffix = String(decoding: bytes[index...], as: UTF8.self)
        guard ["", "Z", "+00:00", "+00"].contains(suffix) else { return nil }
        return CivilTime.daysFromCivil(year: year, month: month, day: day) * 86_400_000 + hour * 3_600_000 + minute * 60_000
            + second * 1000 + milliseconds
    }
}

/// Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01).
/// Algorithms from Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms".
enum CivilTime {
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
