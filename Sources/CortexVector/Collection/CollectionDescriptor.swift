public import CortexCore
public import CortexStorage

/// How the graph search measures distance while navigating.
public enum VectorQuantization: String, Sendable, CaseIterable, Equatable {
    /// Navigate on the float32 vectors.
    case none
    /// Navigate on int8 codes (a quarter of the memory traffic), then re-rank
    /// the candidates with the float32 vectors.
    case int8

    /// int8 from 64 dimensions up, where memory traffic dominates; none below.
    public static func defaultFor(dimension: Int) -> VectorQuantization { dimension >= 64 ? .int8 : .none }
}

/// What a caller asks for when creating a collection.
public struct CollectionConfiguration: Sendable, Equatable {
    public var name: String
    /// 1...``VectorLimits/dimensionMax``.
    public var dimension: Int
    public var metric: Metric
    /// HNSW links per node on levels ≥ 1 (level 0 keeps twice as many).
    public var m: Int
    /// Candidate list size while inserting.
    public var efConstruction: Int
    /// Default candidate list size while searching (a query may override it).
    public var efSearch: Int
    public var quantization: VectorQuantization
    /// Product-quantization sub-quantizers (code bytes per vector), or nil for none.
    /// When set, the search navigates on PQ codes once the collection has
    /// ``VectorLimits/pqTrainingCount`` vectors (it trains then), and re-ranks exactly.
    public var pqSubquantizers: Int?
    /// The embedding model that turns this collection's texts into vectors (records and
    /// queries may then carry text instead of a vector), or nil when callers send vectors.
    /// The engine only stores the name; the server embeds.
    public var embeddingModel: String?

    public init(
        name: String, dimension: Int, metric: Metric = .cosine, m: Int = 16, efConstruction: Int = 200, efSearch: Int = 64,
        quantization: VectorQuantization? = nil, pqSubquantizers: Int? = nil, embeddingModel: String? = nil
    ) {
        self.name = name
        self.dimension = dimension
        self.metric = metric
        self.m = m
        self.efConstruction = efConstruction
        self.efSearch = efSearch
        self.quantization = quantization ?? .defaultFor(dimension: dimension)
        self.pqSubquantizers = pqSubquantizers
        self.embeddingModel = embeddingModel
    }

    /// Checks every field against ``VectorLimits``; throws `.invalidInput` naming the field.
    public func validate() throws(CortexError) {
        try VectorLimits.checkCollectionName(name)
        guard (1...VectorLimits.dimensionMax).contains(dimension) else {
            throw .invalidInput("dimension must be 1-\(VectorLimits.dimensionMax); got \(dimension)")
        }
        guard (2...VectorLimits.mMax).contains(m) else { throw .invalidInput("m must be 2-\(VectorLimits.mMax); got \(m)") }
        guard (1...VectorLimits.efMax).contains(efConstruction) else {
            throw .invalidInput("ef_construction must be 1-\(VectorLimits.efMax); got \(efConstruction)")
        }
        guard (1...VectorLimits.efMax).contains(efSearch) else {
            throw .invalidInput("ef_search must be 1-\(VectorLimits.efMax); got \(efSearch)")
        }
        if let pq = pqSubquantizers {
            guard pq >= 1, pq <= dimension, dimension % pq == 0 else {
                throw .invalidInput("pq_m must divide the dimension \(dimension); got \(pq)")
            }
        }
        if let embeddingModel {
            guard (1...VectorLimits.embeddingModelByteCountMax).contains(embeddingModel.utf8.count) else {
                throw .invalidInput("embedding_model must be 1-\(VectorLimits.embeddingModelByteCountMax) bytes; got \(embeddingModel.utf8.count)")
            }
        }
    }
}

/// A collection's row in `vector.collections` (key = name).
/// Version 2 appends the embedding model's name (empty: none); version 1 rows read as none.
public struct CollectionDescriptor: VersionedRecord, Equatable {
    public static let recordName = "collection descriptor"
    public static let recordVersion: UInt8 = 2

    /// Internal id: the first component of every key of the collection's data.
    public var id: UInt32
    public var configuration: CollectionConfiguration
    public var createdAt: Int64

    public func encode(to writer: inout BinaryWriter) {
        writer.writeVarUInt(UInt64(id))
        writer.write(configuration.name)
        writer.writeVarUInt(UInt64(configuration.dimension))
        writer.write(configuration.metric.rawValue)
        writer.writeVarUInt(UInt64(configuration.m))
        writer.writeVarUInt(UInt64(configuration.efConstruction))
        writer.writeVarUInt(UInt64(configuration.efSearch))
        writer.write(configuration.quantization.rawValue)
        writer.writeVarUInt(UInt64(configuration.pqSubquantizers ?? 0))
        writer.writeVarInt(createdAt)
        writer.write(configuration.embeddingModel ?? "")
    }

    public static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> Self {
        let id = try reader.readVarUInt()
        let name = try reader.readString()
        let dimension = try reader.readVarUInt()
        let metricName = try reader.readString()
        guard let metric = Metric(rawValue: metricName) else { throw .corrupt("collection \(name): unknown metric '\(metricName)'") }
        let m = try reader.readVarUInt()
        let efConstruction = try reader.readVarUInt()
        let efSearch = try reader.readVarUInt()
        let quantizationName = try reader.readString()
        guard let quantization = VectorQuantization(rawValue: quantizationName) else {
            throw .corrupt("collection \(name): unknown quantization '\(quantizationName)'")
        }
        let pq = try reader.readVarUInt()
        guard pq <= dimension else { throw .corrupt("collection \(name): pq_m \(pq) > dimension \(dimension)") }
        let createdAt = try reader.readVarInt()
        let embeddingModel = version >= 2 ? try reader.readString() : ""
        guard id <= UInt32.max, dimension <= VectorLimits.dimensionMax, m <= VectorLimits.mMax,
              efConstruction <= VectorLimits.efMax, efSearch <= VectorLimits.efMax else {
            throw .corrupt("collection \(name): descriptor fields out of range")
        }
        let configuration = CollectionConfiguration(
            name: name, dimension: Int(dimension), metric: metric, m: Int(m), efConstruction: Int(efConstruction), efSearch: Int(efSearch),
            quantization: quantization, pqSubquantizers: pq == 0 ? nil : Int(pq),
            embeddingModel: embeddingModel.isEmpty ? nil : embeddingModel)
        return CollectionDescriptor(id: UInt32(id), configuration: configuration, createdAt: createdAt)
    }
}

/// Limits of the vector engine (documented in docs/vector-engine.md).
public enum VectorLimits {
    public static let dimensionMax = 4096
    public static let mMax = 64
    public static let efMax = 4096
    public static let kMax = 4096
    public static let collectionNameByteCountMax = 128
    public static let recordIDByteCountMax = 256
    public static let embeddingModelByteCountMax = 128
    public static let batchCountMax = 100_000
    /// Vectors a PQ collection must hold before its quantizer is trained (16 per centroid).
    public static let pqTrainingCount = 4_096
    /// Vectors sampled for PQ training.
    public static let pqTrainingSampleMax = 25_600

    static func checkCollectionName(_ name: String) throws(CortexError) {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= collectionNameByteCountMax else {
            throw .invalidInput("collection name must be 1-\(collectionNameByteCountMax) bytes; got \(bytes.count)")
        }
        let allowed: (UInt8) -> Bool = { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        guard bytes.allSatisfy(allowed) else {
            throw .invalidInput("collection name '\(name.prefix(64))' may contain only A-Z a-z 0-9 . _ -")
        }
    }
}
