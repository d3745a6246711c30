import CortexCore
import CortexVector
import Foundation

/// Response bodies of the Chroma API, written as JSON text: metadata keeps its int/float kinds
/// (``MetadataValue/jsonText(_:)``), which `JSONEncoder` would blur.
enum ChromaResponses {
    /// A record as Chroma shows it: reserved metadata keys taken out, the vector as the client sent it.
    struct Record: Sendable {
        let id: String
        let embedding: [Float]
        let document: String?
        /// User metadata; nil when there is none.
        let metadata: [String: MetadataValue]?
        let uri: String?

        init(_ record: VectorRecord) {
            id = record.id
            document = record.document
            var metadata = record.metadata ?? [:]
            var norm: Double?
            if case .double(let value)? = metadata.removeValue(forKey: ChromaVectors.normKey) { norm = value }
            if case .string(let value)? = metadata.removeValue(forKey: ChromaRecordBatch.uriKey) { uri = value } else { uri = nil }
            for key in metadata.keys where key.hasPrefix(ChromaRecordBatch.reservedPrefix) { metadata[key] = nil }
            self.metadata = metadata.isEmpty ? nil : metadata
            embedding = record.vector.isEmpty ? [] : ChromaVectors.original(record.vector, norm: norm)
        }
    }

    /// The collection object (CHROMA_API.md §8); `dimension` is nil until the first write.
    static func collection(_ record: ChromaCollectionRecord, dimension: Int?) -> String {
        let fields: [(String, String)] = [
            ("id", string(record.id)), ("name", string(record.name)),
            ("configuration_json", ChromaCollectionRequests.configurationJSON(record)), ("schema", ChromaSchema.json(record.settings)),
            ("metadata", record.metadataJSON ?? "null"), ("dimension", dimension.map(String.init) ?? "null"),
            ("tenant", string(record.tenant)), ("database", string(record.database)), ("log_position", "0"), ("version", "0"),
        ]
        return object(fields)
    }

    /// GetResult: flat lists aligned with `ids`; fields not included are `null`.
    static func get(_ records: [Record], include: ChromaInclude) -> String {
        var fields = [("ids", list(records.map { string($0.id) }))]
        fields += recordFields([records], include: include) { $0.first ?? "[]" }
        fields.append(("include", list(include.names.map(string))))
        return object(fields)
    }

    /// QueryResult: one list per query embedding, closest first.
    static func query(_ results: [[(record: Record, distance: Float)]], include: ChromaInclude) -> String {
        let records = results.map { $0.map(\.record) }
        var fields = [("ids", list(records.map { list($0.map { string($0.id) }) }))]
        fields += recordFields(records, include: include) { list($0) }
        let distances = results.map { list($0.map { VectorResponses.number(VectorResponses.finite($0.distance)) }) }
        fields.append(("distances", include.distances ? list(distances) : "null"))
        fields.append(("include", list(include.names.map(string))))
        return object(fields)
    }

    /// `embeddings`, `documents`, `uris` and `metadatas` of each group of records, joined by `outer`.
    private static func recordFields(
        _ groups: [[Record]], include: ChromaInclude, outer: ([String]) -> String
    ) -> [(String, String)] {
        func field(_ included: Bool, _ value: (Record) -> String) -> String {
            included ? outer(groups.map { list($0.map(value)) }) : "null"
        }
        return [
            ("embeddings", field(include.embeddings) { list($0.embedding.map(VectorResponses.number)) }),
            ("documents", field(include.documents) { $0.document.map(string) ?? "null" }),
            ("uris", field(include.uris) { $0.uri.map(string) ?? "null" }),
            ("metadatas", field(include.metadatas) { $0.metadata.map { MetadataValue.jsonText($0) } ?? "null" }),
        ]
    }

    private static func string(_ text: String) -> String { JSONValue.string(text).serialized() }
    private static func list(_ elements: [String]) -> String { "[" + elements.joined(separator: ",") + "]" }
    private static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}
