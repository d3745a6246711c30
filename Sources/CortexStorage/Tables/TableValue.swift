public import CortexCore

/// A value stored in a typed table.
public protocol TableValue: Sendable {
    func encodedValue() -> [UInt8]
    static func decodeValue(_ bytes: [UInt8]) throws(CortexError) -> Self
}

/// A record with an explicit, versioned binary layout (no JSON on the hot path).
///
/// Stored bytes are `[version: UInt8][payload]`. `encode` always writes
/// ``recordVersion``; `decode` receives the stored version and must read every
/// version it ever wrote (the compatibility rule in docs/storage.md). A version
/// newer than this build knows is reported as `.corrupt` naming both versions,
/// never guessed at.
public protocol VersionedRecord: TableValue {
    /// Human name for error messages ("outbox event").
    static var recordName: String { get }
    /// The version `encode` writes; starts at 1.
    static var recordVersion: UInt8 { get }
    func encode(to writer: inout BinaryWriter)
    static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> Self
}

extension VersionedRecord {
    public func encodedValue() -> [UInt8] {
        var writer = BinaryWriter()
        writer.write(Self.recordVersion)
        encode(to: &writer)
        return writer.bytes
    }

    public static func decodeValue(_ bytes: [UInt8]) throws(CortexError) -> Self {
        var reader = BinaryReader(bytes, context: recordName)
        let version = try reader.readByte()
        guard version >= 1, version <= recordVersion else {
            throw .corrupt(
                "\(recordName) has encoding version \(version); this build reads versions 1...\(recordVersion)")
        }
        let record = try decode(from: &reader, version: version)
        try reader.expectEnd()
        return record
    }
}

/// Raw bytes, stored as they are.
extension Array: TableValue where Element == UInt8 {
    public func encodedValue() -> [UInt8] { self }
    public static func decodeValue(_ bytes: [UInt8]) throws(CortexError) -> Self { bytes }
}

/// No value: the key is the information (set membership, index entries).
public struct EmptyValue: TableValue, Equatable {
    public init() {}
    public func encodedValue() -> [UInt8] { [] }
    public static func decodeValue(_ bytes: [UInt8]) throws(CortexError) -> Self {
        guard bytes.isEmpty else { throw .corrupt("index entry has a \(bytes.count)-byte value; expected none") }
        return EmptyValue()
    }
}

/// A UInt64 counter or sequence number, 8 bytes little-endian.
extension UInt64: TableValue {
    public func encodedValue() -> [UInt8] {
        var writer = BinaryWriter(reservingCapacity: 8)
        writer.writeFixed(self)
        return writer.bytes
    }
    public static func decodeValue(_ bytes: [UInt8]) throws(CortexError) -> Self {
        var reader = BinaryReader(bytes, context: "counter")
        let value = try reader.readFixed(UInt64.self)
        try reader.expectEnd()
        return value
    }
}

/// A UInt32 (slot numbers, small ids), 4 bytes little-endian.
extension UInt32: TableValue {
    public func encodedValue() -> [UInt8] {
        var writer = BinaryWriter(reservingCapacity: 4)
        writer.writeFixed(self)
        return writer.bytes
    }
    public static func decodeValue(_ bytes: [UInt8]) throws(CortexError) -> Self {
        var reader = BinaryReader(bytes, context: "UInt32 value")
        let value = try reader.readFixed(UInt32.self)
        try reader.expectEnd()
        return value
    }
}
