import CortexCore
import CortexVector
import Foundation

/// The body of `add`, `upsert` and `update` (CHROMA_API.md §5), and how each change is
/// merged into the stored record.
struct ChromaRecordBatch: Sendable {
    enum Mode: String, Sendable {
        /// New ids only: an id that exists is left as it is.
        case add
        /// New ids are added; existing ones are updated.
        case upsert
        /// Existing ids only: an id that does not exist is skipped.
        case update
    }

    /// One record's change. nil fields leave the stored value as it is.
    struct Change: Sendable, Equatable {
        var id: String
        var embedding: [Float]?
        /// Keys to set; a nil value removes the key (upsert and update only).
        var metadata: [String: MetadataValue?]?
        var document: String?
        var uri: String?
    }

    /// Reserved metadata key holding a record's URI (the key Chroma itself stores URIs under).
    static let uriKey = "chroma:uri"
    /// User metadata keys may not start with this: the server keeps its own keys there.
    static let reservedPrefix = "chroma:"

    var mode: Mode
    var changes: [Change]

    /// The dimension all given embeddings share, nil when none is given.
    var dimension: Int? { changes.lazy.compactMap { $0.embedding?.count }.first }

    /// Parses a batch. Lists must have one entry per id; embeddings are required for add and upsert.
    static func parse(_ body: Data, mode: Mode) throws(CortexError) -> ChromaRecordBatch {
        let fields = try ChromaBody.fields(body)
        guard let ids = try fields.optionalStrings("ids") else { throw .invalidInput("missing field ids") }
        guard ids.count <= Limits.httpBatchCountMax else {
            throw .tooLarge("ids has \(ids.count) entries; the limit is \(Limits.httpBatchCountMax) per request")
        }
        let embeddings = try column(fields, "embeddings", count: ids.count)
        if mode != .update, embeddings == nil, !ids.isEmpty { throw .invalidInput("\(mode.rawValue) needs embeddings") }
        let metadatas = try column(fields, "metadatas", count: ids.count)
        let documents = try column(fields, "documents", count: ids.count)
        let uris = try column(fields, "uris", count: ids.count)
        var changes: [Change] = []
        changes.reserveCapacity(ids.count)
        for (index, id) in ids.enumerated() {
            var change = Change(id: id)
            if let json = embeddings?[index], json != .null {
                change.embedding = try ChromaVectors.embedding(json, name: "embeddings[\(index)]")
            } else if mode != .update, embeddings != nil {
                throw .invalidInput("embeddings[\(index)] is null; \(mode.rawValue) needs an embedding for every id")
            }
            if let json = metadatas?[index], json != .null {
                change.metadata = try metadata(json, name: "metadatas[\(index)]", allowsRemoval: mode != .add)
            }
            change.document = try optionalString(documents?[index], name: "documents[\(index)]")
            change.uri = try optionalString(uris?[index], name: "uris[\(index)]")
            changes.append(change)
        }
        let batch = ChromaRecordBatch(mode: mode, changes: changes)
        if let dimension = batch.dimension {
            for change in changes { if let embedding = change.embedding { try checkDimension(expected: dimension, actual: embedding.count) } }
        }
        return batch
    }

    /// Chroma's dimension-mismatch error, verbatim.
    static func checkDimension(expected: Int, actual: Int) throws(CortexError) {
        guard expected == actual else {
            throw .invalidInput("Collection expecting embedding with dimension of \(expected), got \(actual)")
        }
    }

    /// The changes grouped by id, in order of first appearance (Chroma's server applies a
    /// batch that repeats an id in order; the engine takes each id once).
    var changesByID: (ids: [String], changes: [String: [Change]]) {
        var order: [String] = []
        var grouped: [String: [Change]] = [:]
        for change in changes {
            if grouped[change.id] == nil { order.append(change.id) }
            grouped[change.id, default: []].append(change)
        }
        return (order, grouped)
    }

    // MARK: Merging

