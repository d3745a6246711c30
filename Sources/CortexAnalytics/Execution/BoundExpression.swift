/// The logical type of an expression (DuckDB's names in results).
enum SQLType: Sendable, Equatable {
    case integer, bigint, double, boolean, varchar, timestamp, null

    var name: String {
        switch self {
        case .integer: "INTEGER"
        case .bigint: "BIGINT"
        case .double: "DOUBLE"
        case .boolean: "BOOLEAN"
        case .varchar: "VARCHAR"
        case .timestamp: "TIMESTAMP"
        case .null: "NULL"
        }
    }

    /// Travels as `Int64` in vectors.
    var isIntegerLike: Bool { self == .integer || self == .bigint || self == .boolean || self == .timestamp || self == .null }
    var isNumeric: Bool { self == .integer || self == .bigint || self == .double || self == .null }

    init(_ type: ColumnType) {
        switch type {
        case .int32: self = .integer
        case .int64: self = .bigint
        case .float64: self = .double
        case .bool: self = .boolean
        // Stored timestamps are epoch milliseconds and behave as BIGINT in SQL, as the shared
        // data's BIGINT ts/started_at do in DuckDB; epoch_ms() turns them into TIMESTAMP values.
        case .timestamp: self = .bigint
        case .string: self = .varchar
        }
    }
}

/// Scalar functions the engine knows (bound by name).
enum ScalarFunction: String, Sendable {
    case epochMilliseconds, toTimestamp, strftime, dateTrunc, datePart, now
    case abs, round, floor, ceil, lower, upper, length, coalesce, least, greatest, addMonths
}

/// Aggregate functions.
enum AggregateFunction: String, Sendable {
    case countStar, count, countDistinct, sum, avg, min, max, quantileDisc, quantileCont, approxQuantile, approxCountDistinct
}

/// One aggregate of a query: function, argument, and the constant fraction of quantiles.
struct AggregateSpec: Sendable, Equatable {
    let function: AggregateFunction
    let argument: BoundExpression?
    let fraction: Double
    let type: SQLType
}

/// An expression after binding: columns resolved to indexes, types known,
/// constants folded into values.
indirect enum BoundExpression: Sendable, Equatable {
    case column(Int, SQLType)
    case constant(Value, SQLType)
    case negate(BoundExpression, SQLType)
    case not(BoundExpression)
    case arithmetic(BinaryOperator, BoundExpression, BoundExpression, SQLType, SourcePosition)
    case comparison(BinaryOperator, BoundExpression, BoundExpression)
    case logical(BinaryOperator, BoundExpression, BoundExpression)
    case concatenate(BoundExpression, BoundExpression)
    case function(ScalarFunction, [BoundExpression], SQLType, SourcePosition)
    case caseWhen([BoundExpression], [BoundExpression], BoundExpression?, SQLType)
    case inList(BoundExpression, [Value], isNegated: Bool)
    case isNull(BoundExpression, isNegated: Bool)
    case like(BoundExpression, pattern: String, isNegated: Bool, isCaseInsensitive: Bool)
    case cast(BoundExpression, SQLType, SourcePosition)
    /// After aggregation: the value of aggregate slot i.
    case aggregate(Int, SQLType)
    /// After aggregation: the value of group key i.
    case groupKey(Int, SQLType)

    var type: SQLType {
        switch self {
        case .column(_, let type), .constant(_, let type), .negate(_, let type), .arithmetic(_, _, _, let type, _),
            .function(_, _, let type, _), .caseWhen(_, _, _, let type), .cast(_, let type, _), .aggregate(_, let type),
            .groupKey(_, let type):
            type
        case .not, .comparison, .logical, .inList, .isNull, .like: .boolean
        case .concatenate: .varchar
        }
    }

    /// Columns the expression reads.
    var columns: Set<Int> {
        switch self {
        case .column(let index, _): [index]
        case .constant, .aggregate, .groupKey: []
        case .negate(let inner, _), .not(let inner), .inList(let inner, _, _), .isNull(let inner, _), .like(let inner, _, _, _),
            .cast(let inner, _, _):
            inner.columns
        case .arithmetic(_, let left, let right, _, _), .comparison(_, let left, let right), .logical(_, let left, let right),
            .concatenate(let left, let right):
            left.columns.union(right.columns)
        case .function(_, let arguments, _, _): arguments.reduce(into: Set<Int>()) { $0.formUnion($1.columns) }
        case .caseWhen(let conditions, let results, let elseResult, _):
            (conditions + results + (elseResult.map { [$0] } ?? [])).reduce(into: Set<Int>()) { $0.formUnion($1.columns) }
        }
    }
}
