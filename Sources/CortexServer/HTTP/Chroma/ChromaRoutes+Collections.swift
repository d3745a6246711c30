import CortexCore
import Foundation
import Hummingbird

extension ChromaRoutes {
    /// Collections: the path names a collection by name for get and delete, by id (UUID) for
    /// modify, get-by-id and every record operation, as in Chroma.
    func registerCollections(on api: RouterGroup<CortexRequestContext>) {
        let base = "tenants/{tenant}/databases/{database}"
        api.get("\(base)/collections") { request, context in
            let (chromaTenant, database) = try Self.names(context)
            let (limit, offset) = try Self.page(request)
            return jsonTextResponse(try await run(try context.tenant(forWrite: false)) { service throws(CortexError) in
                let page = try service.catalog.collections(tenant: chromaTenant, database: database).dropFirst(offset).prefix(limit ?? .max)
                var texts: [String] = []
                for record in page { texts.append(try service.collectionJSON(record)) }
                return "[" + texts.joined(separator: ",") + "]"
            })
        }
        api.get("\(base)/collections_count") { _, context in
            let (chromaTenant, database) = try Self.names(context)
            let count = try await run(try context.tenant(forWrite: false)) { service throws(CortexError) in
                try service.catalog.collections(tenant: chromaTenant, database: database).count
            }
            return jsonTextResponse(String(count))
        }
        api.post("\(base)/collections") { request, context in
            let (chromaTenant, database) = try Self.names(context)
            let tenant = try context.tenant(forWrite: true)
            let create = try await work.parse(request, ChromaCollectionRequests.create)
            return jsonTextResponse(try await run(tenant) { service throws(CortexError) in
                let draft = ChromaCollectionRecord(
                    id: UUID().uuidString.lowercased(), tenant: chromaTenant, database: database, name: create.name, sequence: 0,
                    metadataJSON: create.metadataJSON, settings: create.settings, embeddingFunctionJSON: create.embeddingFunctionJSON)
                return try service.collectionJSON(try service.catalog.createCollection(draft, getOrCreate: create.getOrCreate))
            })
        }
        api.get("\(base)/collections/{collection}") { _, context in
            let (chromaTenant, database) = try Self.names(context)
            let name = try context.parameters.require("collection")
            return jsonTextResponse(try await run(try context.tenant(forWrite: false)) { service throws(CortexError) in
                try service.collectionJSON(try service.catalog.collection(tenant: chromaTenant, database: database, name: name))
            })
        }
        api.get("\(base)/collections/by-id/{collection}") { _, context in
            let (chromaTenant, database) = try Self.names(context)
            let id = try Self.collectionID(context)
            return jsonTextResponse(try await run(try context.tenant(forWrite: false)) { service throws(CortexError) in
                try service.collectionJSON(try service.catalog.collection(tenant: chromaTenant, database: database, id: id))
            })
        }
        api.put("\(base)/collections/{collection}") { request, context in
            let (chromaTenant, database) = try Self.names(context)
            let id = try Self.collectionID(context)
            let tenant = try context.tenant(forWrite: true)
            let modify = try await work.parse(request, ChromaCollectionRequests.modify)
            try await run(tenant) { service throws(CortexError) in
                var record = try service.catalog.collection(tenant: chromaTenant, database: database, id: id)
                if let name = modify.newName { record.name = name }
                if let metadata = modify.newMetadataJSON { record.metadataJSON = metadata }
                if let configuration = modify.newConfiguration { try ChromaCollectionRequests.applyModify(configuration, to: &record) }
                try service.catalog.updateCollection(record)
            }
            return jsonTextResponse("{}")
        }
        api.delete("\(base)/collections/{collection}") { _, context in
            let (chromaTenant, database) = try Self.names(context)
            let name = try context.parameters.require("collection")
            try await run(try context.tenant(forWrite: true)) { service throws(CortexError) in
                try service.dropRecords(of: [try service.catalog.deleteCollection(tenant: chromaTenant, database: database, name: name)])
            }
            return jsonTextResponse("{}")
        }
    }

