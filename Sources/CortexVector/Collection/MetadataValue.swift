import CortexCore
import CortexStorage

/// A metadata value: Chroma's scalar types and lists of them.
public enum MetadataValue: Sendable, Equatable, Hashable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case stringList([String])
    case intList([Int64])
    case doubleList([Double])
    case boolList([Bool])

    // Tags of the binary encoding (docs/vector-engine.md); never renumber.
    private enum Tag: UInt8 {
        case string = 1, int, double, bool, stringList, intList, doubleList, boolList
    }

    func encode(to writer: inout BinaryWriter) {
        switch self {
        case .string(let value): writer.write(Tag.string.rawValue); writer.write(value)
        case .int(let value): writer.write(Tag.int.rawValue); writer.writeVarInt(value)
        case .double(let value): writer.write(Tag.double.rawValue); writer.write(value)
        case .bool(let value): writer.write(Tag.bool.rawValue); writer.write(value)
        case .stringList(let values):
            writer.write(Tag.stringList.rawValue)
            writer.writeVarUInt(UInt64(values.count))
            for value in values { writer.write(value) }
        case .intList(let values):
            writer.write(Tag.intList.rawValue)
            writer.writeVarUInt(UInt64(values.count))
            for value in values { writer.writeVarInt(value) }
        case .doubleList(let values):
            writer.write(Tag.doubleList.rawValue)
            writer.writeVarUInt(UInt64(values.count))
            for value in values { writer.write(value) }
        case .boolList(let values):
            writer.write(Tag.boolList.rawValue)
            writer.writeVarUInt(UInt64(values.count))
            for value in values { writer.write(value) }
        }
    }

    static func decode(from reader: inout BinaryReader) throws(CortexError) -> MetadataValue {
        let rawTag = try reader.readByte()
        guard let tag = Tag(rawValue: rawTag) else { throw .corrupt("metadata value has unknown type tag \(rawTag)") }
        switch tag {
        case .string: return .string(try reader.readString())
        case .int: return .int(try reader.readVarInt())
        case .double: return .double(try reader.readDouble())
        case .bool: return .bool(try reader.readBool())
        case .stringList: return .stringList(try readList(&reader) { (reader: inout BinaryReader) throws(CortexError) in try reader.readString() })
        case .intList: return .intList(try readList(&reader) { (reader: inout BinaryReader) throws(CortexError) in try reader.readVarInt() })
        case .doubleList: return .doubleList(try readList(&reader) { (reader: inout BinaryReader) throws(CortexError) in try reader.readDouble() })
        case .boolList: return .boolList(try readList(&reader) { (reader: inout BinaryReader) throws(CortexError) in try reader.readBool() })
        }
    }

    private static func readList<T>(
        _ reader: inout BinaryReader, _ element: (inout BinaryReader) throws(CortexError) -> T
    ) throws(CortexError) -> [T] {
        let count = try reader.readVarUInt()
        // Every element takes at least one byte: a larger count is corrupt, not a huge allocation.
        guard count <= UInt64(reader.remainingByteCount) else { throw .corrupt("metadata list claims \(count) elements") }
        var values: [T] = []
        values.reserveCapacity(Int(count))
        for _ in 0..<count { values.append(try element(&reader)) }
        return values
    }
}

/// A record as callers see it.
public struct VectorRecord: Sendable, Equatable {
    public var id: String
    public var vector: [Float]
    public var metadata: [String: MetadataValue]?
    public var document: String?

    public init(id: String, vector: [Float], metadata: [String: MetadataValue]? = nil, document: String? = nil) {
        self.id = id
        self.vector = vector
        self.metadata = metadata
        self.document = document
    }
}

/// A record's non-vector part as stored (`vector.records`, key (collection, slot)).
struct StoredVectorRecord: VersionedRecord, Equatable {
    static let recordName = "vector record"
    static let recordVersion: UInt8 = 1

    var id: String
    /// Insertion order (key of `vector.order`).
    var sequence: UInt64
    var metadata: [String: MetadataValue]?
    var document: String?

    func encode(to writer: inout BinaryWriter) {
        writer.write(id)
        writer.writeVarUInt(sequence)
        writer.write(metadata != nil)
        if let metadata {
            writer.writeVarUInt(UInt64(metadata.count))
            for key in metadata.keys.sorted() {
                writer.write(key)
                metadata[key]!.encode(to: &writer)
            }
        }
        writer.write(document != nil)
        if let document { writer.write(document) }
    }

    static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> StoredVectorRecord {
        let id = try reader.readString()
        let sequence = try reader.readVarUInt()
        var metadata: [String: MetadataValue]?
        if try reader.readBool() {
            let count = try reader.readVarUInt()
            guard count <= UInt64(reader.remainingByteCount) else { throw .corrupt("vector record \(id): metadata count \(count)") }
            var entries: [String: MetadataValue] = [:]
            for _ in 0..<count {
                let key = try reader.readString()
                entries[key] = try MetadataValue.decode(from: &reader)
            }
            metadata = entries
        }
        let document = try reader.readBool() ? try reader.readString() : nil
        return StoredVectorRecord(id: id, sequence: sequence, metadata: metadata, document: document)
    }
}
