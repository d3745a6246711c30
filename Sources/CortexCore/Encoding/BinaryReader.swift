/// Reads values written by ``BinaryWriter``, bounds-checked.
///
/// Every read that would run past the end, or that finds an impossible value
/// (an over-long varint, invalid UTF-8), throws `CortexError.corrupt` naming
/// the `context` and the offset: stored bytes are input, never a trap.
public struct BinaryReader: Sendable {
    public let bytes: [UInt8]
    /// The offset of the next byte to read.
    public private(set) var offset: Int
    /// What is being decoded, for error messages ("outbox event", "tenant record").
    public let context: String

    public init(_ bytes: [UInt8], context: String) {
        self.bytes = bytes
        self.offset = 0
        self.context = context
    }

    /// The number of bytes left to read.
    public var remainingByteCount: Int { bytes.count - offset }

    public var isAtEnd: Bool { offset == bytes.count }

    private func truncated(_ needed: Int) -> CortexError {
        .corrupt("\(context): truncated at byte \(offset): need \(needed) more, have \(remainingByteCount)")
    }

    public mutating func readByte() throws(CortexError) -> UInt8 {
        guard offset < bytes.count else { throw truncated(1) }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readBool() throws(CortexError) -> Bool {
        let byte = try readByte()
        guard byte <= 1 else { throw .corrupt("\(context): byte \(offset - 1) is \(byte), expected a bool (0 or 1)") }
        return byte == 1
    }

    /// Reads a little-endian fixed-width integer.
    public mutating func readFixed<T: FixedWidthInteger>(_: T.Type = T.self) throws(CortexError) -> T {
        let size = T.bitWidth / 8
        guard remainingByteCount >= size else { throw truncated(size) }
        var value: T = 0
        for index in 0..<size {
            value |= T(truncatingIfNeeded: bytes[offset + index]) << (8 * index)
        }
        offset += size
        return value
    }

    public mutating func readVarUInt() throws(CortexError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        let start = offset
        while true {
            let byte = try readByte()
            // The 10th byte may only carry the top bit of a 64-bit value.
            guard shift < 63 || (shift == 63 && byte <= 1) else {
                throw .corrupt("\(context): varint at byte \(start) is longer than 64 bits")
            }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    public mutating func readVarInt() throws(CortexError) -> Int64 {
        let raw = try readVarUInt()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    public mutating func readDouble() throws(CortexError) -> Double {
        Double(bitPattern: try readFixed(UInt64.self))
    }

    public mutating func readFloat() throws(CortexError) -> Float {
        Float(bitPattern: try readFixed(UInt32.self))
    }

    /// Reads a length (varint) that must fit in the remaining bytes.
    private mutating func readLength() throws(CortexError) -> Int {
        let start = offset
        let length = try readVarUInt()
        guard length <= UInt64(remainingByteCount) else {
            throw .corrupt("\(context): length \(length) at byte \(start) exceeds the \(remainingByteCount) bytes left")
        }
        return Int(length)
    }

    public mutating func readString() throws(CortexError) -> String {
        let start = offset
        let length = try readLength()
        let slice = bytes[offset..<(offset + length)]
        guard let string = String(validating: slice, as: UTF8.self) else {
            throw .corrupt("\(context): string at byte \(start) is not valid UTF-8")
        }
        offset += length
        return string
    }

    public mutating func readBlob() throws(CortexError) -> [UInt8] {
        let length = try readLength()
        defer { offset += length }
        return Array(bytes[offset..<(offset + length)])
    }

    /// Reads exactly `count` raw bytes.
    public mutating func readRaw(count: Int) throws(CortexError) -> [UInt8] {
        precondition(count >= 0, "negative raw read")
        guard remainingByteCount >= count else { throw truncated(count) }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// Throws unless every byte was consumed; catches records with trailing garbage.
    public func expectEnd() throws(CortexError) {
        guard isAtEnd else {
            throw .corrupt("\(context): \(remainingByteCount) unexpected trailing bytes at byte \(offset)")
        }
    }
}
