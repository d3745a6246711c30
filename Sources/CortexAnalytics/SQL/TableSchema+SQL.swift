public import CortexCore

extension ColumnType {
    /// The storage type for a SQL type name (case-insensitive):
    /// `integer`/`int`/`int4`/`int32` → `.int32`, `bigint`/`int8`/`int64`/`long` → `.int64`,
    /// `double`/`float8`/`float`/`real`/`float64` → `.float64`, `boolean`/`bool` → `.bool`,
    /// `timestamp` → `.timestamp`, `varchar`/`text`/`string` → `.string`; nil otherwise.
    public init?(sqlTypeName: String) {
        switch sqlTypeName.lowercased() {
        case "integer", "int", "int4", "int32": self = .int32
        case "bigint", "int8", "int64", "long": self = .int64
        case "double", "float8", "float", "real", "float64": self = .float64
        case "boolean", "bool": self = .bool
        case "timestamp": self = .timestamp
        case "varchar", "text", "string": self = .string
        default: return nil
        }
    }
}

extension TableSchema {
    /// Builds a schema from `CREATE TABLE … WITH (tenant = col, time = col [, cluster = 'a,b'])`.
    ///
    /// - Throws: `.invalidInput` whose message starts with a position: the column
    ///   type for an unknown type, the statement for missing or unknown options and
    ///   for the checks of ``init(name:columns:tenantColumn:timeColumn:clusterColumns:)``.
    public init(_ statement: CreateTableStatement) throws(CortexError) {
        let at = statement.position
        var columns: [ColumnSchema] = []
        for definition in statement.columns {
            guard let type = ColumnType(sqlTypeName: definition.type.name) else {
                throw .invalidInput("\(definition.type.position): unknown column type '\(definition.type.name)'")
            }
            columns.append(ColumnSchema(definition.name, type, nullable: definition.isNullable))
        }
        for key in statement.options.keys.sorted() where !["tenant", "time", "cluster"].contains(key) {
            throw .invalidInput("\(at): unknown table option '\(key)'; expected tenant, time or cluster")
        }
        guard let tenant = statement.options["tenant"] else {
            throw .invalidInput("\(at): CREATE TABLE \(statement.name) needs WITH (tenant = <column>)")
        }
        guard let time = statement.options["time"] else {
            throw .invalidInput("\(at): CREATE TABLE \(statement.name) needs WITH (time = <column>)")
        }
        let cluster = (statement.options["cluster"] ?? "").split(separator: ",").compactMap { part -> String? in
            let trimmed = part.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
            return trimmed.isEmpty ? nil : String(trimmed)
        }
        do {
            try self.init(name: statement.name, columns: columns, tenantColumn: tenant, timeColumn: time, clusterColumns: cluster)
        } catch {
            throw CortexError(error.code, "\(at): \(error.message)")
        }
    }
}
