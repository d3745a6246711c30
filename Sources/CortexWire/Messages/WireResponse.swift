import CortexCore

/// A successful response payload (docs/wire-protocol.md §4); errors are ``WireError``.
public enum WireResponse: Sendable, Equatable {
    case pong([UInt8])
    /// COLLECTION_CREATE and COLLECTION_INFO.
    case collection(CollectionInfo)
    case collections([CollectionInfo])
    case dropped
    case upserted(inserted: Int, updated: Int)
    case hits(include: IncludeFields, [WireHit])
    case records(include: IncludeFields, [WireRecord])
    case deleted(UInt64)
    case count(UInt64)
    /// ANALYTICS_APPEND: rows appended.
    case analyticsAppended(UInt32)
    /// ANALYTICS_SQL: the result, column by column.
    case analyticsResult(AnalyticsBatch)

    /// The response to a `kind` request as a frame.
    public func frame(for kind: RequestKind, requestID: UInt64) -> Frame {
        Frame(opcode: kind.responseOpcode, requestID: requestID, payload: encodedPayload())
    }

    public func encodedPayload() -> [UInt8] {
        var writer = PayloadWriter()
        switch self {
        case .pong(let bytes): writer.write(raw: bytes)
        case .collection(let info): info.encode(to: &writer)
        case .collections(let infos):
            writer.write(UInt32(clamping: infos.count))
            for info in infos { info.encode(to: &writer) }
        case .dropped: break
        case .upserted(let inserted, let updated):
            writer.write(UInt32(clamping: inserted))
            writer.write(UInt32(clamping: updated))
        case .hits(let include, let hits):
            writer.write(include.rawValue)
            writer.write(UInt32(clamping: hits.count))
            for hit in hits {
                writer.write(hit.record.id)
                writer.write(hit.distance)
                hit.record.encodeIncluded(include, to: &writer)
            }
        case .records(let include, let records):
            writer.write(include.rawValue)
            writer.write(UInt32(clamping: records.count))
            for record in records {
                writer.write(record.id)
                record.encodeIncluded(include, to: &writer)
            }
        case .deleted(let count), .count(let count): writer.write(count)
        case .analyticsAppended(let count): writer.write(count)
        case .analyticsResult(let batch): batch.encode(to: &writer)
        }
        return writer.bytes
    }

    /// Decodes the payload of a response to a `kind` request.
    public static func decode(kind: RequestKind, payload: [UInt8], limits: WireLimits) throws(WireError) -> WireResponse {
        var reader = PayloadReader(payload, context: kind.name.uppercased() + " response")
        let response: WireResponse
        switch kind {
        case .ping: response = .pong(reader.readRest())
        case .collectionCreate, .collectionInfo: response = .collection(try CollectionInfo.decode(from: &reader))
        case .collectionList:
            let count = try reader.readCount("collection count", limit: Int(UInt32.max), minimumEntryByteCount: CollectionInfo.minimumByteCount)
            var infos: [CollectionInfo] = []
            infos.reserveCapacity(count)
            for _ in 0..<count { infos.append(try CollectionInfo.decode(from: &reader)) }
            response = .collections(infos)
        case .collectionDrop: response = .dropped
        case .upsert:
            let inserted = Int(try reader.read(UInt32.self, "inserted"))
            response = .upserted(inserted: inserted, updated: Int(try reader.read(UInt32.self, "updated")))
        case .query: response = try decodeHits(&reader, limits: limits)
        case .get: response = try decodeRecords(&reader, limits: limits)
        case .delete: response = .deleted(try reader.read(UInt64.self, "deleted"))
        case .count: response = .count(try reader.read(UInt64.self, "count"))
        case .analyticsAppend: response = .analyticsAppended(try reader.read(UInt32.self, "appended"))
        case .analyticsSQL:
            // Columns are bounded by the bytes (each carries a name, a type and a bitmap of ⌈rows / 8⌉ bytes).
            response = .analyticsResult(try AnalyticsBatch.decode(
                from: &reader, rowCountMax: Limits.wireAnalyticsResultRowCountMax, columnCountMax: Int(UInt32.max)))
        }
        try reader.expectEnd()
        return response
    }

    private static func decodeHits(_ reader: inout PayloadReader, limits: WireLimits) throws(WireError) -> WireResponse {
        let include = try IncludeFields.decode(from: &reader)
        let count = try reader.readCount("hit count", limit: limits.kMax, minimumEntryByteCount: 8)
        var hits: [WireHit] = []
        hits.reserveCapacity(count)
        for _ in 0..<count {
            var record = WireRecord(id: try reader.readString("id"), vector: nil)
            let distance = try reader.readFloat("distance")
            try record.decodeIncluded(include, from: &reader, limits: limits)
            hits.append(WireHit(record: record, distance: distance))
        }
        return .hits(include: include, hits)
    }

    private static func decodeRecords(_ reader: inout PayloadReader, limits: WireLimits) throws(WireError) -> WireResponse {
        let include = try IncludeFields.decode(from: &reader)
        let count = try reader.readCount("record count", limit: limits.batchCountMax, minimumEntryByteCount: 4)
        var records: [WireRecord] = []
        records.reserveCapacity(count)
        for _ in 0..<count {
            var record = WireRecord(id: try reader.readString("id"), vector: nil)
            try record.decodeIncluded(include, from: &reader, limits: limits)
            records.append(record)
        }
        return .records(include: include, records)
    }
}
