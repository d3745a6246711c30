/// A value in a result row or a bind parameter.
public enum Value: Sendable, Hashable, CustomStringConvertible {
    case null
    case int(Int64)
    case double(Double)
    case string(String)
    case bool(Bool)
    /// Epoch milliseconds, UTC.
    case timestamp(Int64)

    /// SQL-ish text: timestamps as `YYYY-MM-DD HH:MM:SS[.fff]` (UTC), NULL as `NULL`.
    public var description: String {
        switch self {
        case .null: "NULL"
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .string(let value): value
        case .bool(let value): value ? "true" : "false"
        case .timestamp(let value): TimeFunctions.format(milliseconds: value, pattern: "%Y-%m-%d %H:%M:%S", fractionWhenNonZero: true)
        }
    }
}

/// Who runs a query: a tenant only ever sees its own rows; only a platform
/// administrator may scan every tenant.
public enum QueryScope: Sendable, Equatable {
    case tenant(Int64)
    case platform
}

/// A result column: its output name and DuckDB's name of its type
/// (`BIGINT`, `INTEGER`, `DOUBLE`, `BOOLEAN`, `VARCHAR`, `TIMESTAMP`).
public struct ResultColumn: Sendable, Equatable {
    public let name: String
    public let type: String

    public init(name: String, type: String) {
        self.name = name
        self.type = type
    }
}

/// The answer of a query.
public struct QueryResult: Sendable {
    public let columns: [ResultColumn]
    public let rows: [[Value]]

    public init(columns: [ResultColumn], rows: [[Value]]) {
        self.columns = columns
        self.rows = rows
    }

    /// The canonical text of the rows, for hashing results across engines
    /// (docs/analytics-execution.md): one line per row, values joined by a
    /// tab; integers in decimal; booleans as 0/1; doubles with 6 significant
    /// digits (engines differ in summation order), `-0` as `0`; NULL as `\N`;
    /// timestamps as epoch milliseconds; strings as they are.
    public var canonicalText: String {
        var text = ""
        for row in rows {
            text += row.map(Self.canonical).joined(separator: "\t")
            text += "\n"
        }
        return text
    }

    static func canonical(_ value: Value) -> String {
        switch value {
        case .null: return "\\N"
        case .int(let value): return String(value)
        case .bool(let value): return value ? "1" : "0"
        case .timestamp(let value): return String(value)
        case .string(let value): return value
        case .double(let value):
            if value.isNaN { return "nan" }
            if value.isInfinite { return value > 0 ? "inf" : "-inf" }
            if value == 0 { return "0" }
            return sixSignificantDigits(value)
        }
    }

    /// `%.6g` without Foundation: six significant digits, trailing zeros trimmed.
    static func sixSignificantDigits(_ value: Double) -> String {
        let magnitude = abs(value)
        var exponent = Int((magnitude).log10Floor)
        var scaled = (magnitude / pow10(exponent - 5)).rounded()
        if scaled >= 1_000_000 {
            exponent += 1
            scaled = (magnitude / pow10(exponent - 5)).rounded()
        }
        var digits = String(Int64(scaled))
        while digits.count < 6 { digits = "0" + digits }
        let sign = value < 0 ? "-" : ""
        if exponent < -4 || exponent >= 6 {
            var mantissa = String(digits.prefix(1)) + "." + String(digits.dropFirst())
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (abs(exponent) < 10 ? "0" : "") + String(abs(exponent))
        }
        var text: String
        if exponent >= 0 {
            text = String(digits.prefix(exponent + 1)) + "." + String(digits.dropFirst(exponent + 1))
        } else {
            text = "0." + String(repeating: "0", count: -exponent - 1) + digits
        }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return sign + text
    }

    private static func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        if exponent >= 0 { for _ in 0..<exponent { result *= 10 } } else { for _ in 0..<(-exponent) { result /= 10 } }
        return result
    }
}

extension Double {
    /// ⌊log10(self)⌋ for positive finite values, exact at powers of ten.
    fileprivate var log10Floor: Int {
        var exponent = 0
        var value = self
        while value >= 10 { value /= 10; exponent += 1 }
        while value < 1 { value *= 10; exponent -= 1 }
        return exponent
    }
}
