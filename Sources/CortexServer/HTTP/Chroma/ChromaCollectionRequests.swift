import CortexCore
import CortexVector
import Foundation

/// The bodies of `POST …/collections` and `PUT …/collections/{id}`, and the collection's
/// `configuration_json` (CHROMA_API.md §8).
///
/// Chroma's server ignores fields it does not know and reads `null` as "not given"; so does this.
enum ChromaCollectionRequests {
    struct Create: Sendable {
        var name: String
        var metadataJSON: String?
        var settings: ChromaIndexSettings
        var embeddingFunctionJSON: String?
        var getOrCreate: Bool
    }

    static func create(_ body: Data) throws(CortexError) -> Create {
        let fields = try ChromaBody.fields(body)
        let metadata = try fields.optional("metadata").map(collectionMetadata)
        let configuration = try fields.optional("configuration")
        var settings = try legacySettings(metadata ?? [:])
        var embeddingFunction: String?
        if let configuration {
            let object = try ChromaBody.object(configuration, name: "configuration")
            if let hnsw = object["hnsw"], hnsw != .null {
                try applyCreate(try ChromaBody.object(hnsw, name: "configuration.hnsw"), to: &settings, name: "configuration.hnsw")
            }
            if let spann = object["spann"], spann != .null,
               let space = try ChromaBody.object(spann, name: "configuration.spann")["space"], space != .null {
                settings.space = try parseSpace(space, name: "configuration.spann.space")
            }
            embeddingFunction = try embeddingFunctionJSON(object["embedding_function"])
        }
        let getOrCreate: Bool
        switch try fields.optional("get_or_create") {
        case nil: getOrCreate = false
        case .bool(let value): getOrCreate = value
        case let other?: throw .invalidInput("get_or_create must be a bool; got \(other.kindName)")
        }
        return Create(
            name: try fields.string("name"), metadataJSON: metadata.map { MetadataValue.jsonText($0) }, settings: settings,
            embeddingFunctionJSON: embeddingFunction, getOrCreate: getOrCreate)
    }

    struct Modify: Sendable {
        var newName: String?
        /// Replaces the whole metadata when given.
        var newMetadataJSON: String?
        var newConfiguration: [String: JSONValue]?
    }

    static func modify(_ body: Data) throws(CortexError) -> Modify {
        let fields = try ChromaBody.fields(body)
        return Modify(
            newName: try fields.optionalString("new_name"),
            newMetadataJSON: try fields.optional("new_metadata").map(collectionMetadata).map { MetadataValue.jsonText($0) },
            newConfiguration: try fields.optional("new_configuration").map { (json: JSONValue) throws(CortexError) in
                try ChromaBody.object(json, name: "new_configuration")
            })
    }

    /// Applies `new_configuration` to a collection: the HNSW search settings Chroma lets a
    /// collection change (`ef_search`, `num_threads`, `batch_size`, `sync_threshold`,
    /// `resize_factor`) and the embedding function. Changing the space or the graph's build
    /// settings is refused, as by Chroma.
    static func applyModify(_ configuration: [String: JSONValue], to record: inout ChromaCollectionRecord) throws(CortexError) {
        if let hnsw = configuration["hnsw"], hnsw != .null {
            let object = try ChromaBody.object(hnsw, name: "new_configuration.hnsw")
            for key in ["space", "ef_construction", "max_neighbors"] where object[key].map({ $0 != .null }) ?? false {
                throw .invalidInput("new_configuration.hnsw.\(key) cannot be changed after the collection is created")
            }
            try applyTunable(object, to: &record.settings, name: "new_configuration.hnsw")
        }
        if let spann = configuration["spann"], spann != .null {
            throw .invalidInput("new_configuration.spann is not supported: Cortex collections use HNSW")
        }
        if let function = configuration["embedding_function"], function != .null {
            record.embeddingFunctionJSON = try embeddingFunctionJSON(function)
        }
    }

    /// `configuration_json` as the reference server returns it.
    static func configurationJSON(_ record: ChromaCollectionRecord) -> String {
        let settings = record.settings
        let hnsw: JSONValue = .object([
            "space": .string(settings.space.rawValue), "ef_construction": .int(Int64(settings.efConstruction)),
            "ef_search": .int(Int64(settings.efSearch)), "max_neighbors": .int(Int64(settings.maxNeighbors)),
            "resize_factor": .number(settings.resizeFactor), "sync_threshold": .int(Int64(settings.syncThreshold)),
        ])
        return #"{"embedding_function":"# + (record.embeddingFunctionJSON ?? "null") + #","hnsw":"# + hnsw.serialized() + #","spann":null}"#
    }

    // MARK: Pieces

