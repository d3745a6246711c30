/// A validated tenant identifier.
///
/// Tenant ids name folders on disk (`DATA/tenants/<id>/`), so the alphabet is
/// deliberately small: 1–64 characters of lowercase ASCII letters, digits,
/// `-` and `_`, starting with a letter or digit. No dots, slashes, spaces or
/// upper case: an id can never escape its folder or collide by case on a
/// case-insensitive file system.
public struct TenantID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// Validates `rawValue`; throws `.invalidInput` naming what is wrong.
    public init(_ rawValue: String) throws(CortexError) {
        try Self.validate(rawValue)
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    private static func validate(_ candidate: String) throws(CortexError) {
        let utf8 = Array(candidate.utf8)
        guard !utf8.isEmpty else { throw .invalidInput("tenant id is empty") }
        guard utf8.count <= Limits.tenantIDByteCountMax else {
            throw .invalidInput(
                "tenant id is \(utf8.count) bytes long; the limit is \(Limits.tenantIDByteCountMax)")
        }
        guard isAlphanumeric(utf8[0]) else {
            throw .invalidInput("tenant id \(quoted(candidate)) must start with a lowercase letter or digit")
        }
        for (index, byte) in utf8.enumerated() where !(isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")) {
            throw .invalidInput(
                "tenant id \(quoted(candidate)) has a forbidden character at position \(index); allowed: a-z 0-9 - _")
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// Quotes user input for an error message, escaping control characters and cutting it short.
    private static func quoted(_ text: String) -> String {
        let shown = text.prefix(80).unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? String($0) : $0.escaped(asASCII: true) }
        return "'" + shown.joined() + (text.count > 80 ? "…'" : "'")
    }
}
