import CortexCore

/// Appends payload fields in the wire encoding (docs/wire-protocol.md §1):
/// little-endian fixed-width integers, `str`/`json` as a u32 byte count then
/// the bytes, `vector` as a u32 dimension then float32 components.
public struct PayloadWriter: Sendable {
    /// Fixed-width integers are written exactly as the record encoding writes them.
    private var writer: BinaryWriter

    public var bytes: [UInt8] { writer.bytes }

    public init(reservingCapacity capacity: Int = 64) {
        writer = BinaryWriter(reservingCapacity: capacity)
    }

    public mutating func write<T: FixedWidthInteger>(_ value: T) {
        writer.writeFixed(value)
    }

    public mutating func write(_ value: Float) {
        write(value.bitPattern)
    }

    /// `str`: u32 byte count, UTF-8 bytes.
    public mutating func write(_ string: String) {
        let utf8 = string.utf8
        precondition(utf8.count <= Int(UInt32.max), "string longer than a u32 count")
        write(UInt32(utf8.count))
        writer.write(raw: utf8)
    }

    /// `json`: u32 byte count then the bytes; nil is written as count 0 (absent).
    public mutating func write(json: [UInt8]?) {
        let value = json ?? []
        precondition(value.count <= Int(UInt32.max), "JSON longer than a u32 count")
        write(UInt32(value.count))
        writer.write(raw: value)
    }

    /// `opt-str`: a presence byte, then the string if present.
    public mutating func write(optional string: String?) {
        if let string {
            write(UInt8(1))
            write(string)
        } else {
            write(UInt8(0))
        }
    }

    /// `vector`: u32 dimension, then the components.
    public mutating func write(vector: [Float]) {
        write(UInt32(vector.count))
        for component in vector { write(component.bitPattern) }
    }

    /// Raw bytes with no count (PING payloads).
    public mutating func write(raw: some Sequence<UInt8>) {
        writer.write(raw: raw)
    }
}
