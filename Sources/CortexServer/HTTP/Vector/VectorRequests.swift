import CortexCore
import CortexVector
import Foundation

/// Which record fields a query or get returns (`include`).
struct RecordInclude: Equatable {
    var metadata: Bool
    var document: Bool
    var vector: Bool

    static let standard = RecordInclude(metadata: true, document: true, vector: false)

    static func parse(_ fields: JSONFields) throws(CortexError) -> RecordInclude {
        guard let names = try fields.optionalStrings("include") else { return .standard }
        var include = RecordInclude(metadata: false, document: false, vector: false)
        for name in names {
            switch name {
            case "metadata": include.metadata = true
            case "document": include.document = true
            case "vector": include.vector = true
            default: throw .invalidInput("include may list metadata, document and vector; got '\(name)'")
            }
        }
        return include
    }
}

/// The request bodies of `/api/v1/collections…`, parsed and checked against the HTTP limits;
/// the engine checks the rest (dimension, k, ef, ids) and names the value.
enum VectorRequests {
    static func configuration(_ body: Data) throws(CortexError) -> CollectionConfiguration {
        let fields = try JSONFields.body(
            body, allowed: ["name", "dimension", "metric", "m", "ef_construction", "ef_search", "pq_m", "embedding_model"])
        let metricName = try fields.string("metric")
        guard let metric = Metric(rawValue: metricName) else {
            throw .invalidInput("metric must be l2, ip or cosine; got '\(metricName.prefix(64))'")
        }
        let embeddingModel = try fields.optionalString("embedding_model")
        // With an embedding model the dimension may be left to the server (the model's); 0 marks "not given".
        let dimension = embeddingModel == nil ? try fields.int("dimension") : try fields.optionalInt("dimension") ?? 0
        let configuration = CollectionConfiguration(
            name: try fields.string("name"), dimension: dimension, metric: metric,
            m: try fields.optionalInt("m") ?? 16, efConstruction: try fields.optionalInt("ef_construction") ?? 200,
            efSearch: try fields.optionalInt("ef_search") ?? 64, pqSubquantizers: try fields.optionalInt("pq_m"),
            embeddingModel: embeddingModel)
        if embeddingModel == nil { try configuration.validate() }
        return configuration
    }

    /// Records to upsert; a record without `vector` must have a `document` (the server embeds
    /// it, when the collection names an embedding model) and comes back with an empty vector.
    static func records(_ body: Data) throws(CortexError) -> [VectorRecord] {
        let fields = try JSONFields.body(body, allowed: ["records"])
        let elements = try fields.array("records")
        try checkCount(elements.count, of: "records")
        var records: [VectorRecord] = []
        records.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            let record = try JSONFields(element, path: "records[\(index)]", allowed: ["id", "vector", "metadata", "document"])
            let metadata = try record.optional("metadata").map { (json: JSONValue) throws(CortexError) in
                do throws(CortexError) {
                    return try MetadataValue.metadata(json: json)
                } catch {
                    throw CortexError(error.code, "\(record.name("metadata")): \(error.message)")
                }
            }
            let document = try record.optionalString("document")
            let vector = try record.optionalVector("vector")
            guard vector != nil || document != nil else {
                throw .invalidInput("\(record.name("vector")) is required (or a document, for a collection with an embedding model)")
            }
            records.append(VectorRecord(id: try record.string("id"), vector: vector ?? [], metadata: metadata, document: document))
        }
        return records
    }

    struct Query {
        /// Empty when the query gave `text` instead (the server embeds it).
        var vector: [Float]
        var text: String?
        var k: Int
        var ef: Int?
        var filter: RecordFilter?
        var include: RecordInclude
    }

    static func query(_ body: Data) throws(CortexError) -> Query {
        let fields = try JSONFields.body(body, allowed: ["vector", "text", "k", "filter", "where_document", "ef", "include"])
        let vector = try fields.optionalVector("vector")
        let text = try fields.optionalString("text")
        guard (vector == nil) != (text == nil) else {
            throw .invalidInput("a query needs exactly one of vector and text (text: for a collection with an embedding model)")
        }
        return Query(
            vector: vector ?? [], text: text, k: try fields.int("k"), ef: try fields.optionalInt("ef"),
            filter: try filter(fields), include: try RecordInclude.parse(fields))
    }

    struct Get {
        var ids: [String]?
        var filter: RecordFilter?
        var offset: Int
        var limit: Int
        var include: RecordInclude
    }

    static func get(_ body: Data) throws(CortexError) -> Get {
        let fields = try JSONFields.body(body, allowed: ["ids", "filter", "where_document", "limit", "offset", "include"])
        let ids = try fields.optionalStrings("ids")
        if let ids { try checkCount(ids.count, of: "ids") }
        let limit = try fields.optionalInt("limit") ?? 100
        guard (0...Limits.httpBatchCountMax).contains(limit) else {
            throw .invalidInput("limit must be 0-\(Limits.httpBatchCountMax); got \(limit)")
        }
        let offset = try fields.optionalInt("offset") ?? 0
        guard offset >= 0 else { throw .invalidInput("offset must be ≥ 0; got \(offset)") }
        let get = Get(ids: ids, filter: try filter(fields), offset: offset, limit: limit, include: try RecordInclude.parse(fields))
        if get.ids != nil, get.filter != nil { throw .invalidInput("get takes ids or filter/where_document, not both") }
        return get
    }

    enum Deletion {
        case ids([String])
        case filter(RecordFilter)
    }

    static func delete(_ body: Data) throws(CortexError) -> Deletion {
        let fields = try JSONFields.body(body, allowed: ["ids", "filter", "where_document"])
        let ids = try fields.optionalStrings("ids")
        switch (ids, try filter(fields)) {
        case (let ids?, nil):
            try checkCount(ids.count, of: "ids")
            return .ids(ids)
        case (nil, let filter?): return .filter(filter)
        case (.some, .some): throw .invalidInput("delete takes ids or filter/where_document, not both")
        case (nil, nil): throw .invalidInput("delete needs ids or a filter (filter and/or where_document)")
        }
    }

    /// The metadata filter (field `metadataKey`: `filter` here, `where` in Chroma's API) and
    /// `where_document` combined; nil when both are absent.
    static func filter(_ fields: JSONFields, metadataKey: String = "filter") throws(CortexError) -> RecordFilter? {
        let metadata = try fields.optional(metadataKey).map { (json: JSONValue) throws(CortexError) in
            do throws(CortexError) {
                return try MetadataFilter.parse(json)
            } catch {
                throw CortexError(error.code, "\(metadataKey): \(error.message)")
            }
        }
        let document = try fields.optional("where_document").map { (json: JSONValue) throws(CortexError) in
            do throws(CortexError) {
                return try DocumentFilter.parse(json)
            } catch {
                throw CortexError(error.code, "where_document: \(error.message)")
            }
        }
        guard metadata != nil || document != nil else { return nil }
        return RecordFilter(metadata: metadata, document: document)
    }

    private static func checkCount(_ count: Int, of field: String) throws(CortexError) {
        guard count <= Limits.httpBatchCountMax else {
            throw .tooLarge("\(field) has \(count) entries; the limit is \(Limits.httpBatchCountMax) per request")
        }
    }
}
