import CortexCore
import CortexTesting
@testable import CortexVector
import Foundation
import Testing

/// The fast JSON path against its reference, the Foundation path: whenever the fast parser answers,
/// the answer is bit-for-bit what `JSONSerialization` + ``JSONValue/init(jsonObject:)`` give.
@Suite struct JSONTextParserTests {
    /// `CORTEX_TEST_SEED` replays a failure; otherwise a fixed seed keeps runs deterministic.
    static let seed: UInt64 = ProcessInfo.processInfo.environment["CORTEX_TEST_SEED"].flatMap { UInt64($0) } ?? 0x15_0A_7E

    static let numberLiterals = [
        "0", "-0", "1", "-1", "7", "1.0", "-0.0", "0.5", "2.5", "1e3", "1E2", "1e+2", "1e-2", "5E-1", "0e0", "0.0e0",
        "100e-2", "123.456e2", "3.0e0", "1e-7", "2.5e-5", "0.00001", "-1e-400", "1e400", "1E400", "-1e400",
        "4.9e-324", "2.2250738585072014e-308", "1.7976931348623157e308", "1.7976931348623159e308",
        "9007199254740992", "9007199254740993", "9007199254740993.0", "4503599627370496.5", "4503599627370497.5",
        "999999999999999999", "1000000000000000000", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "18446744073709551615", "18446744073709551616", "123456789012345678901234567890",
        "-1234567890123456789", "1234567890123456789012345678901234567890123",
        "0.1", "0.2", "0.3", "0.30000000000000004", "0.1234567890123456", "1.2345678901234567", "1.23456789012345678",
        "1.0000000000000001", "1.0000000000000000", "-0.0000000000000000", "0.0012345678906738758", "-0.053713083",
        "0.12345678901234567890123456789012345678901", "1.5e300", "1.5e-300", "12345678901234567.5e200", "1.25E-5",
        "1.2345678901234E-5", "123456789012345678e-2", "1234567890.12345678e1", "1e22", "1e23", "8.98846567431158e307",
        "01", "-", "1.", ".5", "+1", "1e", "1e+", "--1", "0x10", "1.e5", "Infinity", "NaN", "-01", "00",
    ]

    @Test(arguments: numberLiterals)
    func numbersMatchTheFoundationPathWheneverTheFastPathAnswers(literal: String) {
        for text in [literal, "[\(literal)]", #"{"k": \#(literal)}"#, " \(literal) "] {
            compare(text)
        }
    }

    static let documents = [
        #"{"query_embeddings":[[0.1,-0.25,3e-5]],"n_results":10,"include":["distances"]}"#,
        #"{"a": [null, "h\u00e9\ud83d\ude00", {"b": -3}], "c": {}}"#, #"[true, false, null]"#, #""\u0000""#,
        #""\uFFFF\uFDD0""#, #""\ud800""#, #""\udc00""#, #""\ud83d\u0041""#, #""tab\there""#, "\"raw\ttab\"", "\"a\u{7F}b\"",
        #""\/\\\"\b\f\n\r\t""#, #""\x""#, #""\u12""#, #""\u12G4""#, #"{"k":1,"k":2}"#, #"{"é":1,"e\u0301":2}"#,
        #"{"a":1,}"#, #"[1,]"#, #"[1 2]"#, #"{"a" 1}"#, #"{1:2}"#, "", " ", "[", "]", "{}", "[]", "[[[]]]", "\u{FEFF}{}",
        "\"\u{2028}\"", "tru", "nul", "falsey", "[true false]", "{\"a\":[1,2,{\"b\":\"c\"}]} x", "\n\t{ \"a\" : [ ] }\r\n",
        "\"caf\u{E9} \u{1F600}\"",
    ]

    @Test(arguments: documents)
    func documentsMatchTheFoundationPathWheneverTheFastPathAnswers(text: String) {
        compare(text)
    }

    @Test func invalidUTF8AndDeepNestingAreLeftToFoundation() {
        #expect(JSONTextParser.parse([0x22, 0xC3, 0x28, 0x22]) == nil, "an invalid two-byte sequence")
        #expect(JSONTextParser.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) == nil, "an encoded surrogate")
        #expect(JSONTextParser.parse([0x00, 0x7B, 0x00, 0x7D]) == nil, "UTF-16")
        let deep = String(repeating: "[", count: JSONTextParser.depthMax + 1) + String(repeating: "]", count: JSONTextParser.depthMax + 1)
        #expect(JSONTextParser.parse(Array(deep.utf8)) == nil)
        let allowed = String(repeating: "[", count: JSONTextParser.depthMax) + String(repeating: "]", count: JSONTextParser.depthMax)
        #expect(JSONTextParser.parse(Array(allowed.utf8)) != nil)
    }

