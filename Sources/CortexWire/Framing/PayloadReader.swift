/// Reads payload fields written by ``PayloadWriter``, bounds-checked.
///
/// Every failure is `invalid_input` naming the field and the byte offset;
/// counts are checked against the remaining bytes (and the caller's limit)
/// before anything is allocated, so a hostile count cannot cause a large allocation.
public struct PayloadReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset = 0
    /// What is being decoded, for messages ("UPSERT").
    public let context: String

    public init(_ bytes: [UInt8], context: String) {
        self.bytes = bytes
        self.context = context
    }

    public var remainingByteCount: Int { bytes.count - offset }

    private func truncated(_ field: String, needed: Int) -> WireError {
        .invalidInput("\(context): \(field) at byte \(offset) needs \(needed) bytes; \(remainingByteCount) left")
    }

    public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self, _ field: String) throws(WireError) -> T {
        let size = T.bitWidth / 8
        guard remainingByteCount >= size else { throw truncated(field, needed: size) }
        var value: T = 0
        for index in 0..<size {
            value |= T(truncatingIfNeeded: bytes[offset + index]) << (8 * index)
        }
        offset += size
        return value
    }

    public mutating func readFloat(_ field: String) throws(WireError) -> Float {
        Float(bitPattern: try read(UInt32.self, field))
    }

    /// A u32 count that must be ≤ `limit` and leave room for `count × minimumEntryByteCount` bytes.
    public mutating func readCount(
        _ field: String, limit: Int, minimumEntryByteCount: Int, limitCode: WireErrorCode = .tooLarge
    ) throws(WireError) -> Int {
        let start = offset
        let count = Int(try read(UInt32.self, field))
        guard count <= limit else {
            throw WireError(limitCode, "\(context): \(field) is \(count); the limit is \(limit)")
        }
        guard count * minimumEntryByteCount <= remainingByteCount else {
            throw .invalidInput("\(context): \(field) \(count) at byte \(start) needs at least \(count * minimumEntryByteCount) bytes; \(remainingByteCount) left")
        }
        return count
    }

    private mutating func readSized(_ field: String) throws(WireError) -> ArraySlice<UInt8> {
        let start = offset
        let count = Int(try read(UInt32.self, field))
        guard count <= remainingByteCount else {
            throw .invalidInput("\(context): \(field) at byte \(start) needs \(count) bytes; \(remainingByteCount) left")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    /// `str`: valid UTF-8.
    public mutating func readString(_ field: String) throws(WireError) -> String {
        let start = offset
        let slice = try readSized(field)
        guard let string = String(validating: slice, as: UTF8.self) else {
            throw .invalidInput("\(context): \(field) at byte \(start) is not valid UTF-8")
        }
        return string
    }

    /// `json`: nil when the count is 0 (absent). The JSON itself is parsed by the receiver.
    public mutating func readJSON(_ field: String) throws(WireError) -> [UInt8]? {
        let slice = try readSized(field)
        return slice.isEmpty ? nil : Array(slice)
    }

    /// `opt-str`.
    public mutating func readOptionalString(_ field: String) throws(WireError) -> String? {
        let start = offset
        switch try read(UInt8.self, field) {
        case 0: return nil
        case 1: return try readString(field)
        case let other: throw .invalidInput("\(context): \(field) presence byte at \(start) is \(other); expected 0 or 1")
        }
    }

    /// `vector`: dimension 1 … `dimensionMax` (over it: `too_large`, before reading components).
    public mutating func readVector(_ field: String, dimensionMax: Int) throws(WireError) -> [Float] {
        let dimension = try readCount("\(field) dimension", limit: dimensionMax, minimumEntryByteCount: 4)
        guard dimension > 0 else { throw .invalidInput("\(context): \(field) has dimension 0") }
        var vector: [Float] = []
        vector.reserveCapacity(dimension)
        for _ in 0..<dimension {
            // In bounds: readCount checked 4 × dimension bytes remain.
            let bits = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
            vector.append(Float(bitPattern: bits))
            offset += 4
        }
        return vector
    }

    /// Every remaining byte, raw.
    public mutating func readRest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }

    /// Throws unless every byte was read.
    public func expectEnd() throws(WireError) {
        guard remainingByteCount == 0 else {
            throw .invalidInput("\(context): \(remainingByteCount) unexpected trailing bytes at byte \(offset)")
        }
    }
}
