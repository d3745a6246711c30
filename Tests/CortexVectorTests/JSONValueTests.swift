import CortexCore
@testable import CortexVector
import Foundation
import Testing

@Suite struct JSONValueTests {
    @Test func booleansStayBooleansAndOneAndZeroStayIntegers() throws {
        #expect(try json("[true, false, 1, 0]") == .array([.bool(true), .bool(false), .int(1), .int(0)]))
    }

    @Test(arguments: [
        ("1", JSONValue.int(1)),
        ("-0", .int(0)),
        ("1.0", .number(1.0)),
        ("2.5", .number(2.5)),
        ("1e3", .number(1000)),
        ("1E2", .number(100)),
        ("-0.0", .number(-0.0)),
        ("9223372036854775807", .int(Int64.max)),
        ("-9223372036854775808", .int(Int64.min)),
        ("9223372036854775808", .number(9_223_372_036_854_775_808.0)),
        ("12345678901234567890", .number(12_345_678_901_234_567_890.0)),
        // Literals Foundation keeps as Decimal: exact value kept; integral ones read as ints.
        ("-9223372036854775807", .int(-9_223_372_036_854_775_807)),
        ("0.30000000000000004", .number(0.1 + 0.2)),
        ("1.0000000000000001", .number(1.0)),
        ("9007199254740993.0", .int(9_007_199_254_740_993)),
        ("123456789012345678901234567890", .number(123_456_789_012_345_678_901_234_567_890.0)),
    ])
    func integralLiteralsThatFitInInt64AreIntsAndEverythingElseIsANumber(text: String, expected: JSONValue) throws {
        #expect(try json(text) == expected)
    }

    @Test func parsesNestedObjectsStringsAndNull() throws {
        let value = try json(#"{"a": [null, "h\u00e9\ud83d\ude00", {"b": -3}], "c": {}}"#)
        #expect(value == .object([
            "a": .array([.null, .string("hé😀"), .object(["b": .int(-3)])]),
            "c": .object([:]),
        ]))
    }

    @Test func malformedJSONIsInvalidInput() {
        let error = thrownError { () throws(CortexError) in try json(#"{"a": }"#) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.hasPrefix("invalid JSON: ") == true)
    }

    @Test func absurdNestingIsRejectedWithoutCrashing() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = thrownError { () throws(CortexError) in try json(text) }
        #expect(error?.code == .invalidInput)
    }

    @Test func convertsFoundationNumbersByBoxedKindNotByBridging() throws {
        #expect(try JSONValue(jsonObject: NSNumber(value: true)) == .bool(true))
        #expect(try JSONValue(jsonObject: NSNumber(value: false)) == .bool(false))
        #expect(try JSONValue(jsonObject: NSNumber(value: 1)) == .int(1))
        #expect(try JSONValue(jsonObject: NSNumber(value: 0)) == .int(0))
        #expect(try JSONValue(jsonObject: NSNumber(value: 1.0)) == .number(1.0))
        #expect(try JSONValue(jsonObject: NSNumber(value: UInt64.max)) == .number(Double(UInt64.max)))
        #expect(try JSONValue(jsonObject: NSNumber(value: Int8(3))) == .int(3))
    }

    @Test func convertsNativeSwiftValues() throws {
        let native: [String: Any] = ["t": true, "i": 7, "d": 0.5, "s": "x", "n": NSNull(), "a": [1, false]]
        #expect(try JSONValue(jsonObject: native) == .object([
            "t": .bool(true), "i": .int(7), "d": .number(0.5), "s": .string("x"), "n": .null,
            "a": .array([.int(1), .bool(false)]),
        ]))
    }

    @Test func rejectsNonJSONObjects() {
        let error = thrownError { () throws(CortexError) in try JSONValue(jsonObject: [1: 2]) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.hasPrefix("unsupported JSON value of type ") == true)
    }

    @Test func kindNamesUsedInMessages() throws {
        #expect(try json(#"[null, true, 1, 1.5, "s", [], {}]"#) == .array([
            .null, .bool(true), .int(1), .number(1.5), .string("s"), .array([]), .object([:]),
        ]))
        let kinds = [JSONValue.null, .bool(true), .int(1), .number(1.5), .string(""), .array([]), .object([:])].map(\.kindName)
        #expect(kinds == ["null", "bool", "number", "number", "string", "array", "object"])
    }
}
