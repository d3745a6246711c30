public import CortexCore

/// A value that encodes to bytes whose bytewise order is the value's order.
///
/// Encodings are self-delimiting, so keys compose into tuples (``KeyPair``,
/// ``KeyTriple``) whose byte order is lexicographic by component, and the
/// encoding of a tuple's leading components is a prefix of the whole key.
/// The rules (docs/storage.md, "Key encoding"):
/// - unsigned integers: big-endian, fixed width;
/// - signed integers: big-endian with the sign bit flipped;
/// - `Double`: IEEE bits, negatives fully inverted, positives sign-flipped (NaN is rejected);
/// - `String` and byte strings: bytes with `00` escaped as `00 FF`, then the terminator
///   `00 01` (strings order by UTF-8 bytes, i.e. by code point, not by locale or
///   normalisation). Two terminator bytes keep the next component from being read
///   as part of an escape, whatever its first byte;
/// - `Bool`: one byte, 0 or 1.
public protocol OrderedKey: Sendable {
    func encode(into encoder: inout KeyEncoder)
    static func decode(from decoder: inout KeyDecoder) throws(CortexError) -> Self
}

extension OrderedKey {
    /// This key's bytes.
    public var encodedKey: [UInt8] {
        var encoder = KeyEncoder()
        encode(into: &encoder)
        return encoder.bytes
    }

    /// Decodes a whole key, rejecting trailing bytes.
    public static func decodeKey(_ bytes: [UInt8]) throws(CortexError) -> Self {
        var decoder = KeyDecoder(bytes)
        let key = try decode(from: &decoder)
        guard decoder.isAtEnd else { throw .corrupt("key has \(decoder.remainingByteCount) trailing bytes") }
        return key
    }
}

/// Accumulates an order-preserving key.
public struct KeyEncoder: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func appendBigEndian<T: FixedWidthInteger & UnsignedInteger>(_ value: T) {
        var shift = T.bitWidth - 8
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
            shift -= 8
        }
    }

    /// Appends an escaped byte string and its `00 01` terminator.
    public mutating func appendTerminated(_ content: some Sequence<UInt8>) {
        for byte in content {
            bytes.append(byte)
            if byte == 0 { bytes.append(0xFF) }
        }
        bytes.append(0)
        bytes.append(1)
    }

    public mutating func appendByte(_ byte: UInt8) { bytes.append(byte) }
}

/// Reads an order-preserving key; malformed bytes throw `.corrupt`.
public struct KeyDecoder: Sendable {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { offset == bytes.count }
    public var remainingByteCount: Int { bytes.count - offset }

    public mutating func readBigEndian<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) throws(CortexError) -> T {
        let size = T.bitWidth / 8
        guard remainingByteCount >= size else { throw .corrupt("key truncated: need \(size) bytes at offset \(offset)") }
        var value: T = 0
        for index in 0..<size { value = value << 8 | T(bytes[offset + index]) }
        offset += size
        return value
    }

    public mutating func readByte() throws(CortexError) -> UInt8 {
        guard offset < bytes.count else { throw .corrupt("key truncated at offset \(offset)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads an escaped byte string up to its `00 01` terminator.
    public mutating func readTerminated() throws(CortexError) -> [UInt8] {
        var content: [UInt8] = []
        while true {
            let byte = try readByte()
            guard byte == 0 else { content.append(byte); continue }
            switch try readByte() {
            case 0xFF: content.append(0)  // escaped zero byte
            case 0x01: return content
            case let other: throw .corrupt("key has byte \(other) after 00 at offset \(offset - 1); expected FF or 01")
            }
        }
    }
}
