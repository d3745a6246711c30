/// A decoded request (docs/wire-protocol.md §4).
public enum WireRequest: Sendable, Equatable {
    case ping([UInt8])
    case collectionCreate(CollectionSpec)
    case collectionInfo(name: String)
    case collectionList
    case collectionDrop(name: String)
    case upsert(UpsertRequest)
    case query(QueryRequest)
    case get(GetRequest)
    case delete(DeleteRequest)
    case count(collection: String)
    case analyticsAppend(AnalyticsAppendRequest)
    case analyticsSQL(AnalyticsSQLRequest)

    public var kind: RequestKind {
        switch self {
        case .ping: .ping
        case .collectionCreate: .collectionCreate
        case .collectionInfo: .collectionInfo
        case .collectionList: .collectionList
        case .collectionDrop: .collectionDrop
        case .upsert: .upsert
        case .query: .query
        case .get: .get
        case .delete: .delete
        case .count: .count
        case .analyticsAppend: .analyticsAppend
        case .analyticsSQL: .analyticsSQL
        }
    }

    /// The request as a frame with `requestID`.
    public func frame(requestID: UInt64) -> Frame {
        Frame(opcode: kind.rawValue, requestID: requestID, payload: encodedPayload())
    }

    public func encodedPayload() -> [UInt8] {
        var writer = PayloadWriter()
        switch self {
        case .ping(let bytes): writer.write(raw: bytes)
        case .collectionCreate(let spec): spec.encode(to: &writer)
        case .collectionInfo(let name), .collectionDrop(let name), .count(let name): writer.write(name)
        case .collectionList: break
        case .upsert(let request):
            writer.write(request.collection)
            writer.write(UInt32(clamping: request.records.count))
            for record in request.records { record.encodeForUpsert(to: &writer) }
        case .query(let request):
            writer.write(request.collection)
            writer.write(UInt32(clamping: request.k))
            writer.write(UInt32(clamping: request.ef))
            writer.write(request.include.rawValue)
            writer.write(vector: request.vector)
            writer.write(json: request.whereFilter)
            writer.write(json: request.whereDocument)
        case .get(let request):
            writer.write(request.collection)
            writer.write(request.include.rawValue)
            writer.write(ids: request.ids)
            writer.write(json: request.whereFilter)
            writer.write(json: request.whereDocument)
            writer.write(UInt32(clamping: request.offset))
            writer.write(UInt32(clamping: request.limit))
        case .delete(let request):
            writer.write(request.collection)
            writer.write(ids: request.ids)
            writer.write(json: request.whereFilter)
            writer.write(json: request.whereDocument)
        case .analyticsAppend(let request):
            writer.write(request.table)
            request.batch.encode(to: &writer)
        case .analyticsSQL(let request):
            request.encode(to: &writer)
        }
        return writer.bytes
    }

    /// Decodes a request payload. Errors are `invalid_input` (malformed) or
    /// `too_large` (a count over `limits`); the connection continues after either.
    public static func decode(kind: RequestKind, payload: [UInt8], limits: WireLimits) throws(WireError) -> WireRequest {
        var reader = PayloadReader(payload, context: kind.name.uppercased())
        let request: WireRequest
        switch kind {
        case .ping: request = .ping(reader.readRest())
        case .collectionCreate: request = .collectionCreate(try CollectionSpec.decode(from: &reader))
        case .collectionInfo: request = .collectionInfo(name: try reader.readString("name"))
        case .collectionList: request = .collectionList
        case .collectionDrop: request = .collectionDrop(name: try reader.readString("name"))
        case .count: request = .count(collection: try reader.readString("collection"))
        case .upsert: request = .upsert(try decodeUpsert(&reader, limits: limits))
        case .query: request = .query(try decodeQuery(&reader, limits: limits))
        case .get: request = .get(try decodeGet(&reader, limits: limits))
        case .delete:
            let collection = try reader.readString("collection")
            let ids = try reader.readIDs(limit: limits.batchCountMax)
            request = .delete(DeleteRequest(
                collection: collection, ids: ids, whereFilter: try reader.readJSON("where"),
                whereDocument: try reader.readJSON("where_document")))
        case .analyticsAppend: request = .analyticsAppend(try decodeAnalyticsAppend(&reader, limits: limits))
        case .analyticsSQL: request = .analyticsSQL(try AnalyticsSQLRequest.decode(from: &reader, limits: limits))
        }
        try reader.expectEnd()
        return request
    }

    private static func decodeUpsert(_ reader: inout PayloadReader, limits: WireLimits) throws(WireError) -> UpsertRequest {
        let collection = try reader.readString("collection")
        // Smallest record: id count, dimension, one component, metadata count, document presence.
        let count = try reader.readCount("record count", limit: limits.batchCountMax, minimumEntryByteCount: 4 + 4 + 4 + 4 + 1)
        var records: [WireRecord] = []
        records.reserveCapacity(count)
        for _ in 0..<count { records.append(try WireRecord.decodeForUpsert(from: &reader, limits: limits)) }
        return UpsertRequest(collection: collection, records: records)
    }

    private static func decodeAnalyticsAppend(_ reader: inout PayloadReader, limits: WireLimits) throws(WireError) -> AnalyticsAppendRequest {
        let table = try reader.readString("table")
        let batch = try AnalyticsBatch.decode(from: &reader, rowCountMax: limits.analyticsRowCountMax, columnCountMax: limits.analyticsColumnCountMax)
        guard batch.rowCount > 0 else { throw .invalidInput("\(reader.context): row count is 0; send at least one row") }
        guard !batch.columns.isEmpty else { throw .invalidInput("\(reader.context): column count is 0; send at least one column") }
        return AnalyticsAppendRequest(table: table, batch: batch)
    }

    private static func decodeQuery(_ reader: inout PayloadReader, limits: WireLimits) throws(WireError) -> QueryRequest {
        let collection = try reader.readString("collection")
        let k = Int(try reader.read(UInt32.self, "k"))
        guard (1...limits.kMax).contains(k) else { throw .invalidInput("QUERY: k must be 1-\(limits.kMax); got \(k)") }
        let ef = Int(try reader.read(UInt32.self, "ef"))
        let include = try IncludeFields.decode(from: &reader)
        let vector = try reader.readVector("query vector", dimensionMax: limits.dimensionMax)
        return QueryRequest(
            collection: collection, vector: vector, k: k, ef: ef, include: include,
            whereFilter: try reader.readJSON("where"), whereDocument: try reader.readJSON("where_document"))
    }

    private static func decodeGet(_ reader: inout PayloadReader, limits: WireLimits) throws(WireError) -> GetRequest {
        let collection = try reader.readString("collection")
        let include = try IncludeFields.decode(from: &reader)
        let ids = try reader.readIDs(limit: limits.batchCountMax)
        let whereFilter = try reader.readJSON("where")
        let whereDocument = try reader.readJSON("where_document")
        let offset = Int(try reader.read(UInt32.self, "offset"))
        let limit = Int(try reader.read(UInt32.self, "limit"))
        guard limit <= limits.batchCountMax else { throw .tooLarge("GET: limit is \(limit); the limit is \(limits.batchCountMax)") }
        return GetRequest(
            collection: collection, ids: ids, include: include, whereFilter: whereFilter, whereDocument: whereDocument,
            offset: offset, limit: limit)
    }
}
