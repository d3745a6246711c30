public import CortexCore
import Synchronization

/// Every analytics table of a data folder (`DATA/analytics/`): the built-in
/// `events` and `conversations` plus tables made with `CREATE TABLE`, whose
/// schemas are kept in `DATA/analytics/TABLES` (docs/analytics-format.md).
///
/// Thread: every method may be called from any thread.
public final class AnalyticsStore: TableCatalog, Sendable {
    public let folder: String
    let options: AnalyticsTableOptions
    let tables: Mutex<[String: AnalyticsTable]>

    /// Opens (creating when absent) the store in `folder` and every table in it.
    ///
    /// - Throws: as ``AnalyticsTable/init(folder:schema:options:)``; `.corrupt` for a damaged TABLES file.
    public init(folder: String, options: AnalyticsTableOptions = AnalyticsTableOptions()) throws(CortexError) {
        self.folder = folder
        self.options = options
        try FileIO.createFolder(folder)
        var schemas = [TableSchema.events, TableSchema.conversations]
        if FileIO.exists(folder + "/TABLES") {
            schemas += try SchemaCodec.decodeList(try FileIO.readAll(folder + "/TABLES"), path: folder + "/TABLES")
        }
        var tables: [String: AnalyticsTable] = [:]
        for schema in schemas {
            tables[schema.name.lowercased()] = try AnalyticsTable(folder: folder + "/" + schema.name.lowercased(), schema: schema, options: options)
        }
        self.tables = Mutex(tables)
    }

    public func table(named name: String) -> (any ScanSource)? { analyticsTable(named: name) }

    /// The table called `name` (case-insensitive), if any.
    public func analyticsTable(named name: String) -> AnalyticsTable? {
        tables.withLock { $0[name.lowercased()] }
    }

    /// Every table, by name.
    public var tableNames: [String] { tables.withLock { $0.keys.sorted() } }

    /// Creates a table; durable when this returns.
    ///
    /// - Throws: `.conflict` when a table of that name exists (unless `ifNotExists`).
    @discardableResult
    public func createTable(_ schema: TableSchema, ifNotExists: Bool = false) throws(CortexError) -> AnalyticsTable {
        try tables.withLock { (tables: inout [String: AnalyticsTable]) throws(CortexError) -> AnalyticsTable in
            let key = schema.name.lowercased()
            guard TableSchema.isValidIdentifier(schema.name) else { throw .invalidInput("table name '\(schema.name)' is not a valid identifier") }
            if let existing = tables[key] {
                if ifNotExists { return existing }
                throw .conflict("table \(schema.name) already exists")
            }
            let custom = tables.values.map(\.schema).filter { $0 != .events && $0 != .conversations } + [schema]
            let table = try AnalyticsTable(folder: folder + "/" + key, schema: schema, options: options)
            try FileIO.writeAtomically(SchemaCodec.encodeList(custom.sorted { $0.name < $1.name }), to: folder + "/TABLES")
            tables[key] = table
            return table
        }
    }

    /// Seals every table's hot rows (for a clean shutdown or before a snapshot).
    public func flush() throws(CortexError) {
        for table in tables.withLock({ Array($0.values) }) { try table.flush() }
    }
}

/// The byte form of table schemas in the TABLES file: `u32 magic "CXTS"`,
/// `u8 version (1)`, `u32 count`, per table its name, columns (name, type name,
/// nullable), tenant, time and cluster column names (strings are LEB128
/// length + UTF-8), then `u32 CRC-32C` of everything before.
enum SchemaCodec {
    static let magic: UInt32 = 0x5354_5843  // "CXTS"

    static func encodeList(_ schemas: [TableSchema]) -> [UInt8] {
        var writer = BinaryWriter()
        writer.writeFixed(magic)
        writer.write(UInt8(1))
        writer.writeFixed(UInt32(schemas.count))
        for schema in schemas {
            writer.write(schema.name)
            writer.writeVarUInt(UInt64(schema.columns.count))
            for column in schema.columns {
                writer.write(column.name)
                writer.write(column.type.rawValue)
                writer.write(column.isNullable)
            }
            writer.write(schema.columns[schema.tenantColumn].name)
            writer.write(schema.columns[schema.timeColumn].name)
            writer.writeVarUInt(UInt64(schema.clusterColumns.count))
            for column in schema.clusterColumns { writer.write(schema.columns[column].name) }
        }
        writer.writeFixed(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    static func decodeList(_ bytes: [UInt8], path: String) throws(CortexError) -> [TableSchema] {
        guard bytes.count >= 4 else { throw .corrupt("\(path): too short") }
        var tail = BinaryReader(Array(bytes.suffix(4)), context: path)
        guard try tail.readFixed(UInt32.self) == CRC32C.checksum(Array(bytes.dropLast(4))) else {
            throw .corrupt("\(path): checksum mismatch")
        }
        var reader = BinaryReader(Array(bytes.dropLast(4)), context: path)
        guard try reader.readFixed(UInt32.self) == magic, try reader.readByte() == 1 else {
            throw .corrupt("\(path): bad magic or version")
        }
        var schemas: [TableSchema] = []
        for _ in 0..<(try reader.readFixed(UInt32.self)) {
            let name = try reader.readString()
            var columns: [ColumnSchema] = []
            for _ in 0..<(try reader.readVarUInt()) {
                let columnName = try reader.readString()
                guard let type = ColumnType(rawValue: try reader.readString()) else { throw .corrupt("\(path): unknown column type") }
                columns.append(ColumnSchema(columnName, type, nullable: try reader.readBool()))
            }
            let tenant = try reader.readString(), time = try reader.readString()
            var cluster: [String] = []
            for _ in 0..<(try reader.readVarUInt()) { cluster.append(try reader.readString()) }
            do throws(CortexError) {
                schemas.append(try TableSchema(name: name, columns: columns, tenantColumn: tenant, timeColumn: time, clusterColumns: cluster))
            } catch {
                throw .corrupt("\(path): table \(name): \(error.message)")
            }
        }
        try reader.expectEnd()
        return schemas
    }
}