    @Test func theRequestShapesThatMatterTakeTheFastPath() {
        // Shortest float32 forms (what a careful client writes) and Python's repr of a float64 (what
        // chromadb's client writes for a numpy float32 row): both must stay off the Foundation path.
        let body = #"{"query_embeddings":[[0.053713083,-1.25e-05,0.0012345678906738758,-0.30000001192092896,1]],"n_results":10}"#
        #expect(JSONTextParser.parse(Array(body.utf8)) != nil)
        compare(body)
    }

    @Test func float32ShortestFormsReadBackExactly() {
        var rng = SeededGenerator(seed: Self.seed)
        for iteration in 0..<20_000 {
            let value = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            guard value.isFinite else { continue }
            // Swift prints the shortest form that reads back, always with a fraction or an exponent.
            let text = "\(value)"
            guard case .number(let double)? = JSONTextParser.parse(Array(text.utf8)) else {
                Issue.record("seed \(Self.seed) iteration \(iteration): \(text) was not read as a number")
                continue
            }
            #expect(Float(double).bitPattern == value.bitPattern, "seed \(Self.seed) iteration \(iteration): \(text)")
        }
    }

    @Test func randomDocumentsMatchTheFoundationPath() {
        var rng = SeededGenerator(seed: Self.seed ^ 1)
        var answered = 0
        let count = 3_000
        for iteration in 0..<count {
            let text = Self.randomDocument(&rng, depth: 0)
            if compare(text, label: "seed \(Self.seed ^ 1) iteration \(iteration)") { answered += 1 }
        }
        // Most random documents are well formed with ordinary numbers; the fast path must take them.
        #expect(answered > count / 2, "the fast path answered only \(answered) of \(count)")
    }

    // MARK: Helpers

    /// Compares the fast path with Foundation on `text`; returns whether the fast path answered.
    @discardableResult
    func compare(_ text: String, label: String = "", sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let fast = JSONTextParser.parse(Array(text.utf8))
        let reference = Result(catching: { () throws(CortexError) in try JSONValue.parseWithFoundation(Data(text.utf8)) })
        guard let fast else { return false }
        switch reference {
        case .success(let expected):
            #expect(Self.identical(fast, expected), "\(label) \(text): fast \(fast), Foundation \(expected)", sourceLocation: sourceLocation)
        case .failure(let error):
            Issue.record("\(label) \(text): fast path answered \(fast), Foundation refused: \(error.message)", sourceLocation: sourceLocation)
        }
        return true
    }

    /// Equality that also tells -0.0 from 0.0.
    static func identical(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): x.bitPattern == y.bitPattern
        case (.array(let x), .array(let y)): x.count == y.count && zip(x, y).allSatisfy { identical($0, $1) }
        case (.object(let x), .object(let y)):
            x.count == y.count && x.allSatisfy { key, value in y[key].map { identical(value, $0) } ?? false }
        default: a == b
        }
    }

    static func randomDocument(_ rng: inout SeededGenerator, depth: Int) -> String {
        let pick = depth > 3 ? Int.random(in: 0..<4, using: &rng) : Int.random(in: 0..<7, using: &rng)
        switch pick {
        case 0, 1: return randomNumber(&rng)
        case 2: return randomString(&rng)
        case 3: return ["true", "false", "null"][Int.random(in: 0..<3, using: &rng)]
        case 4, 5:
            let elements = (0..<Int.random(in: 0..<6, using: &rng)).map { _ in randomDocument(&rng, depth: depth + 1) }
            return "[" + elements.joined(separator: Bool.random(using: &rng) ? "," : " , ") + "]"
        default:
            let fields = (0..<Int.random(in: 0..<5, using: &rng)).map { index in "\"k\(index)\": " + randomDocument(&rng, depth: depth + 1) }
            return "{" + fields.joined(separator: ",") + "}"
        }
    }

    static func randomNumber(_ rng: inout SeededGenerator) -> String {
        func digits(_ count: Int) -> String { String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) }) }
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return String(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 1: return "\(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())).magnitude)".replacingOccurrences(of: "inf", with: "1")
        case 2: return "\(Double.random(in: -1...1, using: &rng))"
        default:
            var text = Bool.random(using: &rng) ? "-" : ""
            let integer = digits(Int.random(in: 1...22, using: &rng))
            text += integer.hasPrefix("0") ? "0" : integer
            if Bool.random(using: &rng) { text += "." + digits(Int.random(in: 1...22, using: &rng)) }
            if Int.random(in: 0..<3, using: &rng) == 0 {
                text += (Bool.random(using: &rng) ? "e" : "E") + ["", "+", "-"][Int.random(in: 0..<3, using: &rng)]
                text += String(Int.random(in: 0...330, using: &rng))
            }
            return text
        }
    }

    static func randomString(_ rng: inout SeededGenerator) -> String {
        let pieces = ["a", "Z", " ", "é", "😀", "\\n", "\\\"", "\\\\", "\\u00e9", "\\ud83d\\ude00", "\\u0041", "\\/", "\u{7F}", "\\t"]
        return "\"" + (0..<Int.random(in: 0..<8, using: &rng)).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] }.joined() + "\""
    }
}
