import CortexCore
import CortexStorage
import CortexVector

/// A Chroma tenant created with `POST /api/v2/tenants` (`default_tenant` exists without one).
struct ChromaTenantRecord: VersionedRecord, Equatable {
    static let recordName = "Chroma tenant"
    static let recordVersion: UInt8 = 1

    var name: String

    func encode(to writer: inout BinaryWriter) { writer.write(name) }

    static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> Self {
        Self(name: try reader.readString())
    }
}

/// A Chroma database (`default_database` of `default_tenant` exists without one).
struct ChromaDatabaseRecord: VersionedRecord, Equatable {
    static let recordName = "Chroma database"
    static let recordVersion: UInt8 = 1

    /// UUID, lowercase.
    var id: String
    var tenant: String
    var name: String
    /// Creation order (`chroma.meta` counter), for listing.
    var sequence: UInt64

    func encode(to writer: inout BinaryWriter) {
        writer.write(id)
        writer.write(tenant)
        writer.write(name)
        writer.writeVarUInt(sequence)
    }

    static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> Self {
        Self(id: try reader.readString(), tenant: try reader.readString(), name: try reader.readString(), sequence: try reader.readVarUInt())
    }
}

/// The HNSW settings of a Chroma collection (`configuration_json.hnsw`), with Chroma's defaults.
struct ChromaIndexSettings: Equatable, Sendable {
    var space: Metric = .l2
    var efConstruction = 100
    var efSearch = 100
    var maxNeighbors = 16
    var resizeFactor = 1.2
    var syncThreshold = 1_000
}

/// A Chroma collection: its names, metadata and configuration. Its records live in the Cortex
/// collection ``cortexName``, created by the first write (which fixes the dimension).
struct ChromaCollectionRecord: VersionedRecord, Equatable {
    static let recordName = "Chroma collection"
    static let recordVersion: UInt8 = 1

    /// UUID, lowercase: the collection id of Chroma's API, stable across renames.
    var id: String
    var tenant: String
    var database: String
    var name: String
    /// Creation order (`chroma.meta` counter), for listing.
    var sequence: UInt64
    /// The collection metadata as compact JSON text (an object), or nil for `null`.
    var metadataJSON: String?
    var settings: ChromaIndexSettings
    /// `configuration_json.embedding_function` as compact JSON text, echoed to the client; nil for `null`.
    var embeddingFunctionJSON: String?

    /// The name of the Cortex collection holding the records: `chroma.` + the id. `/api/v1`
    /// callers of the same tenant see it under this name.
    var cortexName: String { ChromaCatalog.cortexNamePrefix + id }

    func encode(to writer: inout BinaryWriter) {
        for text in [id, tenant, database, name] { writer.write(text) }
        writer.writeVarUInt(sequence)
        Self.writeOptional(metadataJSON, to: &writer)
        writer.write(settings.space.rawValue)
        for value in [settings.efConstruction, settings.efSearch, settings.maxNeighbors, settings.syncThreshold] {
            writer.writeVarUInt(UInt64(value))
        }
        writer.write(settings.resizeFactor)
        Self.writeOptional(embeddingFunctionJSON, to: &writer)
    }

    static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> Self {
        let id = try reader.readString()
        let tenant = try reader.readString()
        let database = try reader.readString()
        let name = try reader.readString()
        let sequence = try reader.readVarUInt()
        let metadataJSON = try readOptional(&reader)
        let spaceName = try reader.readString()
        guard let space = Metric(rawValue: spaceName) else { throw .corrupt("Chroma collection \(id): unknown space '\(spaceName)'") }
        var numbers: [Int] = []
        for _ in 0..<4 {
            let value = try reader.readVarUInt()
            guard value <= UInt64(Int32.max) else { throw .corrupt("Chroma collection \(id): setting \(value) out of range") }
            numbers.append(Int(value))
        }
        let settings = ChromaIndexSettings(
            space: space, efConstruction: numbers[0], efSearch: numbers[1], maxNeighbors: numbers[2],
            resizeFactor: try reader.readDouble(), syncThreshold: numbers[3])
        return Self(
            id: id, tenant: tenant, database: database, name: name, sequence: sequence, metadataJSON: metadataJSON,
            settings: settings, embeddingFunctionJSON: try readOptional(&reader))
    }

    private static func writeOptional(_ text: String?, to writer: inout BinaryWriter) {
        writer.write(text != nil)
        if let text { writer.write(text) }
    }

    private static func readOptional(_ reader: inout BinaryReader) throws(CortexError) -> String? {
        try reader.readBool() ? try reader.readString() : nil
    }
}
