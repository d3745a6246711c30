/// A strict RFC 8259 parser of UTF-8 JSON text that builds ``JSONValue`` directly: the fast path
/// of ``JSONValue/parse(_:)``.
///
/// `JSONSerialization` boxes every number in an `NSNumber` and every container in an `NSArray` or
/// `NSDictionary` that ``JSONValue/init(jsonObject:)`` then unboxes with dynamic casts; for a
/// request with a 384-float embedding that was about 0.9 ms of the server's 1.6 ms per query.
///
/// Contract: `parse` returns a value only when it is certain the Foundation path would return the
/// same value; for anything else (every syntax error, duplicate keys, nesting deeper than
/// ``depthMax``, invalid UTF-8, lone surrogate escapes, numbers that are not finite, and the number
/// literals Foundation reads through `Decimal`) it returns nil and the caller runs the Foundation
/// path, whose answer (value or error message) then stands. Numbers follow ``JSONValue``: no
/// fraction or exponent and fits `Int64` → `.int`, else `.number` (the correctly rounded `Double`).
/// Cost: one pass over the bytes; no Foundation objects.
struct JSONTextParser {
    /// Containers nested deeper than this go to the Foundation path (which allows 512).
    static let depthMax = 64

    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The document `bytes` holds (one value; surrounding whitespace allowed), or nil when the
    /// Foundation path must decide (see the type's contract).
    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        var parser = JSONTextParser(bytes)
        parser.skipWhitespace()
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipWhitespace()
        return parser.index == bytes.count ? value : nil
    }

    // MARK: Structure

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func value(depth: Int) -> JSONValue? {
        guard let byte = current else { return nil }
        switch byte {
        case UInt8(ascii: "{"): return object(depth: depth + 1)
        case UInt8(ascii: "["): return array(depth: depth + 1)
        case UInt8(ascii: "\""): return string().map { .string($0) }
        case UInt8(ascii: "t"): return literal(Self.trueText, .bool(true))
        case UInt8(ascii: "f"): return literal(Self.falseText, .bool(false))
        case UInt8(ascii: "n"): return literal(Self.nullText, .null)
        default: return number()
        }
    }

    private static let trueText = Array("true".utf8)
    private static let falseText = Array("false".utf8)
    private static let nullText = Array("null".utf8)

    private mutating func literal(_ text: [UInt8], _ value: JSONValue) -> JSONValue? {
        guard index + text.count <= bytes.count, bytes[index..<(index + text.count)].elementsEqual(text) else { return nil }
        index += text.count
        return value
    }

    private mutating func array(depth: Int) -> JSONValue? {
        guard depth <= Self.depthMax else { return nil }
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            guard let element = value(depth: depth) else { return nil }
            elements.append(element)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default: return nil
            }
        }
    }

    private mutating func object(depth: Int) -> JSONValue? {
        guard depth <= Self.depthMax else { return nil }
        index += 1  // {
        var fields: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(fields)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\""), let key = string() else { return nil }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { return nil }
            index += 1
            skipWhitespace()
            guard let element = value(depth: depth) else { return nil }
            // A repeated key (by String equality, as NSDictionary would see it): Foundation decides.
            guard fields.updateValue(element, forKey: key) == nil else { return nil }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(fields)
            default: return nil
            }
        }
    }

    // MARK: Strings

    /// The string starting at the opening quote; nil for control characters, bad escapes, lone
    /// surrogates or invalid UTF-8.
    private mutating func string() -> String? {
        index += 1  // "
        let start = index
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { return nil }
            index += 1
        }
        guard let stop = current else { return nil }
        if stop == UInt8(ascii: "\"") {
            index += 1
            return String(validating: bytes[start..<(index - 1)], as: UTF8.self)
        }
        var decoded = Array(bytes[start..<index])
        while let byte = current {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validating: decoded, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard escape(into: &decoded) else { return nil }
            case 0..<0x20:
                return nil
            default:
                decoded.append(byte)
            }
        }
        return nil
    }

    /// Decodes the escape after a backslash into UTF-8.
    private mutating func escape(into decoded: inout [UInt8]) -> Bool {
        guard let byte = current else { return false }
        index += 1
        let simple: UInt8? = switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): byte
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
        if let simple {
            decoded.append(simple)
            return true
        }
        guard byte == UInt8(ascii: "u"), let unit = hex4() else { return false }
        var scalarValue = UInt32(unit)
        if (0xD800..<0xDC00).contains(unit) {
            guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else { return false }
            index += 2
            guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return false }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
        } else if (0xDC00..<0xE000).contains(unit) {
            return false
        }
        guard let scalar = Unicode.Scalar(scalarValue), let encoded = UTF8.encode(scalar) else { return false }
        decoded.append(contentsOf: encoded)
        return true
    }

    private mutating func hex4() -> UInt16? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    // MARK: Numbers

    /// Powers of ten that are exact in `Double` (10^0 … 10^22).
    private static let exactPowersOfTen: [Double] = (0...22).map { power in
        var value = 1.0
        for _ in 0..<power { value *= 10 }
        return value
    }

    /// A number per RFC 8259 §6, or nil (grammar error, not finite, or a literal Foundation reads
    /// through `Decimal` whose value our rule cannot prove equal).
    private mutating func number() -> JSONValue? {
        let start = index
        let negative = current == UInt8(ascii: "-")
        if negative { index += 1 }
        var scan = DigitScan()
        guard let first = current else { return nil }
        if first == UInt8(ascii: "0") {
            index += 1
            scan.digitCount += 1
        } else if isDigit(first) {
            scanDigits(&scan, fraction: false)
        } else {
            return nil
        }
        var hasFraction = false
        var hasExponent = false
        var exponent = 0
        var lowercaseExponent = false
        if current == UInt8(ascii: ".") {
            hasFraction = true
            index += 1
            guard let byte = current, isDigit(byte) else { return nil }
            scanDigits(&scan, fraction: true)
        }
        if let byte = current, byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            hasExponent = true
            lowercaseExponent = byte == UInt8(ascii: "e")
            index += 1
            var exponentNegative = false
            if let sign = current, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                exponentNegative = sign == UInt8(ascii: "-")
                index += 1
            }
            guard let digit = current, isDigit(digit) else { return nil }
            while let digit = current, isDigit(digit) {
                // Clamped: beyond ±100,000 the value is 0 or infinite either way.
                exponent = min(exponent * 10 + Int(digit - UInt8(ascii: "0")), 100_000)
                index += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        let text = bytes[start..<index]
        if !hasFraction && !hasExponent {
            return integer(text, scan: scan, negative: negative)
        }
        let double = decimalToDouble(text, scan: scan, negative: negative, exponent: exponent)
        guard double.isFinite else { return nil }
        // Foundation reads a literal through Decimal when the characters before its lowercase `e`
        // (all of them without one) number more than 17 and the exponent is within ±127 (0 without
        // a lowercase `e`); an integral Decimal becomes `.int` there. Decimal keeps the exact value
        // of literals of up to 38 digits, so a non-integral one gives the same correctly rounded
        // Double as ours; anything else is Foundation's call.
        let mantissaCharacters = lowercaseExponent ? text.firstIndex(of: UInt8(ascii: "e"))! - start : text.count
        let decimalExponent = lowercaseExponent ? exponent : 0
        if mantissaCharacters > 17, (-128...127).contains(decimalExponent) {
            guard scan.digitCount <= 38, double.rounded(.towardZero) != double else { return nil }
        }
        return .number(double)
    }

    /// What a run of digits contributed: up to 19 significant digits in `mantissa`, the scale.
    private struct DigitScan {
        var mantissa: UInt64 = 0
        /// Significant digits seen (leading zeros excluded).
        var significantCount = 0
        /// All digit characters seen.
        var digitCount = 0
        /// Power of ten to apply to `mantissa` (fraction digits, and integer digits past 19 significant ones).
        var scale = 0
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func scanDigits(_ scan: inout DigitScan, fraction: Bool) {
        while let byte = current, isDigit(byte) {
            let digit = UInt64(byte - UInt8(ascii: "0"))
            scan.digitCount += 1
            if scan.significantCount > 0 || digit != 0 { scan.significantCount += 1 }
            if scan.significantCount <= 19 {
                scan.mantissa = scan.mantissa * 10 + digit
                if fraction { scan.scale -= 1 }
            } else if !fraction {
                scan.scale += 1
            }
            index += 1
        }
    }

    private func integer(_ text: ArraySlice<UInt8>, scan: DigitScan, negative: Bool) -> JSONValue? {
        if scan.significantCount <= 18 {
            // < 10^18, so it fits Int64 with either sign.
            let magnitude = Int64(scan.mantissa)
            return .int(negative ? -magnitude : magnitude)
        }
        let literal = String(decoding: text, as: UTF8.self)
        if let value = Int64(literal) { return .int(value) }
        // Beyond Int64: Foundation's UInt64 and Decimal paths both give the correctly rounded
        // Double for literals of up to 38 digits.
        guard scan.digitCount <= 38, let double = Double(literal), double.isFinite else { return nil }
        return .number(double)
    }

    /// The correctly rounded Double of the literal: exact when the mantissa and the power of ten
    /// are both exact in Double (one IEEE division or multiplication then rounds once), else strtod.
    private func decimalToDouble(_ text: ArraySlice<UInt8>, scan: DigitScan, negative: Bool, exponent: Int) -> Double {
        let power = scan.scale + exponent
        if scan.significantCount <= 19, scan.mantissa <= 1 << 53, (-22...22).contains(power) {
            let mantissa = Double(scan.mantissa)
            let magnitude = power < 0 ? mantissa / Self.exactPowersOfTen[-power] : mantissa * Self.exactPowersOfTen[power]
            return negative ? -magnitude : magnitude
        }
        return Double(String(decoding: text, as: UTF8.self)) ?? .nan
    }
}
