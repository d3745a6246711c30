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
            self.count = count
            createdAt = descriptor.createdAt
        }

        enum CodingKeys: String, CodingKey {
            case name, dimension, metric, m, quantization, count
            case efConstruction = "ef_construction"
            case efSearch = "ef_search"
            case pqM = "pq_m"
            case createdAt = "created_at"
        }
    }

    struct Collections: Encodable { let collections: [Collection] }
    struct Upserted: Encodable { let inserted: Int; let updated: Int }
    struct Deleted: Encodable { let deleted: Int }
    struct Count: Encodable { let count: Int }
    struct Dropped: Encodable { let deleted: String }

    /// One record of a get or query answer; fields not asked for by `include` are absent.
    struct Record: Encodable {
        let id: String
        let distance: Float?
        let metadata: Metadata?
        let document: String?
        let vector: [Float]?

        init(_ record: VectorRecord, distance: Float?, include: RecordInclude) {
            id = record.id
            // Finite components can still give an infinite squared distance (3e38 apart); JSON has no
            // infinity, so such a distance is reported as the largest float32, which keeps the order.
            self.distance = distance.map { $0.isFinite ? $0 : ($0 > 0 ? Float.greatestFiniteMagnitude : -Float.greatestFiniteMagnitude) }
            metadata = include.metadata ? record.metadata.map(Metadata.init) : nil
            document = include.document ? record.document : nil
            vector = include.vector ? record.vector : nil
        }
    }

    struct Results: Encodable { let results: [Record] }
    struct Records: Encodable { let records: [Record] }

    /// A metadata map as a JSON object.
    struct Metadata: Encodable {
        let values: [String: MetadataValue]

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for (key, value) in values {
                let codingKey = Key(stringValue: key)
                switch value {
                case .string(let text): try container.encode(text, forKey: codingKey)
                case .int(let number): try container.encode(number, forKey: codingKey)
                case .double(let number): try container.encode(number, forKey: codingKey)
                case .bool(let flag): try container.encode(flag, forKey: codingKey)
                case .stringList(let list): try container.encode(list, forKey: codingKey)
                case .intList(let list): try container.encode(list, forKey: codingKey)
                case .doubleList(let list): try container.encode(list, forKey: codingKey)
                case .boolList(let list): try container.encode(list, forKey: codingKey)
                }
            }
        }

        struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }
    }
}
