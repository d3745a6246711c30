import CortexApp
import CortexCore
import CortexStorage
import Foundation
import Hummingbird
import NIOPosix

/// `/api/v2/…`: ChromaDB's HTTP API, so that the unmodified Python `chromadb-client` works
/// against Cortex (docs/chroma-compat.md; the contract is the client's 1.5.x behaviour).
///
/// Every Chroma tenant, database and collection lives inside the API key's Cortex tenant
/// (``ChromaCatalog``): the names in the path choose among the caller's own collections only.
/// Heartbeat, version, pre-flight checks and healthcheck need no key, as in Chroma.
struct ChromaRoutes: Sendable {
    let work: TenantWork
    let authentication: Authentication

    /// Largest batch the client may send (`max_batch_size`, enforced by the client; the
    /// reference server's value, below ``Limits/httpBatchCountMax``, which the server enforces).
    static let maxBatchSize = 5_461

    struct Heartbeat: Encodable {
        let nanoseconds: UInt64
        enum CodingKeys: String, CodingKey { case nanoseconds = "nanosecond heartbeat" }
    }

    struct PreFlight: Encodable {
        let maxBatchSize = ChromaRoutes.maxBatchSize
        let supportsBase64Encoding = true
        enum CodingKeys: String, CodingKey {
            case maxBatchSize = "max_batch_size"
            case supportsBase64Encoding = "supports_base64_encoding"
        }
    }

    struct Identity: Encodable {
        let userID: String
        let tenant = ChromaCatalog.defaultTenant
        let databases = [ChromaCatalog.defaultDatabase]
        enum CodingKeys: String, CodingKey {
            case userID = "user_id"
            case tenant, databases
        }
    }

    struct Tenant: Encodable {
        let name: String
        let resourceName: String? = nil
        enum CodingKeys: String, CodingKey {
            case name
            case resourceName = "resource_name"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encodeNil(forKey: .resourceName)
        }
    }

    struct Database: Encodable {
        let id: String
        let name: String
        let tenant: String

        init(_ record: ChromaDatabaseRecord) {
            id = record.id
            name = record.name
            tenant = record.tenant
        }
    }

    struct Health: Encodable {
        let isExecutorReady = true
        let isLogClientReady = true
        enum CodingKeys: String, CodingKey {
            case isExecutorReady = "is_executor_ready"
            case isLogClientReady = "is_log_client_ready"
        }
    }

    func register(on router: Router<CortexRequestContext>) {
        let open = router.group("api/v2").add(middleware: ChromaErrorMiddleware())
        open.get("heartbeat") { _, _ in
            jsonResponse(Heartbeat(nanoseconds: UInt64(Date().timeIntervalSince1970 * 1e9)))
        }
        // The Chroma API version this emulates (the reference server reports "1.0.0").
        open.get("version") { _, _ in jsonTextResponse(#""1.0.0""#) }
        open.get("pre-flight-checks") { _, _ in jsonResponse(PreFlight()) }
        open.get("healthcheck") { _, _ in jsonResponse(Health()) }

        let api = authentication.guarding(router.group("api/v2")
            .add(middleware: ChromaErrorMiddleware())
            .add(middleware: ChromaTokenMiddleware()))
        registerTenants(on: api)
        registerCollections(on: api)
        registerRecords(on: api)
    }

    private func registerTenants(on api: RouterGroup<CortexRequestContext>) {
        // The key's tenant is the user; its Chroma namespace starts at default_tenant/default_database.
        api.get("auth/identity") { _, context in jsonResponse(Identity(userID: try context.tenant(forWrite: false).rawValue)) }
        api.post("reset") { _, _ -> Response in
            throw CortexError.forbidden("Reset is disabled: the Chroma API never wipes a Cortex tenant")
        }
        api.post("tenants") { request, context in
            let tenant = try context.tenant(forWrite: true)
            let name = try await work.parse(request) { (data: Data) throws(CortexError) in try ChromaBody.fields(data).string("name") }
            try await run(tenant) { service throws(CortexError) in try service.catalog.createTenant(name) }
            return jsonTextResponse("{}")
        }
        api.get("tenants/{tenant}") { _, context in
            let name = try context.parameters.require("tenant")
            try await run(try context.tenant(forWrite: false)) { service throws(CortexError) in try service.catalog.requireTenant(name) }
            return jsonResponse(Tenant(name: name))
        }
        api.post("tenants/{tenant}/databases") { request, context in
            let tenant = try context.tenant(forWrite: true)
            let chromaTenant = try context.parameters.require("tenant")
            let name = try await work.parse(request) { (data: Data) throws(CortexError) in try ChromaBody.fields(data).string("name") }
            try await run(tenant) { service throws(CortexError) in try service.catalog.createDatabase(tenant: chromaTenant, name: name) }
            return jsonTextResponse("{}")
        }
        api.get("tenants/{tenant}/databases") { request, context in
            let chromaTenant = try context.parameters.require("tenant")
            let (limit, offset) = try Self.page(request)
            let found = try await run(try context.tenant(forWrite: false)) { service throws(CortexError) in
                try service.catalog.databases(tenant: chromaTenant)
            }
            return jsonResponse(found.dropFirst(offset).prefix(limit ?? .max).map(Database.init))
        }
        api.get("tenants/{tenant}/databases/{database}") { _, context in
            let (chromaTenant, database) = try Self.names(context)
            return jsonResponse(Database(try await run(try context.tenant(forWrite: false)) { service throws(CortexError) in
                try service.catalog.database(tenant: chromaTenant, name: database)
            }))
        }
        api.delete("tenants/{tenant}/databases/{database}") { _, context in
            let (chromaTenant, database) = try Self.names(context)
            try await run(try context.tenant(forWrite: true)) { service throws(CortexError) in
                try service.dropRecords(of: try service.catalog.deleteDatabase(tenant: chromaTenant, name: database))
            }
            return jsonTextResponse("{}")
        }
    }

    // MARK: Plumbing

    /// Runs `body` with the tenant's Chroma service on the blocking pool.
    func run<T: Sendable>(_ tenant: TenantID, _ body: @escaping @Sendable (ChromaService) throws(CortexError) -> T) async throws -> T {
        try await work.run(tenant) { (environment: CortexStorage.Environment) throws(CortexError) -> T in
            try body(try ChromaService(environment: environment))
        }
    }

    /// The Chroma tenant and database of the path.
    static func names(_ context: CortexRequestContext) throws -> (tenant: String, database: String) {
        (try context.parameters.require("tenant"), try context.parameters.require("database"))
    }

    /// The collection id of the path, lowercase; Chroma's 400 when it is not a UUID.
    static func collectionID(_ context: CortexRequestContext) throws -> String {
        guard let id = UUID(uuidString: try context.parameters.require("collection")) else {
            throw CortexError.invalidInput("Collection ID is not a valid UUIDv4")
        }
        return id.uuidString.lowercased()
    }

    /// `?limit=&offset=` of a list call; both optional, non-negative integers.
    static func page(_ request: Request) throws(CortexError) -> (limit: Int?, offset: Int) {
        func number(_ name: String) throws(CortexError) -> Int? {
            guard let text = request.uri.queryParameters[name[...]] else { return nil }
            guard let value = Int(text), value >= 0 else { throw .invalidInput("\(name) must be a non-negative integer; got '\(text.prefix(32))'") }
            return value
        }
        return (try number("limit"), try number("offset") ?? 0)
    }
}
