/// Distance metric codes (docs/wire-protocol.md §4).
public enum WireMetric: UInt8, Sendable, CaseIterable {
    case l2 = 1
    case ip = 2
    case cosine = 3

    /// The engine's name for the metric.
    public var name: String {
        switch self {
        case .l2: "l2"
        case .ip: "ip"
        case .cosine: "cosine"
        }
    }
}

/// Navigation representation codes; `serverDefault` only in requests.
public enum WireQuantization: UInt8, Sendable, CaseIterable {
    case serverDefault = 0
    case none = 1
    case int8 = 2
}

/// COLLECTION_CREATE payload (§4.2). Zero means "the server's default" for the u16 tuning fields.
public struct CollectionSpec: Sendable, Equatable {
    public var name: String
    public var dimension: Int
    public var metric: WireMetric
    public var quantization: WireQuantization
    public var m: Int
    public var efConstruction: Int
    public var efSearch: Int
    public var pqSubquantizers: Int

    public init(
        name: String, dimension: Int, metric: WireMetric = .cosine, quantization: WireQuantization = .serverDefault,
        m: Int = 0, efConstruction: Int = 0, efSearch: Int = 0, pqSubquantizers: Int = 0
    ) {
        self.name = name
        self.dimension = dimension
        self.metric = metric
        self.quantization = quantization
        self.m = m
        self.efConstruction = efConstruction
        self.efSearch = efSearch
        self.pqSubquantizers = pqSubquantizers
    }

    func encode(to writer: inout PayloadWriter) {
        writer.write(name)
        writer.write(UInt32(clamping: dimension))
        writer.write(metric.rawValue)
        writer.write(quantization.rawValue)
        for value in [m, efConstruction, efSearch, pqSubquantizers] { writer.write(UInt16(clamping: value)) }
    }

    static func decode(from reader: inout PayloadReader) throws(WireError) -> CollectionSpec {
        let name = try reader.readString("name")
        let dimension = Int(try reader.read(UInt32.self, "dimension"))
        let metric = try decodeMetric(&reader)
        let rawQuantization = try reader.read(UInt8.self, "quantization")
        guard let quantization = WireQuantization(rawValue: rawQuantization) else {
            throw .invalidInput("\(reader.context): quantization \(rawQuantization) is not 0, 1 or 2")
        }
        let m = Int(try reader.read(UInt16.self, "m"))
        let efConstruction = Int(try reader.read(UInt16.self, "ef_construction"))
        let efSearch = Int(try reader.read(UInt16.self, "ef_search"))
        let pq = Int(try reader.read(UInt16.self, "pq_m"))
        return CollectionSpec(
            name: name, dimension: dimension, metric: metric, quantization: quantization, m: m,
            efConstruction: efConstruction, efSearch: efSearch, pqSubquantizers: pq)
    }
}

/// A collection's settings and size (§4.2 "collection info").
public struct CollectionInfo: Sendable, Equatable {
    public var spec: CollectionSpec
    public var count: UInt64
    /// Milliseconds since the Unix epoch.
    public var createdAt: Int64

    public init(spec: CollectionSpec, count: UInt64, createdAt: Int64) {
        self.spec = spec
        self.count = count
        self.createdAt = createdAt
    }

    func encode(to writer: inout PayloadWriter) {
        spec.encode(to: &writer)
        writer.write(count)
        writer.write(createdAt)
    }

    static func decode(from reader: inout PayloadReader) throws(WireError) -> CollectionInfo {
        let spec = try CollectionSpec.decode(from: &reader)
        let count = try reader.read(UInt64.self, "count")
        let createdAt = try reader.read(Int64.self, "created at")
        return CollectionInfo(spec: spec, count: count, createdAt: createdAt)
    }

    /// The smallest encoding (empty name): bounds list counts before allocating.
    static let minimumByteCount = 4 + 4 + 1 + 1 + 8 + 8 + 8
}

func decodeMetric(_ reader: inout PayloadReader) throws(WireError) -> WireMetric {
    let raw = try reader.read(UInt8.self, "metric")
    guard let metric = WireMetric(rawValue: raw) else { throw .invalidInput("\(reader.context): metric \(raw) is not 1, 2 or 3") }
    return metric
}
