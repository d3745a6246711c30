import CortexCore
import CortexStorage
import CortexVector
import CortexWire

/// Executes decoded requests against one tenant's vector store or its analytics rows.
///
/// Blocking: every call runs LMDB transactions on the calling thread, so the
/// wire listener calls it from its thread pool, never from an event loop.
struct WireDispatcher: Sendable {
    let engine: StorageEngine
    let analytics: AnalyticsAccess
    let limits: WireLimits

    func execute(_ request: WireRequest, tenant: TenantID) throws(CortexError) -> WireResponse {
        switch request {
        case .analyticsAppend(let append):
            let rows = try WireAnalytics.rows(append.batch, schema: try analytics.schema(of: append.table))
            return .analyticsAppended(UInt32(try analytics.append(rows, to: append.table, tenant: tenant)))
        case .analyticsSQL(let query):
            let result = try analytics.query(query.sql, parameters: WireAnalytics.parameters(query.parameters), tenant: tenant)
            return .analyticsResult(try WireAnalytics.batch(result))
        default:
            return try executeVector(request, tenant: tenant)
        }
    }

    private func executeVector(_ request: WireRequest, tenant: TenantID) throws(CortexError) -> WireResponse {
        try engine.withTenantSync(tenant) { (environment: Environment) throws(CortexError) -> WireResponse in
            let store = try VectorStore(environment: environment)
            switch request {
            case .ping(let bytes):
                return .pong(bytes)
            case .collectionCreate(let spec):
                let collection = try store.create(WireConversions.configuration(spec))
                return .collection(WireConversions.info(collection.descriptor, count: 0))
            case .collectionInfo(let name):
                let collection = try store.collection(named: name)
                return .collection(WireConversions.info(collection.descriptor, count: try collection.count()))
            case .collectionList:
                var infos: [CollectionInfo] = []
                for descriptor in try store.list() {
                    infos.append(WireConversions.info(descriptor, count: try store.collection(named: descriptor.configuration.name).count()))
                }
                return .collections(infos)
            case .collectionDrop(let name):
                try store.deleteSync(named: name)
                return .dropped
            case .upsert(let upsert):
                let collection = try store.collection(named: upsert.collection)
                var records: [VectorRecord] = []
                records.reserveCapacity(upsert.records.count)
                for record in upsert.records { records.append(try WireConversions.record(record)) }
                let summary = try collection.upsertSync(records)
                return .upserted(inserted: summary.inserted, updated: summary.updated)
            case .query(let query):
                return try self.query(query, store: store)
            case .get(let get):
                return try self.get(get, store: store)
            case .delete(let delete):
                return try self.delete(delete, store: store)
            case .count(let name):
                return .count(UInt64(try store.collection(named: name).count()))
            case .analyticsAppend, .analyticsSQL:
                preconditionFailure("analytics requests are executed by execute(_:tenant:)")
            }
        }
    }

    private func query(_ query: QueryRequest, store: VectorStore) throws(CortexError) -> WireResponse {
        let collection = try store.collection(named: query.collection)
        let filter = try WireConversions.filter(where: query.whereFilter, document: query.whereDocument)
        let hits = try collection.query(query.vector, k: query.k, ef: query.ef == 0 ? nil : query.ef, filter: filter)
        guard !query.include.isEmpty else {
            return .hits(include: [], hits.map { WireHit(record: WireRecord(id: $0.id, vector: nil), distance: $0.distance) })
        }
        // A second read transaction: a record deleted in between is returned with its id and distance only.
        let records = try collection.get(ids: hits.map(\.id), includeVectors: query.include.contains(.vector))
        let byID = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return .hits(include: query.include, hits.map { hit in
            let record = byID[hit.id].map { WireConversions.wireRecord($0, include: query.include) }
                ?? WireRecord(id: hit.id, vector: query.include.contains(.vector) ? [] : nil)
            return WireHit(record: record, distance: hit.distance)
        })
    }

    private func get(_ get: GetRequest, store: VectorStore) throws(CortexError) -> WireResponse {
        let collection = try store.collection(named: get.collection)
        let filter = try WireConversions.filter(where: get.whereFilter, document: get.whereDocument)
        let includeVectors = get.include.contains(.vector)
        let records: [VectorRecord]
        if !get.ids.isEmpty {
            guard filter == nil else { throw .invalidInput("GET takes ids or filters, not both") }
            records = try collection.get(ids: get.ids, includeVectors: includeVectors)
        } else if let filter {
            records = try collection.get(filter: filter, offset: get.offset, limit: get.limit == 0 ? 100 : get.limit, includeVectors: includeVectors)
        } else {
            records = try collection.list(offset: get.offset, limit: get.limit == 0 ? 100 : get.limit, includeVectors: includeVectors)
        }
        return .records(include: get.include, records.map { WireConversions.wireRecord($0, include: get.include) })
    }

    private func delete(_ delete: DeleteRequest, store: VectorStore) throws(CortexError) -> WireResponse {
        let collection = try store.collection(named: delete.collection)
        let filter = try WireConversions.filter(where: delete.whereFilter, document: delete.whereDocument)
        switch (delete.ids.isEmpty, filter) {
        case (false, nil): return .deleted(UInt64(try collection.deleteSync(ids: delete.ids)))
        case (true, let filter?): return .deleted(UInt64(try collection.deleteSync(filter: filter)))
        case (false, .some): throw .invalidInput("DELETE takes ids or filters, not both")
        case (true, nil): throw .invalidInput("DELETE needs ids or a filter")
        }
    }
}
