import CortexCore
import CortexStorage
import CortexVector
import Foundation

/// Chroma's collection and record operations on one Cortex tenant: the catalog names the
/// collection, the engine holds its records (blocking; runs on the HTTP pool).
struct ChromaService {
    let catalog: ChromaCatalog
    let store: VectorStore

    init(environment: CortexStorage.Environment) throws(CortexError) {
        catalog = try ChromaCatalog(environment: environment)
        store = try VectorStore(environment: environment)
    }

    // MARK: Collections

    /// The Cortex collection holding `record`'s records; nil before the first write (or after an
    /// `/api/v1` caller of the same tenant deleted it: the Chroma collection then reads as empty).
    func engineCollection(_ record: ChromaCollectionRecord) throws(CortexError) -> VectorCollection? {
        do throws(CortexError) {
            return try store.collection(named: record.cortexName)
        } catch {
            guard error.code == .notFound else { throw error }
            return nil
        }
    }

    /// The Cortex collection, created on the first write with that write's dimension.
    private func materialize(_ record: ChromaCollectionRecord, dimension: Int) throws(CortexError) -> VectorCollection {
        if let existing = try engineCollection(record) { return existing }
        let settings = record.settings
        let configuration = CollectionConfiguration(
            name: record.cortexName, dimension: dimension, metric: ChromaVectors.engineMetric(for: settings.space),
            m: settings.maxNeighbors, efConstruction: settings.efConstruction, efSearch: settings.efSearch)
        do throws(CortexError) {
            return try store.create(configuration)
        } catch {
            // Another request's first write created it in between.
            guard error.code == .conflict else { throw error }
            return try store.collection(named: record.cortexName)
        }
    }

    /// The collection object as JSON text.
    func collectionJSON(_ record: ChromaCollectionRecord) throws(CortexError) -> String {
        ChromaResponses.collection(record, dimension: try engineCollection(record)?.descriptor.configuration.dimension)
    }

    /// Deletes Cortex collections whose catalog entries are gone (skipping ones never written to).
    func dropRecords(of records: [ChromaCollectionRecord]) throws(CortexError) {
        for record in records where try engineCollection(record) != nil {
            try store.deleteSync(named: record.cortexName)
        }
    }

    // MARK: Records

    /// `add`, `upsert` or `update`: one write transaction for the whole batch.
    func write(_ batch: ChromaRecordBatch, to record: ChromaCollectionRecord) throws(CortexError) {
        let collection: VectorCollection
        if batch.mode != .update, let dimension = batch.dimension {
            collection = try materialize(record, dimension: dimension)
        } else if let existing = try engineCollection(record) {
            collection = existing
        } else {
            return  // an update of a collection without records, or an empty batch: nothing to change
        }
        if let dimension = batch.dimension {
            try ChromaRecordBatch.checkDimension(expected: collection.descriptor.configuration.dimension, actual: dimension)
        }
        let (ids, grouped) = batch.changesByID
        let mode = batch.mode
        let space = record.settings.space
        _ = try collection.mergeSync(ids: ids) { (id: String, stored: VectorRecord?) throws(CortexError) -> VectorRecord? in
            try ChromaRecordBatch.merged(mode, grouped[id] ?? [], stored: stored, space: space)
        }
    }

    func count(_ record: ChromaCollectionRecord) throws(CortexError) -> Int {
        try engineCollection(record)?.count() ?? 0
    }

    func get(_ request: ChromaReadRequests.Get, from record: ChromaCollectionRecord) throws(CortexError) -> String {
        guard let collection = try engineCollection(record) else { return ChromaResponses.get([], include: request.include) }
        let vectors = request.include.embeddings
        let records: [VectorRecord]
        if let ids = request.ids {
            let found = try collection.get(ids: ids, includeVectors: vectors).filter { Self.passes(request.filter, $0) }
            records = Array(found.dropFirst(request.offset).prefix(request.limit ?? .max))
        } else if let filter = request.filter {
            records = try Self.pages(offset: request.offset, limit: request.limit) { (offset, limit) throws(CortexError) in
                try collection.get(filter: filter, offset: offset, limit: limit, includeVectors: vectors)
            }
        } else {
            records = try Self.pages(offset: request.offset, limit: request.limit) { (offset, limit) throws(CortexError) in
                try collection.list(offset: offset, limit: limit, includeVectors: vectors)
            }
        }
        return ChromaResponses.get(records.map(ChromaResponses.Record.init), include: request.include)
    }