    /// The record to write for `changes` of one id given the stored record, or nil to leave it.
    static func merged(_ mode: Mode, _ changes: [Change], stored: VectorRecord?, space: Metric) throws(CortexError) -> VectorRecord? {
        var current = stored
        var changed = false
        for change in changes {
            guard let next = try merged(mode, change, stored: current, space: space) else { continue }
            current = next
            changed = true
        }
        return changed ? current : nil
    }

    /// One change: add ignores existing ids and update missing ones; otherwise the embedding
    /// is replaced when given, metadata is merged key by key (nil removes a key), and the
    /// document and URI are replaced when given.
    static func merged(_ mode: Mode, _ change: Change, stored: VectorRecord?, space: Metric) throws(CortexError) -> VectorRecord? {
        switch (mode, stored) {
        case (.add, .some), (.update, .none): return nil
        case (.add, .none), (.upsert, .none):
            guard let embedding = change.embedding else { throw .invalidInput("record '\(change.id)' is new and needs an embedding") }
            var record = VectorRecord(id: change.id, vector: [], document: change.document)
            var metadata = (change.metadata ?? [:]).compactMapValues { $0 }
            if let uri = change.uri { metadata[uriKey] = .string(uri) }
            setVector(embedding, space: space, record: &record, metadata: &metadata)
            record.metadata = metadata.isEmpty ? nil : metadata
            return record
        case (.upsert, .some(var record)), (.update, .some(var record)):
            var metadata = record.metadata ?? [:]
            for (key, value) in change.metadata ?? [:] { metadata[key] = value }
            if let uri = change.uri { metadata[uriKey] = .string(uri) }
            if let embedding = change.embedding { setVector(embedding, space: space, record: &record, metadata: &metadata) }
            if let document = change.document { record.document = document }
            record.metadata = metadata.isEmpty ? nil : metadata
            return record
        }
    }

    private static func setVector(_ embedding: [Float], space: Metric, record: inout VectorRecord, metadata: inout [String: MetadataValue]) {
        guard space == .cosine else {
            record.vector = embedding
            return
        }
        let (unit, norm) = ChromaVectors.unitLength(embedding)
        record.vector = unit
        metadata[ChromaVectors.normKey] = .double(norm)
    }

    // MARK: Parsing pieces

    private static func column(_ fields: JSONFields, _ key: String, count: Int) throws(CortexError) -> [JSONValue]? {
        guard let elements = try fields.optionalArray(key) else { return nil }
        guard elements.count == count else {
            throw .invalidInput("\(key) has \(elements.count) entries; ids has \(count): give one per id")
        }
        return elements
    }

    private static func optionalString(_ json: JSONValue?, name: String) throws(CortexError) -> String? {
        guard let json, json != .null else { return nil }
        return try JSONFields.string(json, name: name)
    }

    /// A metadata object; `null` values remove keys where `allowsRemoval`. Keys under
    /// ``reservedPrefix`` and Chroma's sparse vectors are refused.
    private static func metadata(_ json: JSONValue, name: String, allowsRemoval: Bool) throws(CortexError) -> [String: MetadataValue?] {
        let object = try ChromaBody.object(json, name: name)
        var metadata: [String: MetadataValue?] = [:]
        for (key, value) in object {
            guard !key.hasPrefix(reservedPrefix) else {
                throw .invalidInput("\(name): metadata key '\(key.prefix(64))' is reserved (keys starting with '\(reservedPrefix)')")
            }
            switch value {
            case .null:
                guard allowsRemoval else { throw .invalidInput("\(name).\(key.prefix(64)) is null; add takes no null metadata values") }
                metadata[key] = .some(nil)
            case .object(let inner) where inner["#type"] == .string("sparse_vector"):
                throw .invalidInput("\(name).\(key.prefix(64)): sparse vector metadata is not supported")
            default:
                do throws(CortexError) {
                    metadata[key] = .some(try MetadataValue(json: value, key: key))
                } catch {
                    throw CortexError(error.code, "\(name): \(error.message)")
                }
            }
        }
        return metadata
    }
}
