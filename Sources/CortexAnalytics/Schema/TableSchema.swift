public import CortexCore

/// The storage type of a column. Every type is nullable per column.
///
/// Execution widens the integer-like types (`int32`, `int64`, `bool`,
/// `timestamp`) to `Int64` and `float64` to `Double`; `string` columns are
/// dictionary codes (`Int32`) into a ``StringDictionary``.
public enum ColumnType: String, Sendable, CaseIterable, Codable {
    case int32
    case int64
    case float64
    case bool
    /// Epoch milliseconds (UTC) in an `Int64`.
    case timestamp
    /// UTF-8 text, dictionary-encoded.
    case string

    /// Whether values of this type travel as `Int64` in a ``ColumnVector``.
    public var isIntegerLike: Bool {
        switch self {
        case .int32, .int64, .bool, .timestamp: true
        case .float64, .string: false
        }
    }
}

/// One column of a table.
public struct ColumnSchema: Sendable, Equatable, Codable {
    public let name: String
    public let type: ColumnType
    public let isNullable: Bool

    public init(_ name: String, _ type: ColumnType, nullable: Bool = true) {
        self.name = name
        self.type = type
        self.isNullable = nullable
    }
}

/// A table's columns and the two columns its layout is organised by.
///
/// Every analytics table has a tenant column (`int32`/`int64`, never null) and a
/// time column (`timestamp`/`int64`, never null): sealed segments are partitioned
/// by time and sorted by tenant inside, which is what tenant scoping and
/// time-range pruning rely on.
public struct TableSchema: Sendable, Equatable, Codable {
    public let name: String
    public let columns: [ColumnSchema]
    /// Index of the tenant column in `columns`.
    public let tenantColumn: Int
    /// Index of the time column in `columns`.
    public let timeColumn: Int
    /// Sort key of rows inside a sealed segment, after the tenant column
    /// (e.g. `[conversation_id, ts]`).
    public let clusterColumns: [Int]

    /// Validates names, the tenant and time columns and the cluster key.
    ///
    /// - Throws: `.invalidInput` naming the offending column.
    public init(name: String, columns: [ColumnSchema], tenantColumn: String, timeColumn: String, clusterColumns: [String] = [])
        throws(CortexError)
    {
        guard !columns.isEmpty else { throw .invalidInput("table \(name) has no columns") }
        guard columns.count <= AnalyticsLimits.columnCountMax else {
            throw .invalidInput("table \(name) has \(columns.count) columns; the limit is \(AnalyticsLimits.columnCountMax)")
        }
        var seen = Set<String>()
        for column in columns {
            guard TableSchema.isValidIdentifier(column.name) else {
                throw .invalidInput("column name '\(column.name)' is not a valid identifier")
            }
            guard seen.insert(column.name.lowercased()).inserted else {
                throw .invalidInput("column '\(column.name)' appears twice in table \(name)")
            }
        }
        func index(of column: String, role: String) throws(CortexError) -> Int {
            guard let index = columns.firstIndex(where: { $0.name.lowercased() == column.lowercased() }) else {
                throw .invalidInput("table \(name) has no \(role) column '\(column)'")
            }
            return index
        }
        let tenant = try index(of: tenantColumn, role: "tenant")
        let time = try index(of: timeColumn, role: "time")
        guard [.int32, .int64].contains(columns[tenant].type), !columns[tenant].isNullable else {
            throw .invalidInput("tenant column '\(tenantColumn)' must be a NOT NULL int32 or int64")
        }
        guard [.timestamp, .int64].contains(columns[time].type), !columns[time].isNullable else {
            throw .invalidInput("time column '\(timeColumn)' must be a NOT NULL timestamp or int64")
        }
        var cluster: [Int] = []
        for column in clusterColumns { cluster.append(try index(of: column, role: "cluster")) }
        self.name = name
        self.columns = columns
        self.tenantColumn = tenant
        self.timeColumn = time
        self.clusterColumns = cluster
    }

    /// This schema with a nullable tenant column, for reading files whose rows a server assigns to the
    /// caller's tenant (`cortex load --server`): the file may leave the tenant column out. Not a valid
    /// table schema; never create or append to a table with it.
    public var withOptionalTenant: TableSchema {
        var columns = columns
        let tenant = columns[tenantColumn]
        columns[tenantColumn] = ColumnSchema(tenant.name, tenant.type, nullable: true)
        return TableSchema(name: name, columns: columns, tenantColumn: tenantColumn, timeColumn: timeColumn, clusterColumns: clusterColumns)
    }

    private init(name: String, columns: [ColumnSchema], tenantColumn: Int, timeColumn: Int, clusterColumns: [Int]) {
        self.name = name
        self.columns = columns
        self.tenantColumn = tenantColumn
        self.timeColumn = timeColumn
        self.clusterColumns = clusterColumns
    }

    /// The index of the column called `name` (case-insensitive), if any.
    public func columnIndex(named name: String) -> Int? {
        let lowered = name.lowercased()
        return columns.firstIndex { $0.name.lowercased() == lowered }
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`, at most 64 bytes.
    public static func isValidIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 64 else { return false }
        func isLetter(_ byte: UInt8) -> Bool { (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 95 }
        return isLetter(first) && name.utf8.allSatisfy { isLetter($0) || ($0 >= 48 && $0 <= 57) }
    }
}

extension TableSchema {
    /// Conversation events: one row per message or lifecycle event.
    public static let events: TableSchema = try! TableSchema(
        name: "events",
        columns: [
            ColumnSchema("tenant_id", .int32, nullable: false),
            ColumnSchema("conversation_id", .int64, nullable: false),
            ColumnSchema("ts", .timestamp, nullable: false),
            ColumnSchema("event_type", .string, nullable: false),
            ColumnSchema("channel", .string),
            ColumnSchema("pattern_hash", .int64),
            ColumnSchema("latency_ms", .int32),
            ColumnSchema("tokens_in", .int32),
            ColumnSchema("tokens_out", .int32),
            ColumnSchema("rating", .int32),
            ColumnSchema("country", .string),
        ],
        tenantColumn: "tenant_id", timeColumn: "ts", clusterColumns: ["conversation_id", "ts"])

    /// Finished conversations: one row per conversation.
    public static let conversations: TableSchema = try! TableSchema(
        name: "conversations",
        columns: [
            ColumnSchema("tenant_id", .int32, nullable: false),
            ColumnSchema("conversation_id", .int64, nullable: false),
            ColumnSchema("user_profile_id", .int64),
            ColumnSchema("started_at", .timestamp, nullable: false),
            ColumnSchema("duration_s", .int32),
            ColumnSchema("message_count", .int32),
            ColumnSchema("success_score", .float64),
            ColumnSchema("lead_generated", .bool),
            ColumnSchema("appointment_booked", .bool),
            ColumnSchema("pattern_hash", .int64),
            ColumnSchema("channel", .string),
            ColumnSchema("country", .string),
        ],
        tenantColumn: "tenant_id", timeColumn: "started_at", clusterColumns: ["started_at", "conversation_id"])
}
