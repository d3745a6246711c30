import CortexApp
import CortexCore
import CortexStorage
import CortexVector
import Foundation
import Hummingbird
import NIOCore
import NIOPosix

/// `/api/v1/collections…`: the vector API of the caller's tenant (docs/openapi.yaml).
///
/// The tenant is the API key's, never a path or body field: another tenant's
/// collection of the same name simply does not exist for the caller (404).
/// Storage work runs on `pool` (LMDB transactions block), the same semantics
/// as the wire protocol's dispatcher.
struct CollectionRoutes: Sendable {
    let engine: StorageEngine
    let pool: NIOThreadPool
    /// Largest request body accepted (`server.http_body_max_bytes`).
    let bodyByteCountMax: Int

    func register(on group: RouterGroup<CortexRequestContext>) {
        group.post("collections") { request, context in
            let tenant = try context.tenant(forWrite: true)
            let configuration = try await parse(request, VectorRequests.configuration)
            let created = try await run(tenant) { store throws(CortexError) in
                VectorResponses.Collection(try store.create(configuration).descriptor, count: 0)
            }
            return jsonResponse(created, status: .created)
        }
        group.get("collections") { _, context in
            jsonResponse(try await run(try context.tenant(forWrite: false)) { store throws(CortexError) in
                var collections: [VectorResponses.Collection] = []
                for descriptor in try store.list() {
                    let count = try store.collection(named: descriptor.configuration.name).count()
                    collections.append(VectorResponses.Collection(descriptor, count: count))
                }
                return VectorResponses.Collections(collections: collections)
            })
        }
        group.get("collections/{name}") { _, context in
            let name = try context.parameters.require("name")
            return jsonResponse(try await run(try context.tenant(forWrite: false)) { store throws(CortexError) in
                let collection = try store.collection(named: name)
                return VectorResponses.Collection(collection.descriptor, count: try collection.count())
            })
        }
        group.delete("collections/{name}") { _, context in
            let name = try context.parameters.require("name")
            try await run(try context.tenant(forWrite: true)) { store throws(CortexError) in try store.deleteSync(named: name) }
            return jsonResponse(VectorResponses.Dropped(deleted: name))
        }
        group.get("collections/{name}/count") { _, context in
            let name = try context.parameters.require("name")
            return jsonResponse(try await run(try context.tenant(forWrite: false)) { store throws(CortexError) in
                VectorResponses.Count(count: try store.collection(named: name).count())
            })
        }
        registerRecordRoutes(on: group)
    }

    private func registerRecordRoutes(on group: RouterGroup<CortexRequestContext>) {
        group.post("collections/{name}/records") { request, context in
            let name = try context.parameters.require("name")
            let tenant = try context.tenant(forWrite: true)
            let records = try await parse(request, VectorRequests.records)
            return jsonResponse(try await run(tenant) { store throws(CortexError) in
                let summary = try store.collection(named: name).upsertSync(records)
                return VectorResponses.Upserted(inserted: summary.inserted, updated: summary.updated)
            })
        }
        group.post("collections/{name}/query") { request, context in
            let name = try context.parameters.require("name")
            let tenant = try context.tenant(forWrite: false)
            let query = try await parse(request, VectorRequests.query)
            return jsonTextResponse(try await run(tenant) { store throws(CortexError) in
                try Self.query(query, collection: try store.collection(named: name))
            })
        }
        group.post("collections/{name}/get") { request, context in
            let name = try context.parameters.require("name")
            let tenant = try context.tenant(forWrite: false)
            let get = try await parse(request, VectorRequests.get)
            return jsonTextResponse(try await run(tenant) { store throws(CortexError) in
                try Self.get(get, collection: try store.collection(named: name))
            })
        }
        group.post("collections/{name}/delete") { request, context in
            let name = try context.parameters.require("name")
            let tenant = try context.tenant(forWrite: true)
            let deletion = try await parse(request, VectorRequests.delete)
            return jsonResponse(try await run(tenant) { store throws(CortexError) in
                let collection = try store.collection(named: name)
                switch deletion {
                case .ids(let ids): return VectorResponses.Deleted(deleted: try collection.deleteSync(ids: ids))
                case .filter(let filter): return VectorResponses.Deleted(deleted: try collection.deleteSync(filter: filter))
                }
            })
        }
    }

    // MARK: Execution (blocking; on the pool)

    private static func query(_ query: VectorRequests.Query, collection: VectorCollection) throws(CortexError) -> String {
        let hits = try collection.query(query.vector, k: query.k, ef: query.ef, filter: query.filter)
        let include = query.include
        guard include != RecordInclude(metadata: false, document: false, vector: false) else {
            return VectorResponses.recordList("results", hits.map {
                VectorResponses.Record(VectorRecord(id: $0.id, vector: []), distance: $0.distance, include: include)
            })
        }
        // A second read transaction: a record deleted in between is returned with its id and distance only (as on the wire).
        let records = try collection.get(ids: hits.map(\.id), includeVectors: include.vector)
        let byID = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return VectorResponses.recordList("results", hits.map { hit in
            VectorResponses.Record(byID[hit.id] ?? VectorRecord(id: hit.id, vector: []), distance: hit.distance, include: include)
        })
    }

    private static func get(_ get: VectorRequests.Get, collection: VectorCollection) throws(CortexError) -> String {
        let records: [VectorRecord]
        if let ids = get.ids {
            records = try collection.get(ids: ids, includeVectors: get.include.vector)
        } else if let filter = get.filter {
            records = try collection.get(filter: filter, offset: get.offset, limit: get.limit, includeVectors: get.include.vector)
        } else {
            records = try collection.list(offset: get.offset, limit: get.limit, includeVectors: get.include.vector)
        }
        return VectorResponses.recordList("records", records.map { VectorResponses.Record($0, distance: nil, include: get.include) })
    }

    // MARK: Plumbing

    /// Runs `body` with the tenant's vector store on the blocking pool.
    private func run<T: Sendable>(
        _ tenant: TenantID, _ body: @escaping @Sendable (VectorStore) throws(CortexError) -> T
    ) async throws -> T {
        let engine = self.engine
        return try await pool.runIfActive {
            try engine.withTenantSync(tenant) { (environment: CortexStorage.Environment) throws(CortexError) -> T in
                try body(try VectorStore(environment: environment))
            }
        }
    }

    /// Reads the body and parses it on the pool: a body of many megabytes takes a while to parse,
    /// and the cooperative pool (two threads on a small machine) must stay free for other requests.
    private func parse<T: Sendable>(_ request: Request, _ parser: @escaping @Sendable (Data) throws(CortexError) -> T) async throws -> T {
        let data = try await request.collectBody(upTo: bodyByteCountMax, setting: "server.http_body_max_bytes")
        return try await pool.runIfActive { try parser(data) }
    }
}