    func query(_ request: ChromaReadRequests.Query, in record: ChromaCollectionRecord) throws(CortexError) -> String {
        guard let collection = try engineCollection(record) else {
            return ChromaResponses.query(request.embeddings.map { _ in [] }, include: request.include)
        }
        let dimension = collection.descriptor.configuration.dimension
        for embedding in request.embeddings { try ChromaRecordBatch.checkDimension(expected: dimension, actual: embedding.count) }
        let space = record.settings.space
        let queries = request.embeddings.map { space == .cosine ? ChromaVectors.unitLength($0).unit : $0 }
        let results = if let ids = request.ids {
            try Self.nearest(queries, among: ids, in: collection, request: request)
        } else {
            try Self.nearest(queries, in: collection, efSearch: record.settings.efSearch, request: request)
        }
        return ChromaResponses.query(results, include: request.include)
    }

    /// Deletes by ids, by filter, or both (the ids that pass the filter), at most `limit` records.
    func delete(_ request: ChromaReadRequests.Delete, from record: ChromaCollectionRecord) throws(CortexError) -> Int {
        guard let collection = try engineCollection(record) else { return 0 }
        switch (request.ids, request.filter, request.limit) {
        case (let ids?, nil, nil): return try collection.deleteSync(ids: ids)
        case (nil, let filter?, nil): return try collection.deleteSync(filter: filter)
        case (let ids?, let filter, let limit):
            let chosen = try collection.get(ids: ids).filter { Self.passes(filter, $0) }.map(\.id)
            return try collection.deleteSync(ids: Array(chosen.prefix(limit ?? .max)))
        case (nil, let filter?, let limit):
            let chosen = try Self.pages(offset: 0, limit: limit) { (offset, limit) throws(CortexError) in
                try collection.get(filter: filter, offset: offset, limit: limit)
            }
            return try collection.deleteSync(ids: chosen.map(\.id))
        case (nil, nil, _):
            preconditionFailure("ChromaReadRequests.delete requires ids or a filter")
        }
    }

    // MARK: Pieces

    private static func passes(_ filter: RecordFilter?, _ record: VectorRecord) -> Bool {
        filter?.matches(metadata: record.metadata, document: record.document) ?? true
    }

    /// Records from `offset`, at most `limit` (all when nil), fetched in pages the engine accepts.
    private static func pages(
        offset: Int, limit: Int?, _ page: (_ offset: Int, _ limit: Int) throws(CortexError) -> [VectorRecord]
    ) throws(CortexError) -> [VectorRecord] {
        let wanted = limit ?? .max
        var found: [VectorRecord] = []
        var next = offset
        while found.count < wanted {
            let size = min(wanted - found.count, VectorLimits.batchCountMax)
            let records = try page(next, size)
            found += records
            next += records.count
            if records.count < size { break }
        }
        return found
    }

    /// Graph search: the `n_results` nearest records passing the filter, per query.
    private static func nearest(
        _ queries: [[Float]], in collection: VectorCollection, efSearch: Int, request: ChromaReadRequests.Query
    ) throws(CortexError) -> [[(record: ChromaResponses.Record, distance: Float)]] {
        // Chroma answers every n_results by returning all matches when there are fewer.
        let k = min(request.nResults, try collection.count())
        guard k <= VectorLimits.kMax else {
            throw .invalidInput("n_results is \(request.nResults); Cortex returns at most \(VectorLimits.kMax) results per query")
        }
        var results: [[(record: ChromaResponses.Record, distance: Float)]] = []
        for query in queries {
            let hits = k == 0 ? [] : try collection.query(query, k: k, ef: efSearch, filter: request.filter)
            var byID: [String: VectorRecord] = [:]
            if request.include.needsRecords {
                // A second read: a record deleted in between keeps its id and distance only.
                let records = try collection.get(ids: hits.map(\.id), includeVectors: request.include.embeddings)
                byID = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            }
            results.append(hits.map { hit in
                (ChromaResponses.Record(byID[hit.id] ?? VectorRecord(id: hit.id, vector: [])), hit.distance)
            })
        }
        return results
    }

    /// Exact search among the given ids (Chroma's `ids` restriction on a query).
    private static func nearest(
        _ queries: [[Float]], among ids: [String], in collection: VectorCollection, request: ChromaReadRequests.Query
    ) throws(CortexError) -> [[(record: ChromaResponses.Record, distance: Float)]] {
        var unique: [String] = []
        var seen = Set<String>()
        for id in ids where seen.insert(id).inserted { unique.append(id) }
        let candidates = try collection.get(ids: unique, includeVectors: true).filter { passes(request.filter, $0) }
        let metric = collection.descriptor.configuration.metric
        return queries.map { query in
            let scored = candidates.enumerated().map { (index: $0.offset, distance: ChromaVectors.distance(metric, query, $0.element.vector)) }
            let best = scored.sorted { $0.distance < $1.distance || ($0.distance == $1.distance && $0.index < $1.index) }.prefix(request.nResults)
            return best.map { (ChromaResponses.Record(candidates[$0.index]), $0.distance) }
        }
    }
}
