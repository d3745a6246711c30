/// Appends values to a byte buffer in Cortex's record encoding.
///
/// Layout rules (see docs/storage.md): fixed-width integers and floats are
/// little-endian; variable integers are LEB128 (signed ones zig-zag first);
/// strings and byte blobs are a LEB128 length followed by the bytes (UTF-8 for
/// strings). The encoding has no self-description: the record type and its
/// version say what comes next.
public struct BinaryWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    public init(reservingCapacity capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ value: UInt8) {
        bytes.append(value)
    }

    public mutating func write(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    /// Writes `value` as `T.bitWidth / 8` little-endian bytes.
    public mutating func writeFixed<T: FixedWidthInteger>(_ value: T) {
        var remaining = value.littleEndian
        for _ in 0..<(T.bitWidth / 8) {
            bytes.append(UInt8(truncatingIfNeeded: remaining))
            remaining = remaining >> 8
        }
    }

    /// Writes an unsigned LEB128 integer: 1 byte below 128, at most 10 bytes.
    public mutating func writeVarUInt(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        bytes.append(UInt8(remaining))
    }

    /// Writes a signed integer zig-zag encoded as LEB128, so small magnitudes stay small.
    public mutating func writeVarInt(_ value: Int64) {
        writeVarUInt(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    public mutating func write(_ value: Double) {
        writeFixed(value.bitPattern)
    }

    public mutating func write(_ value: Float) {
        writeFixed(value.bitPattern)
    }

    /// Writes a length-prefixed UTF-8 string.
    public mutating func write(_ value: String) {
        let utf8 = value.utf8
        writeVarUInt(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// Writes a length-prefixed byte blob.
    public mutating func write(blob: [UInt8]) {
        writeVarUInt(UInt64(blob.count))
        bytes.append(contentsOf: blob)
    }

    /// Appends raw bytes with no length prefix (the reader must know the size).
    public mutating func write(raw: some Sequence<UInt8>) {
        bytes.append(contentsOf: raw)
    }
}
