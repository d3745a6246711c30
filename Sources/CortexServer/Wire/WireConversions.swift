import CortexCore
import CortexVector
import CortexWire
import Foundation

/// Translations between wire messages and the vector engine's types.
enum WireConversions {
    static func configuration(_ spec: CollectionSpec) -> CollectionConfiguration {
        let quantization: VectorQuantization? = switch spec.quantization {
        case .serverDefault: nil
        case .none: VectorQuantization.none
        case .int8: .int8
        }
        return CollectionConfiguration(
            name: spec.name, dimension: spec.dimension, metric: metric(spec.metric),
            m: spec.m == 0 ? 16 : spec.m, efConstruction: spec.efConstruction == 0 ? 200 : spec.efConstruction,
            efSearch: spec.efSearch == 0 ? 64 : spec.efSearch, quantization: quantization,
            pqSubquantizers: spec.pqSubquantizers == 0 ? nil : spec.pqSubquantizers)
    }

    static func metric(_ metric: WireMetric) -> Metric {
        switch metric {
        case .l2: .l2
        case .ip: .ip
        case .cosine: .cosine
        }
    }

    static func info(_ descriptor: CollectionDescriptor, count: Int) -> CollectionInfo {
        let configuration = descriptor.configuration
        let metric: WireMetric = switch configuration.metric {
        case .l2: .l2
        case .ip: .ip
        case .cosine: .cosine
        }
        let spec = CollectionSpec(
            name: configuration.name, dimension: configuration.dimension, metric: metric,
            quantization: configuration.quantization == .int8 ? .int8 : .none, m: configuration.m,
            efConstruction: configuration.efConstruction, efSearch: configuration.efSearch,
            pqSubquantizers: configuration.pqSubquantizers ?? 0)
        return CollectionInfo(spec: spec, count: UInt64(count), createdAt: descriptor.createdAt)
    }

    /// Parses a JSON field of a request; `invalidInput` naming the field for bad JSON.
    static func json(_ bytes: [UInt8], field: String) throws(CortexError) -> JSONValue {
        do {
            return try JSONValue.parse(Data(bytes))
        } catch {
            throw .invalidInput("\(field): \(error.message)")
        }
    }

    static func metadata(_ bytes: [UInt8]?) throws(CortexError) -> [String: MetadataValue]? {
        guard let bytes else { return nil }
        return try MetadataValue.metadata(json: json(bytes, field: "metadata"))
    }

    static func metadataJSON(_ metadata: [String: MetadataValue]?) -> [UInt8]? {
        metadata.map { Array(MetadataValue.jsonText($0).utf8) }
    }

    /// The record filter of `where` / `where_document`, or nil when both are absent.
    static func filter(where whereJSON: [UInt8]?, document documentJSON: [UInt8]?) throws(CortexError) -> RecordFilter? {
        guard whereJSON != nil || documentJSON != nil else { return nil }
        let metadataFilter = try whereJSON.map { (bytes: [UInt8]) throws(CortexError) in try MetadataFilter.parse(json(bytes, field: "where")) }
        let documentFilter = try documentJSON.map { (bytes: [UInt8]) throws(CortexError) in
            try DocumentFilter.parse(json(bytes, field: "where_document"))
        }
        return RecordFilter(metadata: metadataFilter, document: documentFilter)
    }

    static func record(_ wire: WireRecord) throws(CortexError) -> VectorRecord {
        VectorRecord(id: wire.id, vector: wire.vector ?? [], metadata: try metadata(wire.metadata), document: wire.document)
    }

    static func wireRecord(_ record: VectorRecord, include: IncludeFields) -> WireRecord {
        WireRecord(
            id: record.id, vector: include.contains(.vector) ? record.vector : nil,
            metadata: include.contains(.metadata) ? metadataJSON(record.metadata) : nil,
            document: include.contains(.document) ? record.document : nil)
    }
}
