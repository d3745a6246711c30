public import CortexCore
public import Foundation

extension JSONValue {
    /// Parses UTF-8 JSON `data` (any top-level value, including scalars).
    ///
    /// - Throws: `invalidInput` for malformed JSON, naming Foundation's reason (which includes the
    ///   character offset); Foundation's own nesting limit (512) applies and is reported the same way.
    /// - Cost: O(`data.count`): ``JSONTextParser`` answers well-formed documents in one pass; the
    ///   rest (errors, rare number spellings) take one Foundation parse plus one conversion pass.
    public static func parse(_ data: Data) throws(CortexError) -> JSONValue {
        if let value = JSONTextParser.parse([UInt8](data)) { return value }
        return try parseWithFoundation(data)
    }

    /// ``parse(_:)`` through `JSONSerialization` alone: the reference the fast path must agree with.
    static func parseWithFoundation(_ data: Data) throws(CortexError) -> JSONValue {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let nsError = error as NSError
            let reason = nsError.userInfo[NSDebugDescriptionErrorKey] as? String ?? nsError.localizedDescription
            throw CortexError.invalidInput("invalid JSON: \(reason)")
        }
        return try JSONValue(jsonObject: object)
    }

    /// Converts the output of `JSONSerialization.jsonObject` (NSNull, String, NSNumber, arrays,
    /// string-keyed dictionaries; native Swift `Bool`/`Int`/`Double` are accepted too).
    ///
    /// Booleans are told apart from numbers by the boxed class, not by `as? Bool`: on Linux
    /// `NSNumber(1) as? Bool` succeeds, so a cast would turn `1` into `true`.
    ///
    /// - Throws: `invalidInput` for any other type (e.g. a `Date` from hand-built input) or a
    ///   non-finite number.
    public init(jsonObject: Any) throws(CortexError) {
        switch jsonObject {
        case is NSNull:
            self = .null
        case let string as String:
            self = .string(string)
        case let number as NSNumber:
            self = try Self.fromNumber(number)
        case let array as [Any]:
            var values: [JSONValue] = []
            values.reserveCapacity(array.count)
            for element in array { values.append(try JSONValue(jsonObject: element)) }
            self = .array(values)
        case let dictionary as [String: Any]:
            var values: [String: JSONValue] = [:]
            values.reserveCapacity(dictionary.count)
            for (key, element) in dictionary { values[key] = try JSONValue(jsonObject: element) }
            self = .object(values)
        default:
            throw CortexError.invalidInput("unsupported JSON value of type \(type(of: jsonObject))")
        }
    }

    /// The class Foundation uses for boxed booleans (`__NSCFBoolean` on Darwin and Linux).
    private static let booleanClass: AnyClass = type(of: NSNumber(value: true))

    private static func fromNumber(_ number: NSNumber) throws(CortexError) -> JSONValue {
        if type(of: number) == booleanClass { return .bool(number.boolValue) }
        if let decimal = number as? NSDecimalNumber { return try fromDecimal(decimal) }
        switch unsafe String(cString: number.objCType) {
        case "c", "s", "i", "l", "q", "C", "S", "I":
            return .int(number.int64Value)
        case "L", "Q":
            let unsigned = number.uint64Value
            return unsigned <= UInt64(Int64.max) ? .int(Int64(unsigned)) : .number(number.doubleValue)
        default:
            let double = number.doubleValue
            guard double.isFinite else { throw CortexError.invalidInput("JSON number \(double) is not finite") }
            return .number(double)
        }
    }

    /// Foundation falls back to `NSDecimalNumber` for literals with many significant digits or
    /// large negative integers (e.g. `-9223372036854775807`, `0.30000000000000004`), and the
    /// literal's spelling is lost. Integral values in `Int64` range become `.int` (numerically
    /// exact, but `9007199254740993.0` then reads as an int); others become the correctly rounded
    /// Double of the decimal text (`NSDecimalNumber.doubleValue` may be off by an ulp).
    private static func fromDecimal(_ decimal: NSDecimalNumber) throws(CortexError) -> JSONValue {
        var value = decimal.decimalValue
        var rounded = Decimal()
        unsafe NSDecimalRound(&rounded, &value, 0, .plain)
        if rounded == value, value >= Decimal(Int64.min), value <= Decimal(Int64.max) {
            return .int(decimal.int64Value)
        }
        let double = Double(decimal.stringValue) ?? decimal.doubleValue
        guard double.isFinite else { throw CortexError.invalidInput("JSON number \(decimal.stringValue) is not finite") }
        return .number(double)
    }
}
