import ArgumentParser
import CortexApp
import CortexCore
import CortexStorage

/// `cortex admin keys create|list|revoke`: API keys of a tenant (the server must not be running on the folder).
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list and revoke a tenant's API keys.",
        subcommands: [Create.self, List.self, Revoke.self])

    /// One key as printed with `--json` (never the key itself, except `key` right after creation).
    struct KeyJSON: Encodable {
        let key: String?
        let id: String
        let tenant: String
        let name: String
        let scopes: [String]
        let createdAt: String
        let revokedAt: String?
        enum CodingKeys: String, CodingKey {
            case key, id, tenant, name, scopes
            case createdAt = "created_at"
            case revokedAt = "revoked_at"
        }
        init(_ record: APIKeyRecord, key: String? = nil) {
            self.key = key
            id = record.keyID
            tenant = record.tenantID.rawValue
            name = record.name
            scopes = record.scopes.names
            createdAt = isoTimestamp(milliseconds: record.createdAt)
            revokedAt = record.revokedAt.map { isoTimestamp(milliseconds: $0) }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mint a key; it is printed once and only its hash is stored.")
        @Option(name: .long, help: "Tenant id.") var tenant: String
        @Option(name: .long, help: "A name to recognise the key by.") var name: String
        @Option(name: .long, help: "Comma-separated scopes: admin, ingest, query, widget.") var scopes: String
        @OptionGroup var options: DataOptions

        func run() async throws {
            let engine = try options.openEngine()
            defer { engine.close() }
            let (key, record) = try reportingErrors { () throws(CortexError) in
                try APIKeyStore(engine: engine).create(tenant: try TenantID(tenant), name: name, scopes: try APIKeyScopes(parsing: scopes))
            }
            if options.json {
                try printJSON(KeyJSON(record, key: key))
            } else {
                print("created \(record.keyID) for tenant \(record.tenantID) (scopes: \(record.scopes.names.joined(separator: ", ")))")
                print(key)
                print("This is the only time the key is shown; store it now.")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's keys (ids, names, scopes; never the keys).")
        @Option(name: .long, help: "Tenant id.") var tenant: String
        @OptionGroup var options: DataOptions

        func run() async throws {
            let engine = try options.openEngine()
            defer { engine.close() }
            let records = try reportingErrors { () throws(CortexError) in
                try APIKeyStore(engine: engine).list(tenant: try TenantID(tenant))
            }
            if options.json {
                try printJSON(records.map { KeyJSON($0) })
            } else if records.isEmpty {
                print("no keys")
            } else {
                for record in records {
                    let state = record.revokedAt.map { "revoked \(isoTimestamp(milliseconds: $0))" } ?? "active"
                    print("\(record.keyID)\t\(record.name)\t\(record.scopes.names.joined(separator: ","))\t\(state)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: it stops working at once and stays listed as revoked.")
        @Option(name: .long, help: "Tenant id.") var tenant: String
        @Option(name: .long, help: "Key id (key_…).") var id: String
        @OptionGroup var options: DataOptions

        func run() async throws {
            let engine = try options.openEngine()
            defer { engine.close() }
            let record = try reportingErrors { () throws(CortexError) in
                try APIKeyStore(engine: engine).revoke(tenant: try TenantID(tenant), keyID: id)
            }
            if options.json { try printJSON(KeyJSON(record)) } else { print("revoked \(record.keyID)") }
        }
    }
}
