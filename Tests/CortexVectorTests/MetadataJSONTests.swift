import CortexCore
import CortexVector
import Foundation
import Testing

@Suite struct MetadataJSONTests {
    @Test func metadataSurvivesJSONTextAndBack() throws {
        let metadata: [String: MetadataValue] = [
            "s": .string("a \"quoted\"\n\u{1}é"), "i": .int(-7), "d": .double(0.25), "b": .bool(true),
            "sl": .stringList(["x", "y"]), "il": .intList([1, 2]), "dl": .doubleList([1.5, 1e-5]), "bl": .boolList([false]),
        ]
        let text = MetadataValue.jsonText(metadata)
        #expect(text.hasPrefix(#"{"b":true,"bl":[false],"d":0.25,"dl":[1.5,1e-05],"i":-7,"#))
        #expect(try MetadataValue.metadata(json: JSONValue.parse(Data(text.utf8))) == metadata)
    }

    @Test func unsupportedValuesAreInvalidInputNamingTheKey() throws {
        #expect(throws: CortexError.invalidInput(#"metadata "n" is null; use a string, number, bool or a list of them"#)) {
            try MetadataValue.metadata(json: JSONValue.parse(Data(#"{"n": null}"#.utf8)))
        }
        #expect(throws: CortexError.invalidInput(#"metadata "m" mixes types in a list"#)) {
            try MetadataValue.metadata(json: JSONValue.parse(Data(#"{"m": [1, "a"]}"#.utf8)))
        }
        #expect(throws: CortexError.invalidInput("metadata must be a JSON object; got array")) {
            try MetadataValue.metadata(json: JSONValue.parse(Data("[1]".utf8)))
        }
        #expect(try MetadataValue(json: .array([.int(1), .number(2.5)]), key: "x") == .doubleList([1, 2.5]))
    }
}
