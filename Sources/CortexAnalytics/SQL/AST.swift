/// The syntax tree of the SQL subset (docs/analytics-sql.md).
///
/// Produced by ``SQLParser``; bound and executed by the query engine. Every
/// node carries the ``SourcePosition`` of its first token so that binding and
/// execution errors can point at the offending text.

/// A place in the SQL text: byte offset (UTF-8, from 0), line and column (from 1).
public struct SourcePosition: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let offset: Int
    public let line: Int
    public let column: Int

    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// "line 3, column 14" — the form every SQL error message uses.
    public var description: String { "line \(line), column \(column)" }
}

/// A constant in the text.
public enum Literal: Sendable, Equatable, Hashable {
    case integer(Int64)
    /// A number with a fraction or exponent (`1.0`, `0.6`, `1e3`).
    case float(Double)
    case string(String)
    case boolean(Bool)
    case null
}

public enum UnaryOperator: String, Sendable, Equatable {
    case negate = "-"
    case plus = "+"
    case not = "NOT"
}

public enum BinaryOperator: String, Sendable, Equatable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", integerDivide = "//", modulo = "%"
    case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case and = "AND", or = "OR"
    case concatenate = "||"
}

/// A type name in `CAST(x AS type)` or `CREATE TABLE`, normalised to lower case
/// (`integer`, `bigint`, `double`, `varchar`, `boolean`, `timestamp`, ...).
public struct TypeName: Sendable, Equatable, Hashable {
    public let name: String
    public let position: SourcePosition

    public init(name: String, position: SourcePosition) {
        self.name = name
        self.position = position
    }
}

/// One `WHEN … THEN …` of a `CASE`.
public struct WhenClause: Sendable, Equatable {
    public let condition: Expression
    public let result: Expression

    public init(condition: Expression, result: Expression) {
        self.condition = condition
        self.result = result
    }
}

public indirect enum Expression: Sendable, Equatable {
    case literal(Literal, SourcePosition)
    /// A column reference, optionally qualified by the table name or alias (`e.ts`).
    case column(name: String, qualifier: String?, SourcePosition)
    /// A bind parameter `$name`.
    case parameter(name: String, SourcePosition)
    case unary(UnaryOperator, Expression, SourcePosition)
    case binary(BinaryOperator, Expression, Expression, SourcePosition)
    /// A function or aggregate call. `name` is lower-cased; `count(*)` has
    /// `isStar` true and no arguments.
    case function(name: String, arguments: [Expression], isDistinct: Bool, isStar: Bool, SourcePosition)
    /// `CASE [operand] WHEN … THEN … [ELSE …] END`.
    case caseWhen(operand: Expression?, branches: [WhenClause], elseResult: Expression?, SourcePosition)
    /// `x [NOT] BETWEEN low AND high`.
    case between(Expression, low: Expression, high: Expression, isNegated: Bool, SourcePosition)
    /// `x [NOT] IN (a, b, …)`.
    case inList(Expression, [Expression], isNegated: Bool, SourcePosition)
    /// `x IS [NOT] NULL`.
    case isNull(Expression, isNegated: Bool, SourcePosition)
    /// `x [NOT] LIKE pattern` / `ILIKE`.
    case like(Expression, pattern: Expression, isNegated: Bool, isCaseInsensitive: Bool, SourcePosition)
    /// `CAST(x AS type)` or `x::type`.
    case cast(Expression, TypeName, SourcePosition)
    /// `INTERVAL '30 days'`, `INTERVAL 30 DAY`, `INTERVAL (expr) HOUR`: `unit` is
    /// singular and lower-cased (`millisecond`, `second`, `minute`, `hour`, `day`,
    /// `week`, `month`, `year`).
    case interval(Expression, unit: String, SourcePosition)

    /// Where the expression starts in the text.
    public var position: SourcePosition {
        switch self {
        case .literal(_, let p), .column(_, _, let p), .parameter(_, let p), .unary(_, _, let p), .binary(_, _, _, let p),
            .function(_, _, _, _, let p), .caseWhen(_, _, _, let p), .between(_, _, _, _, let p), .inList(_, _, _, let p),
            .isNull(_, _, let p), .like(_, _, _, _, let p), .cast(_, _, let p), .interval(_, _, let p):
            p
        }
    }
}

/// One output column of a `SELECT`: `expression [AS alias]`, or `*`.
public struct SelectItem: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case expression(Expression, alias: String?)
        /// `*` or `t.*`.
        case star(qualifier: String?)
    }
    public let kind: Kind
    public let position: SourcePosition

    public init(_ kind: Kind, position: SourcePosition) {
        self.kind = kind
        self.position = position
    }
}

/// `FROM name [[AS] alias]`.
public struct TableReference: Sendable, Equatable {
    public let name: String
    public let alias: String?
    public let position: SourcePosition

    public init(name: String, alias: String?, position: SourcePosition) {
        self.name = name
        self.alias = alias
        self.position = position
    }
}

/// One `ORDER BY` key. `nullsFirst == nil` means the dialect default
/// (DuckDB: NULLS LAST for both ASC and DESC).
public struct OrderItem: Sendable, Equatable {
    public let expression: Expression
    public let isDescending: Bool
    public let nullsFirst: Bool?

    public init(expression: Expression, isDescending: Bool, nullsFirst: Bool?) {
        self.expression = expression
        self.isDescending = isDescending
        self.nullsFirst = nullsFirst
    }
}

public struct SelectStatement: Sendable, Equatable {
    public var items: [SelectItem]
    public var from: TableReference
    public var whereClause: Expression?
    /// Expressions, output aliases (as `.column`) or 1-based positions (as integer literals).
    public var groupBy: [Expression]
    public var having: Expression?
    /// Same resolution rules as `groupBy`.
    public var orderBy: [OrderItem]
    public var limit: Expression?
    public var offset: Expression?
    public let position: SourcePosition

    public init(
        items: [SelectItem], from: TableReference, whereClause: Expression? = nil, groupBy: [Expression] = [],
        having: Expression? = nil, orderBy: [OrderItem] = [], limit: Expression? = nil, offset: Expression? = nil,
        position: SourcePosition
    ) {
        self.items = items
        self.from = from
        self.whereClause = whereClause
        self.groupBy = groupBy
        self.having = having
        self.orderBy = orderBy
        self.limit = limit
        self.offset = offset
        self.position = position
    }
}

/// One column of `CREATE TABLE`: `name type [NOT NULL]`.
public struct ColumnDefinition: Sendable, Equatable {
    public let name: String
    public let type: TypeName
    public let isNullable: Bool

    public init(name: String, type: TypeName, isNullable: Bool) {
        self.name = name
        self.type = type
        self.isNullable = isNullable
    }
}

/// `CREATE TABLE [IF NOT EXISTS] name (columns…) WITH (tenant = col, time = col [, cluster = 'a,b'])`.
///
/// The `WITH` options name the tenant and time columns the layout needs;
/// values are identifiers or string literals, keys are lower-cased.
public struct CreateTableStatement: Sendable, Equatable {
    public let name: String
    public let ifNotExists: Bool
    public let columns: [ColumnDefinition]
    public let options: [String: String]
    public let position: SourcePosition

    public init(name: String, ifNotExists: Bool, columns: [ColumnDefinition], options: [String: String], position: SourcePosition) {
        self.name = name
        self.ifNotExists = ifNotExists
        self.columns = columns
        self.options = options
        self.position = position
    }
}

public enum Statement: Sendable, Equatable {
    case select(SelectStatement)
    case createTable(CreateTableStatement)
}
