import ArgumentParser
import CortexCore
import CortexStorage

struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants", abstract: "List, create and delete tenants.",
        subcommands: [List.self, Create.self, Delete.self])

    /// One tenant as printed with `--json`.
    struct TenantJSON: Encodable {
        let id: String
        let createdAt: String
        enum CodingKeys: String, CodingKey {
            case id
            case createdAt = "created_at"
        }
        init(_ record: TenantRecord) {
            id = record.id.rawValue
            createdAt = isoTimestamp(milliseconds: record.createdAt)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants, ordered by id.")
        @OptionGroup var options: DataOptions

        func run() async throws {
            let engine = try options.openEngine()
            defer { engine.close() }
            let tenants = try reportingErrors { () throws(CortexError) in try engine.listTenants() }
            if options.json {
                try printJSON(tenants.map(TenantJSON.init))
            } else if tenants.isEmpty {
                print("no tenants")
            } else {
                for tenant in tenants { print("\(tenant.id)\tcreated \(isoTimestamp(milliseconds: tenant.createdAt))") }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant (id: 1-64 of a-z 0-9 - _).")
        @Argument(help: "Tenant id.") var id: String
        @OptionGroup var options: DataOptions

        func run() async throws {
            let tenant = try reportingErrors { () throws(CortexError) in try TenantID(id) }
            let engine = try options.openEngine(mayCreate: true)
            defer { engine.close() }
            let record = try reportingErrors { () throws(CortexError) in try engine.createTenant(tenant) }
            if options.json { try printJSON(TenantJSON(record)) } else { print("created tenant \(record.id)") }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a tenant and all of its data.")
        @Argument(help: "Tenant id.") var id: String
        @OptionGroup var options: DataOptions

        func run() async throws {
            let tenant = try reportingErrors { () throws(CortexError) in try TenantID(id) }
            let engine = try options.openEngine()
            defer { engine.close() }
            try await reportingErrors { () async throws(CortexError) in try await engine.deleteTenant(tenant) }
            if options.json { try printJSON(["deleted": tenant.rawValue]) } else { print("deleted tenant \(tenant)") }
        }
    }
}
