public import CortexCore

extension AnalyticsStore {
    /// Runs one SQL statement: `SELECT` (scoped as `scope` says) or, for a
    /// platform administrator, `CREATE TABLE`.
    ///
    /// - Throws: as ``QueryEngine/execute(_:parameters:scope:now:)``; `.forbidden`
    ///   for CREATE TABLE by a tenant.
    public func execute(sql: String, parameters: [String: Value] = [:], scope: QueryScope, now: Int64) throws(CortexError) -> QueryResult {
        switch try SQLParser.parse(sql) {
        case .select(let select):
            return try QueryEngine(catalog: self).execute(select, parameters: parameters, scope: scope, now: now)
        case .createTable(let create):
            guard scope == .platform else { throw .forbidden("only a platform administrator may create tables") }
            try createTable(try TableSchema(create), ifNotExists: create.ifNotExists)
            return QueryResult(columns: [], rows: [])
        }
    }
}
