/// Which stored fields a QUERY or GET returns (include bits, §4).
public struct IncludeFields: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let metadata = IncludeFields(rawValue: 1)
    public static let document = IncludeFields(rawValue: 2)
    public static let vector = IncludeFields(rawValue: 4)
    public static let all: IncludeFields = [.metadata, .document, .vector]

    static func decode(from reader: inout PayloadReader) throws(WireError) -> IncludeFields {
        let raw = try reader.read(UInt8.self, "include")
        guard raw & ~IncludeFields.all.rawValue == 0 else {
            throw .invalidInput("\(reader.context): include bits \(raw) set undefined bits (defined: 1 metadata, 2 document, 4 vector)")
        }
        return IncludeFields(rawValue: raw)
    }
}

/// A record on the wire: in UPSERT (vector required) and in GET/QUERY results
/// (fields present as the include bits asked).
public struct WireRecord: Sendable, Equatable {
    public var id: String
    public var vector: [Float]?
    /// A JSON object, UTF-8.
    public var metadata: [UInt8]?
    public var document: String?

    public init(id: String, vector: [Float]?, metadata: [UInt8]? = nil, document: String? = nil) {
        self.id = id
        self.vector = vector
        self.metadata = metadata
        self.document = document
    }

    /// UPSERT encoding: id, vector, metadata, document.
    func encodeForUpsert(to writer: inout PayloadWriter) {
        precondition(vector != nil, "an upserted record needs a vector")
        writer.write(id)
        writer.write(vector: vector ?? [])
        writer.write(json: metadata)
        writer.write(optional: document)
    }

    static func decodeForUpsert(from reader: inout PayloadReader, limits: WireLimits) throws(WireError) -> WireRecord {
        let id = try reader.readString("record id")
        let vector = try reader.readVector("vector of '\(id.prefix(64))'", dimensionMax: limits.dimensionMax)
        let metadata = try reader.readJSON("metadata")
        let document = try reader.readOptionalString("document")
        return WireRecord(id: id, vector: vector, metadata: metadata, document: document)
    }

    /// Result encoding: the include fields after the id (and distance) (§4.7).
    func encodeIncluded(_ include: IncludeFields, to writer: inout PayloadWriter) {
        if include.contains(.metadata) { writer.write(json: metadata) }
        if include.contains(.document) { writer.write(optional: document) }
        if include.contains(.vector) { writer.write(vector: vector ?? []) }
    }

    mutating func decodeIncluded(_ include: IncludeFields, from reader: inout PayloadReader, limits: WireLimits) throws(WireError) {
        if include.contains(.metadata) { metadata = try reader.readJSON("metadata") }
        if include.contains(.document) { document = try reader.readOptionalString("document") }
        if include.contains(.vector) { vector = try reader.readVector("vector", dimensionMax: limits.dimensionMax) }
    }
}

/// One QUERY result: a record (fields per include bits) and its distance.
public struct WireHit: Sendable, Equatable {
    public var record: WireRecord
    public var distance: Float

    public init(record: WireRecord, distance: Float) {
        self.record = record
        self.distance = distance
    }
}

/// UPSERT payload (§4.6).
public struct UpsertRequest: Sendable, Equatable {
    public var collection: String
    public var records: [WireRecord]

    public init(collection: String, records: [WireRecord]) {
        self.collection = collection
        self.records = records
    }
}

/// QUERY payload (§4.7). `ef` 0 means the collection's default.
public struct QueryRequest: Sendable, Equatable {
    public var collection: String
    public var k: Int
    public var ef: Int
    public var include: IncludeFields
    public var vector: [Float]
    /// Chroma `where` JSON, or nil.
    public var whereFilter: [UInt8]?
    /// Chroma `where_document` JSON, or nil.
    public var whereDocument: [UInt8]?

    public init(
        collection: String, vector: [Float], k: Int, ef: Int = 0, include: IncludeFields = [],
        whereFilter: [UInt8]? = nil, whereDocument: [UInt8]? = nil
    ) {
        self.collection = collection
        self.vector = vector
        self.k = k
        self.ef = ef
        self.include = include
        self.whereFilter = whereFilter
        self.whereDocument = whereDocument
    }
}

/// GET payload (§4.8): by ids, or by filters with offset/limit.
public struct GetRequest: Sendable, Equatable {
    public var collection: String
    public var include: IncludeFields
    public var ids: [String]
    public var whereFilter: [UInt8]?
    public var whereDocument: [UInt8]?
    public var offset: Int
    /// 0 means 100.
    public var limit: Int

    public init(
        collection: String, ids: [String] = [], include: IncludeFields = [], whereFilter: [UInt8]? = nil,
        whereDocument: [UInt8]? = nil, offset: Int = 0, limit: Int = 0
    ) {
        self.collection = collection
        self.include = include
        self.ids = ids
        self.whereFilter = whereFilter
        self.whereDocument = whereDocument
        self.offset = offset
        self.limit = limit
    }
}

/// DELETE payload (§4.9): ids or filters, exactly one of them.
public struct DeleteRequest: Sendable, Equatable {
    public var collection: String
    public var ids: [String]
    public var whereFilter: [UInt8]?
    public var whereDocument: [UInt8]?

    public init(collection: String, ids: [String] = [], whereFilter: [UInt8]? = nil, whereDocument: [UInt8]? = nil) {
        self.collection = collection
        self.ids = ids
        self.whereFilter = whereFilter
        self.whereDocument = whereDocument
    }
}

extension PayloadReader {
    /// A u32 count then that many `str` ids (each at least its 4-byte count).
    mutating func readIDs(limit: Int) throws(WireError) -> [String] {
        let count = try readCount("id count", limit: limit, minimumEntryByteCount: 4)
        var ids: [String] = []
        ids.reserveCapacity(count)
        for _ in 0..<count { ids.append(try readString("id")) }
        return ids
    }
}

extension PayloadWriter {
    mutating func write(ids: [String]) {
        write(UInt32(clamping: ids.count))
        for id in ids { write(id) }
    }
}
