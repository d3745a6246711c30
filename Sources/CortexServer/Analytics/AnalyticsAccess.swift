import CortexAnalytics
import CortexApp
import CortexCore
import Foundation

/// The analytics operations HTTP (``AnalyticsRoutes``) and the wire protocol (``WireDispatcher``)
/// share: appending rows as a tenant, and running SQL scoped to a tenant.
///
/// The tenant's rows carry its number (``AnalyticsTenantNumbers``) in `tenant_id`; callers may not
/// set `tenant_id`, and every query runs with the tenant scope, which the engine applies below the
/// SQL (no `OR`, alias or constant can widen it). Blocking (LMDB, the append log's fsync, scans):
/// callers run it on their thread pool.
struct AnalyticsAccess: Sendable {
    /// The tables callers may append to.
    static let tableNames = ["events", "conversations"]

    let store: AnalyticsStore
    let numbers: AnalyticsTenantNumbers

    /// Refuses a caller-supplied tenant column: `place` names it in the message (`events[0].tenant_id`).
    static func refuseTenantColumn(_ name: String, at place: String) throws(CortexError) {
        guard name.lowercased() != "tenant_id" else {
            throw .invalidInput("\(place) is set by the server from the API key; leave it out")
        }
    }

    /// The schema of the appendable table `name`; `.notFound` naming the tables otherwise.
    func schema(of name: String) throws(CortexError) -> TableSchema {
        try table(named: name).schema
    }

    /// Appends `rows` (column name → value, `tenant_id` left out) to `table` as `tenant`'s rows, in one
    /// append: all rows or none. Returns the number appended.
    ///
    /// Throws `.invalidInput` naming the row and column for unknown columns, type mismatches and NULLs
    /// in NOT NULL columns; `.notFound` for an unknown table or tenant.
    func append(_ rows: [[(String, IngestValue)]], to table: String, tenant: TenantID) throws(CortexError) -> Int {
        let target = try self.table(named: table)
        let number = try numbers.number(of: tenant)
        let tenantColumn = target.schema.columns[target.schema.tenantColumn].name
        var builder = RowBatchBuilder(schema: target.schema)
        for (index, row) in rows.enumerated() {
            do throws(CortexError) {
                try builder.append([(tenantColumn, .integer(number))] + row)
            } catch {
                throw .invalidInput("\(table)[\(index)]: \(error.message)")
            }
        }
        try target.append(builder.take())
        return rows.count
    }

    /// Runs one SELECT over `tenant`'s rows only, with `$name` parameters.
    func query(_ sql: String, parameters: [String: Value], tenant: TenantID) throws(CortexError) -> QueryResult {
        let scope = QueryScope.tenant(try numbers.number(of: tenant))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return try store.execute(sql: sql, parameters: parameters, scope: scope, now: now)
    }

    private func table(named name: String) throws(CortexError) -> AnalyticsTable {
        guard Self.tableNames.contains(name) else {
            throw .notFound("analytics table '\(name.prefix(64))' does not exist; the tables are \(Self.tableNames.joined(separator: " and "))")
        }
        guard let table = store.analyticsTable(named: name) else { throw .unavailable("analytics table \(name) is missing") }
        return table
    }
}