    /// Records of the collection with the path's id.
    func registerRecords(on api: RouterGroup<CortexRequestContext>) {
        let base = "tenants/{tenant}/databases/{database}/collections/{collection}"
        for mode in [ChromaRecordBatch.Mode.add, .upsert, .update] {
            api.post("\(base)/\(mode.rawValue)") { request, context in
                let target = try CollectionTarget(context, write: true)
                let parser: @Sendable (Data) throws(CortexError) -> ChromaRecordBatch = { data throws(CortexError) in try ChromaRecordBatch.parse(data, mode: mode) }
                try await on(target, parsing: request, parser) { service, record, batch throws(CortexError) in try service.write(batch, to: record) }
                return jsonTextResponse("{}", status: mode == .add ? .created : .ok)
            }
        }
        api.get("\(base)/count") { _, context in
            let count = try await on(try CollectionTarget(context, write: false)) { service, record throws(CortexError) in try service.count(record) }
            return jsonTextResponse(String(count))
        }
        api.post("\(base)/get") { request, context in
            let target = try CollectionTarget(context, write: false)
            return jsonTextResponse(try await on(target, parsing: request, ChromaReadRequests.get) { service, record, get throws(CortexError) in
                try service.get(get, from: record)
            })
        }
        api.post("\(base)/query") { request, context in
            let target = try CollectionTarget(context, write: false)
            return jsonTextResponse(try await on(target, reading: request, ChromaReadRequests.query) { service, record, query throws(CortexError) in
                try service.query(query, in: record)
            })
        }
        api.post("\(base)/delete") { request, context in
            let target = try CollectionTarget(context, write: true)
            let deleted = try await on(target, parsing: request, ChromaReadRequests.delete) { service, record, deletion throws(CortexError) in
                try service.delete(deletion, from: record)
            }
            return jsonTextResponse(#"{"deleted":\#(deleted)}"#)
        }
    }

    /// The collection a record route acts on: the key's tenant (its scope checked before the body
    /// is read) and the path's Chroma tenant, database and collection id.
    struct CollectionTarget: Sendable {
        let tenant: TenantID
        let chromaTenant: String
        let database: String
        let id: String

        init(_ context: CortexRequestContext, write: Bool) throws {
            (chromaTenant, database) = try ChromaRoutes.names(context)
            id = try ChromaRoutes.collectionID(context)
            tenant = try context.tenant(forWrite: write)
        }

        /// The collection in `service` (`notFound` when it is not in the key's tenant).
        func record(in service: ChromaService) throws(CortexError) -> ChromaCollectionRecord {
            try service.catalog.collection(tenant: chromaTenant, database: database, id: id)
        }
    }

    /// Parses the body with `parser`, then runs `operation` on the target collection with the
    /// parsed value, in one trip to the blocking pool (``TenantWork/run(_:parsing:_:_:)``).
    private func on<Parsed, T: Sendable>(
        _ target: CollectionTarget, parsing request: Request, _ parser: @escaping @Sendable (Data) throws(CortexError) -> Parsed,
        _ operation: @escaping @Sendable (ChromaService, ChromaCollectionRecord, Parsed) throws(CortexError) -> T
    ) async throws -> T {
        try await work.run(target.tenant, parsing: request, parser) { parsed, environment throws(CortexError) in
            let service = try ChromaService(environment: environment)
            return try operation(service, try target.record(in: service), parsed)
        }
    }

    /// ``on(_:parsing:_:_:)`` for a bounded read: on the request's own task when the body is small
    /// and the tenant open (``TenantWork/read(_:parsing:_:_:)``).
    private func on<Parsed: Sendable, T: Sendable>(
        _ target: CollectionTarget, reading request: Request, _ parser: @escaping @Sendable (Data) throws(CortexError) -> Parsed,
        _ operation: @escaping @Sendable (ChromaService, ChromaCollectionRecord, Parsed) throws(CortexError) -> T
    ) async throws -> T {
        try await work.read(target.tenant, parsing: request, parser) { parsed, environment throws(CortexError) in
            let service = try ChromaService(environment: environment)
            return try operation(service, try target.record(in: service), parsed)
        }
    }

    /// Runs `operation` on the target collection (`notFound` when it is not in the key's tenant).
    private func on<T: Sendable>(
        _ target: CollectionTarget, _ operation: @escaping @Sendable (ChromaService, ChromaCollectionRecord) throws(CortexError) -> T
    ) async throws -> T {
        try await run(target.tenant) { service throws(CortexError) in
            try operation(service, try target.record(in: service))
        }
    }
}
