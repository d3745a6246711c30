import CortexVector
import Foundation

/// Response bodies of `/api/v1/collections…` (shapes in docs/openapi.yaml).
enum VectorResponses {
    struct Collection: Encodable {
        let name: String
        let dimension: Int
        let metric: String
        let m: Int
        let efConstruction: Int
        let efSearch: Int
        let quantization: String
        /// Absent when the collection has no product quantizer.
        let pqM: Int?
        /// Absent when callers send vectors themselves.
        let embeddingModel: String?
        let count: Int
        /// Epoch milliseconds.
        let createdAt: Int64

        init(_ descriptor: CollectionDescriptor, count: Int) {
            let configuration = descriptor.configuration
            name = configuration.name
            dimension = configuration.dimension
            metric = configuration.metric.rawValue
            m = configuration.m
            efConstruction = configuration.efConstruction
            efSearch = configuration.efSearch
            quantization = configuration.quantization.rawValue
            pqM = configuration.pqSubquantizers
            embeddingModel = configuration.embeddingModel
            self.count = count
            createdAt = descriptor.createdAt
        }

        enum CodingKeys: String, CodingKey {
            case name, dimension, metric, m, quantization, count
            case efConstruction = "ef_construction"
            case efSearch = "ef_search"
            case pqM = "pq_m"
            case embeddingModel = "embedding_model"
            case createdAt = "created_at"
        }
    }

    struct Collections: Encodable { let collections: [Collection] }
    struct Upserted: Encodable { let inserted: Int; let updated: Int }
    struct Deleted: Encodable { let deleted: Int }
    struct Count: Encodable { let count: Int }
    struct Dropped: Encodable { let deleted: String }

    /// One record of a get or query answer; fields not asked for by `include` are absent.
    ///
    /// Written by hand rather than by `JSONEncoder`, which prints the float metadata value
    /// `2.0` as `2` (an int to the reader); ``MetadataValue/jsonText(_:)`` keeps the kind.
    struct Record {
        let id: String
        let distance: Float?
        let metadata: [String: MetadataValue]?
        let document: String?
        let vector: [Float]?

        init(_ record: VectorRecord, distance: Float?, include: RecordInclude) {
            id = record.id
            self.distance = distance.map(VectorResponses.finite)
            metadata = include.metadata ? record.metadata : nil
            document = include.document ? record.document : nil
            vector = include.vector ? record.vector : nil
        }

        /// `{"distance":…,"document":…,"id":…,"metadata":…,"vector":[…]}`, keys sorted, absent fields left out.
        /// Floats print in Swift's shortest round-trip form (`0.5`, `1e-05`, `3.4028235e+38`), valid JSON
        /// because every value here is finite (stored vectors are checked; distances are clamped above).
        func write(to text: inout String) {
            var fields: [String] = []
            if let distance { fields.append(#""distance":"# + VectorResponses.number(distance)) }
            if let document { fields.append(#""document":"# + JSONValue.string(document).serialized()) }
            fields.append(#""id":"# + JSONValue.string(id).serialized())
            if let metadata { fields.append(#""metadata":"# + MetadataValue.jsonText(metadata)) }
            if let vector { fields.append(#""vector":["# + vector.map(VectorResponses.number).joined(separator: ",") + "]") }
            text += "{" + fields.joined(separator: ",") + "}"
        }
    }

    /// A finite float as a JSON number, in Swift's shortest round-trip form (`0.5`, `1e-05`, `3.4028235e+38`).
    static func number(_ value: Float) -> String {
        assert(value.isFinite, "JSON numbers are finite")
        return value.description
    }

    /// `value`, with infinities clamped to ±the largest float32. Finite components can still give an
    /// infinite squared distance (3e38 apart); JSON has no infinity, and clamping keeps the order.
    static func finite(_ value: Float) -> Float {
        value.isFinite ? value : (value > 0 ? Float.greatestFiniteMagnitude : -Float.greatestFiniteMagnitude)
    }

    /// `{"<field>":[record, …]}` as JSON text.
    static func recordList(_ field: String, _ records: [Record]) -> String {
        var text = #"{""# + field + #"":["#
        for (index, record) in records.enumerated() {
            if index > 0 { text += "," }
            record.write(to: &text)
        }
        return text + "]}"
    }
}
