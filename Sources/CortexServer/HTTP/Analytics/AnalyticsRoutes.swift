import CortexAnalytics
import CortexApp
import CortexCore
import CortexVector
import Foundation
import Hummingbird
import NIOPosix

/// `/api/v1/analytics/…`: appending conversation facts and querying them with SQL, always as the
/// caller's tenant (docs/analytics-sql.md, docs/openapi.yaml); the work itself is ``AnalyticsAccess``,
/// which the wire protocol shares.
struct AnalyticsRoutes: Sendable {
    let analytics: AnalyticsAccess
    let work: TenantWork

    func register(on group: RouterGroup<CortexRequestContext>) {
        for table in AnalyticsAccess.tableNames {
            group.post("analytics/\(table)") { request, context in
                let tenant = try context.tenant(forWrite: true)
                let rows = try await work.parse(request) { (data: Data) throws(CortexError) in try AnalyticsRequests.rows(data, field: table) }
                let analytics = self.analytics
                let appended = try await work.pool.runIfActive { () throws(CortexError) -> Int in
                    try analytics.append(rows, to: table, tenant: tenant)
                }
                return jsonResponse(AnalyticsResponses.Appended(appended: appended))
            }
        }
        group.post("analytics/sql") { request, context in
            let tenant = try context.tenant(forWrite: false)
            let query = try await work.parse(request, AnalyticsRequests.sql)
            let analytics = self.analytics
            let result = try await work.pool.runIfActive { () throws(CortexError) -> QueryResult in
                try analytics.query(query.sql, parameters: query.parameters, tenant: tenant)
            }
            return jsonTextResponse(AnalyticsResponses.result(result))
        }
    }
}

/// Request bodies of the analytics routes, checked against the HTTP limits.
enum AnalyticsRequests {
    /// `{"<field>": [{column: value, …}, …]}`: flat objects; `tenant_id` is the server's to set.
    static func rows(_ body: Data, field: String) throws(CortexError) -> [[(String, IngestValue)]] {
        let fields = try JSONFields.body(body, allowed: [field])
        let elements = try fields.array(field)
        guard elements.count <= Limits.httpBatchCountMax else {
            throw .tooLarge("\(elements.count) \(field) in one request exceed the limit of \(Limits.httpBatchCountMax)")
        }
        return try elements.enumerated().map { (index, element) throws(CortexError) in
            guard case .object(let object) = element else { throw .invalidInput("\(field)[\(index)] must be an object; got \(element.kindName)") }
            return try object.sorted { $0.key < $1.key }.map { (key, value) throws(CortexError) in
                try AnalyticsAccess.refuseTenantColumn(key, at: "\(field)[\(index)].tenant_id")
                return (key, try ingestValue(value, name: "\(field)[\(index)].\(key)"))
            }
        }
    }

    struct SQL: Sendable {
        var sql: String
        var parameters: [String: Value]
    }

    /// `{"sql": "...", "params"?: {name: value}}`.
    static func sql(_ body: Data) throws(CortexError) -> SQL {
        let fields = try JSONFields.body(body, allowed: ["sql", "params"])
        var parameters: [String: Value] = [:]
        if let given = try fields.optional("params") {
            guard case .object(let object) = given else { throw .invalidInput("params must be an object; got \(given.kindName)") }
            for (name, value) in object {
                switch value {
                case .null: parameters[name] = .null
                case .bool(let flag): parameters[name] = .bool(flag)
                case .int(let number): parameters[name] = .int(number)
                case .number(let number): parameters[name] = .double(number)
                case .string(let text): parameters[name] = .string(text)
                default: throw .invalidInput("params.\(name) must be a string, number, boolean or null; got \(value.kindName)")
                }
            }
        }
        return SQL(sql: try fields.string("sql"), parameters: parameters)
    }

    private static func ingestValue(_ value: JSONValue, name: String) throws(CortexError) -> IngestValue {
        switch value {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .integer(number)
        case .number(let number): return .double(number)
        case .string(let text): return .string(text)
        default: throw .invalidInput("\(name) must be a string, number, boolean or null; got \(value.kindName)")
        }
    }
}

/// Response bodies of the analytics routes.
enum AnalyticsResponses {
    struct Appended: Encodable { let appended: Int }

    /// `{"columns":[{"name","type"}],"rows":[[…]]}`; timestamps as "YYYY-MM-DD HH:MM:SS[.fff]" (UTC),
    /// non-finite doubles as the strings "NaN", "Infinity", "-Infinity".
    static func result(_ result: QueryResult) -> String {
        var text = #"{"columns":["#
        text += result.columns.map { #"{"name":\#(JSONValue.string($0.name).serialized()),"type":\#(JSONValue.string($0.type).serialized())}"# }
            .joined(separator: ",")
        text += #"],"rows":["#
        text += result.rows.map { row in "[" + row.map(json).joined(separator: ",") + "]" }.joined(separator: ",")
        return text + "]}"
    }

    static func json(_ value: Value) -> String {
        switch value {
        case .null: "null"
        case .int(let number): String(number)
        case .double(let number):
            number.isFinite ? "\(number)" : (number.isNaN ? #""NaN""# : (number > 0 ? #""Infinity""# : #""-Infinity""#))
        case .string(let text): JSONValue.string(text).serialized()
        case .bool(let flag): flag ? "true" : "false"
        case .timestamp: JSONValue.string(value.description).serialized()
        }
    }
}
