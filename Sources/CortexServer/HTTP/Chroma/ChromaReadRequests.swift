import CortexCore
import CortexVector
import Foundation

/// Which fields a get or query returns (`include`); the answer echoes the list as given.
struct ChromaInclude: Sendable, Equatable {
    var names: [String]

    static let getDefault = ChromaInclude(names: ["metadatas", "documents"])
    static let queryDefault = ChromaInclude(names: ["metadatas", "documents", "distances"])
    static let allowed: Set<String> = ["documents", "embeddings", "metadatas", "distances", "uris"]

    var documents: Bool { names.contains("documents") }
    var embeddings: Bool { names.contains("embeddings") }
    var metadatas: Bool { names.contains("metadatas") }
    var distances: Bool { names.contains("distances") }
    var uris: Bool { names.contains("uris") }
    /// Whether the answer needs the records' stored fields, beyond ids and distances.
    var needsRecords: Bool { documents || embeddings || metadatas || uris }

    static func parse(_ fields: JSONFields, default standard: ChromaInclude) throws(CortexError) -> ChromaInclude {
        guard let names = try fields.optionalStrings("include") else { return standard }
        if let unknown = names.first(where: { !allowed.contains($0) }) {
            throw .invalidInput("include may list \(allowed.sorted().joined(separator: ", ")); got '\(unknown.prefix(64))'")
        }
        return ChromaInclude(names: names)
    }
}

/// The bodies of `get`, `query` and `delete` (CHROMA_API.md §4, §6, §7).
enum ChromaReadRequests {
    struct Get: Sendable {
        var ids: [String]?
        var filter: RecordFilter?
        var limit: Int?
        var offset: Int
        var include: ChromaInclude
    }

    static func get(_ body: Data) throws(CortexError) -> Get {
        let fields = try ChromaBody.fields(body)
        let limit = try fields.optionalInt("limit")
        if let limit, limit < 0 { throw .invalidInput("limit must be ≥ 0; got \(limit)") }
        let offset = try fields.optionalInt("offset") ?? 0
        guard offset >= 0 else { throw .invalidInput("offset must be ≥ 0; got \(offset)") }
        return Get(
            ids: try ids(fields), filter: try filter(fields), limit: limit, offset: offset,
            include: try ChromaInclude.parse(fields, default: .getDefault))
    }

    struct Query: Sendable {
        var ids: [String]?
        var embeddings: [[Float]]
        var nResults: Int
        var filter: RecordFilter?
        var include: ChromaInclude
    }

    static func query(_ body: Data) throws(CortexError) -> Query {
        let fields = try ChromaBody.fields(body)
        let elements = try fields.array("query_embeddings")
        guard elements.count <= Limits.httpBatchCountMax else {
            throw .tooLarge("query_embeddings has \(elements.count) entries; the limit is \(Limits.httpBatchCountMax) per request")
        }
        var embeddings: [[Float]] = []
        for (index, element) in elements.enumerated() {
            embeddings.append(try ChromaVectors.embedding(element, name: "query_embeddings[\(index)]"))
        }
        let nResults = try fields.optionalInt("n_results") ?? 10
        guard nResults >= 1 else { throw .invalidInput("n_results must be ≥ 1; got \(nResults)") }
        return Query(
            ids: try ids(fields), embeddings: embeddings, nResults: nResults, filter: try filter(fields),
            include: try ChromaInclude.parse(fields, default: .queryDefault))
    }

    struct Delete: Sendable {
        var ids: [String]?
        var filter: RecordFilter?
        var limit: Int?
    }

    static func delete(_ body: Data) throws(CortexError) -> Delete {
        let fields = try ChromaBody.fields(body)
        let deletion = Delete(ids: try ids(fields), filter: try filter(fields), limit: try fields.optionalInt("limit"))
        if let limit = deletion.limit, limit < 0 { throw .invalidInput("limit must be ≥ 0; got \(limit)") }
        guard deletion.ids != nil || deletion.filter != nil else {
            throw .invalidInput("delete needs ids, where or where_document")
        }
        return deletion
    }

    private static func ids(_ fields: JSONFields) throws(CortexError) -> [String]? {
        guard let ids = try fields.optionalStrings("ids") else { return nil }
        guard ids.count <= Limits.httpBatchCountMax else {
            throw .tooLarge("ids has \(ids.count) entries; the limit is \(Limits.httpBatchCountMax) per request")
        }
        return ids
    }

    private static func filter(_ fields: JSONFields) throws(CortexError) -> RecordFilter? {
        try VectorRequests.filter(fields, metadataKey: "where")
    }
}
