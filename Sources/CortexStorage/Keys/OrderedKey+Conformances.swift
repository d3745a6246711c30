public import CortexCore

extension UInt64: OrderedKey {
    public func encode(into encoder: inout KeyEncoder) { encoder.appendBigEndian(self) }
    public static func decode(from decoder: inout KeyDecoder) throws(CortexError) -> Self {
        try decoder.readBigEndian(UInt64.self)
    }
}

extension UInt32: OrderedKey {
    public func encode(into encoder: inout KeyEncoder) { encoder.appendBigEndian(self) }
    public static func decode(from decoder: inout KeyDecoder) throws(CortexError) -> Self {
        try decoder.readBigEndian(UInt32.self)
    }
}

extension Int64: OrderedKey {
    public func encode(into encoder: inout KeyEncoder) {
        encoder.appendBigEndian(UInt64(bitPattern: self) ^ (1 << 63))
    }
    public static func decode(from decoder: inout KeyDecoder) throws(CortexError) -> Self {
        Int64(bitPattern: try decoder.readBigEndian(UInt64.self) ^ (1 << 63))
    }
}

extension Int32: OrderedKey {
    public func encode(into encoder: inout KeyEncoder) {
        encoder.appendBigEndian(UInt32(bitPattern: self) ^ (1 << 31))
    }
    public static func decode(from decoder: inout KeyDecoder) throws(CortexError) -> Self {
        Int32(bitPattern: try decoder.readBigEndian(UInt32.self) ^ (1 << 31))
    }
}

extension Int: OrderedKey {
    public func encode(into encoder: inout KeyEncoder) { Int64(self).encode(into: &encoder) }
    public static func decode(from decoder: inout KeyDecoder) throws(CortexError) -> Self {
        Int(try Int64.decode(from: &decoder))
    }
}

extension Bool: OrderedKey {
    public func encode(into encoder: inout KeyEncoder) { encoder.appendByte(self ? 1 : 0) }
    public static func decode(from decoder: inout KeyDecoder) throws(CortexError) -> Self {
        switch try decoder.readByte() {
        case 0: return false
        case 1: return true
        case let other: throw .corrupt("key byte \(other) is not a bool")
        }
    }
}

extension Double: OrderedKey {
    /// NaN has no place in an order; callers validate before building keys
    /// (``KeyEncoder`` cannot throw), so NaN here is a programming error.
    public func encode(into encoder: inout KeyEncoder) {
        precondition(!isNaN, "NaN cannot be a key")
        // Normalise -0.0 to 0.0 so equal numbers have equal keys.
        let bits = (self == 0 ? 0.0 : self).bitPattern
        encoder.appendBigEndian(bits >> 63 == 1 ? ~bits : bits ^ (1 << 63))
    }
    public static func decode(from decoder: inout KeyDecoder) throws(CortexError) -> Self {
        let stored = try decoder.readBigEndian(UInt64.self)
        return Double(bitPattern: stored >> 63 == 1 ? stored ^ (1 << 63) : ~stored)
    }
}

extension String: OrderedKey {
    public func encode(into encoder: inout KeyEncoder) { encoder.appendTerminated(utf8) }
    public static func decode(from decoder: inout KeyDecoder) throws(CortexError) -> Self {
        let bytes = try decoder.readTerminated()
        guard let string = String(validating: bytes, as: UTF8.self) else { throw .corrupt("string key is not valid UTF-8") }
        return string
    }
}

/// A byte string as a key component (ordered bytewise, self-delimiting).
public struct KeyBytes: OrderedKey, Hashable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public func encode(into encoder: inout KeyEncoder) { encoder.appendTerminated(bytes) }
    public static func decode(from decoder: inout KeyDecoder) throws(CortexError) -> Self {
        KeyBytes(try decoder.readTerminated())
    }
}

/// Two key components ordered lexicographically.
public struct KeyPair<First: OrderedKey, Second: OrderedKey>: OrderedKey {
    public var first: First
    public var second: Second
    public init(_ first: First, _ second: Second) {
        self.first = first
        self.second = second
    }
    public func encode(into encoder: inout KeyEncoder) {
        first.encode(into: &encoder)
        second.encode(into: &encoder)
    }
    public static func decode(from decoder: inout KeyDecoder) throws(CortexError) -> Self {
        let first = try First.decode(from: &decoder)
        return KeyPair(first, try Second.decode(from: &decoder))
    }
}

extension KeyPair: Equatable where First: Equatable, Second: Equatable {}
extension KeyPair: Hashable where First: Hashable, Second: Hashable {}

/// Three key components ordered lexicographically.
public struct KeyTriple<First: OrderedKey, Second: OrderedKey, Third: OrderedKey>: OrderedKey {
    public var first: First
    public var second: Second
    public var third: Third
    public init(_ first: First, _ second: Second, _ third: Third) {
        self.first = first
        self.second = second
        self.third = third
    }
    public func encode(into encoder: inout KeyEncoder) {
        first.encode(into: &encoder)
        second.encode(into: &encoder)
        third.encode(into: &encoder)
    }
    public static func decode(from decoder: inout KeyDecoder) throws(CortexError) -> Self {
        let first = try First.decode(from: &decoder)
        let second = try Second.decode(from: &decoder)
        return KeyTriple(first, second, try Third.decode(from: &decoder))
    }
}

extension KeyTriple: Equatable where First: Equatable, Second: Equatable, Third: Equatable {}
extension KeyTriple: Hashable where First: Hashable, Second: Hashable, Third: Hashable {}