    /// Collection metadata: an object of strings, numbers, bools (or lists of them), as record metadata.
    private static func collectionMetadata(_ json: JSONValue) throws(CortexError) -> [String: MetadataValue] {
        do throws(CortexError) {
            return try MetadataValue.metadata(json: json)
        } catch {
            throw CortexError(error.code, "collection metadata: \(error.message)")
        }
    }

    /// The legacy `hnsw:*` metadata keys, which Chroma still honours when no configuration says otherwise.
    private static func legacySettings(_ metadata: [String: MetadataValue]) throws(CortexError) -> ChromaIndexSettings {
        var object: [String: JSONValue] = [:]
        let keys = [
            "hnsw:space": "space", "hnsw:construction_ef": "ef_construction", "hnsw:search_ef": "ef_search", "hnsw:M": "max_neighbors",
            "hnsw:resize_factor": "resize_factor", "hnsw:sync_threshold": "sync_threshold",
        ]
        for (legacy, key) in keys { if let value = metadata[legacy] { object[key] = value.jsonValue } }
        var settings = ChromaIndexSettings()
        try applyCreate(object, to: &settings, name: "metadata")
        return settings
    }

    private static func applyCreate(_ object: [String: JSONValue], to settings: inout ChromaIndexSettings, name: String) throws(CortexError) {
        if let space = object["space"], space != .null { settings.space = try parseSpace(space, name: "\(name).space") }
        if let value = try int(object, "ef_construction", name: name, in: 1...VectorLimits.efMax) { settings.efConstruction = value }
        if let value = try int(object, "max_neighbors", name: name, in: 2...VectorLimits.mMax) { settings.maxNeighbors = value }
        try applyTunable(object, to: &settings, name: name)
    }

    private static func applyTunable(_ object: [String: JSONValue], to settings: inout ChromaIndexSettings, name: String) throws(CortexError) {
        if let value = try int(object, "ef_search", name: name, in: 1...VectorLimits.efMax) { settings.efSearch = value }
        if let value = try int(object, "sync_threshold", name: name, in: 2...Int(Int32.max)) { settings.syncThreshold = value }
        if let value = object["resize_factor"], value != .null {
            switch value {
            case .int(let number) where number >= 1: settings.resizeFactor = Double(number)
            case .number(let number) where number >= 1: settings.resizeFactor = number
            default: throw .invalidInput("\(name).resize_factor must be a number ≥ 1; got \(value.serialized().prefix(64))")
            }
        }
        // num_threads and batch_size tune Chroma's own index builder; Cortex has none to tune.
        _ = try int(object, "num_threads", name: name, in: 1...Int(Int32.max))
        _ = try int(object, "batch_size", name: name, in: 2...Int(Int32.max))
    }

    private static func int(_ object: [String: JSONValue], _ key: String, name: String, in range: ClosedRange<Int>) throws(CortexError) -> Int? {
        guard let value = object[key], value != .null else { return nil }
        let number = try JSONFields.int(value, name: "\(name).\(key)")
        guard range.contains(number) else {
            throw .invalidInput("\(name).\(key) must be \(range.lowerBound)-\(range.upperBound); got \(number)")
        }
        return number
    }

    private static func parseSpace(_ json: JSONValue, name: String) throws(CortexError) -> Metric {
        let text = try JSONFields.string(json, name: name)
        guard let metric = Metric(rawValue: text) else { throw .invalidInput("\(name) must be l2, cosine or ip; got '\(text.prefix(64))'") }
        return metric
    }

    /// The embedding function object as JSON text to echo, nil for absent or `null`.
    private static func embeddingFunctionJSON(_ json: JSONValue?) throws(CortexError) -> String? {
        guard let json, json != .null else { return nil }
        _ = try ChromaBody.object(json, name: "configuration.embedding_function")
        return json.serialized()
    }
}

/// Request bodies as Chroma's server reads them: one JSON object, unknown fields ignored, and a
/// field that is `null` the same as an absent one (the Python client sends every optional field).
enum ChromaBody {
    /// The body's fields with the `null` ones dropped, ready for ``JSONFields``' typed readers.
    static func fields(_ data: Data) throws(CortexError) -> JSONFields {
        guard !data.isEmpty else { throw .invalidInput("the request body is empty; send a JSON object") }
        let value = try JSONValue.parse(data)
        guard case .object(let object) = value else { throw .invalidInput("the request body must be a JSON object; got \(value.kindName)") }
        let given = object.filter { $0.value != .null }
        return try JSONFields(.object(given), path: "", allowed: Set(given.keys))
    }

    static func object(_ json: JSONValue, name: String) throws(CortexError) -> [String: JSONValue] {
        guard case .object(let object) = json else { throw .invalidInput("\(name) must be a JSON object; got \(json.kindName)") }
        return object
    }
}
