import CortexCore
@testable import CortexVector
import Testing

@Suite struct DocumentFilterTests {
    static let documents: [(id: String, document: String?)] = [
        ("p", "Price list 2024"), ("q", "price FAQ"), ("r", "refund policy is 30 days"), ("none", nil), ("empty", ""),
    ]

    @Test(arguments: [
        (#"{"$contains": "price"}"#, ["q"]),
        (#"{"$contains": "Price"}"#, ["p"]),
        (#"{"$contains": "days"}"#, ["r"]),
        (#"{"$contains": ""}"#, ["p", "q", "r", "empty"]),
        (#"{"$not_contains": "price"}"#, ["p", "r", "none", "empty"]),
        (#"{"$not_contains": ""}"#, ["none"]),
        (#"{"$regex": "^[Pp]rice"}"#, ["p", "q"]),
        (#"{"$regex": "\\d{2,}"}"#, ["p", "r"]),
        (#"{"$regex": "(?i)FAQ|LIST"}"#, ["p", "q"]),
        (#"{"$not_regex": "^[Pp]rice"}"#, ["r", "none", "empty"]),
        (#"{"$regex": "^$"}"#, ["empty"]),
        (#"{"$and": [{"$contains": "price"}, {"$not_contains": "FAQ"}]}"#, []),
        (#"{"$or": [{"$contains": "FAQ"}, {"$regex": "policy"}]}"#, ["q", "r"]),
        (#"{"$and": [{"$or": [{"$contains": "list"}, {"$contains": "days"}]}, {"$not_regex": "^ref"}]}"#, ["p"]),
        (#"{"$and": []}"#, ["p", "q", "r", "none", "empty"]),
        (#"{"$or": []}"#, []),
    ])
    func matchesLikeChroma(filter: String, expected: [String]) throws {
        let parsed = try documentFilter(filter)
        #expect(Self.documents.filter { parsed.matches($0.document) }.map(\.id) == expected)
        #expect(try Self.documents.filter { try parsed.evaluate($0.document) }.map(\.id) == expected)
    }

    @Test func containsIsByteExactWithoutNormalisation() throws {
        let decomposed = "Cafe\u{301}"
        #expect(try documentFilter(#"{"$contains": "Cafe"}"#).matches(decomposed))
        #expect(try !documentFilter(#"{"$contains": "Café"}"#).matches(decomposed))
        #expect(try documentFilter(#"{"$contains": "aab"}"#).matches("aaaab"))
        #expect(try documentFilter(#"{"$contains": "abab"}"#).matches("abaabab"))
        #expect(try !documentFilter(#"{"$contains": "aaaa"}"#).matches("aaa"))
        #expect(try documentFilter(#"{"$contains": "😀x"}"#).matches("a😀😀x"))
    }

    @Test func parsesIntoTheExpectedTree() throws {
        #expect(try documentFilter(#"{"$or": [{"$contains": "a"}, {"$and": [{"$not_contains": "b"}, {"$not_regex": "c+"}]}]}"#)
            == .or([.contains("a"), .and([.notContains("b"), .notRegex(try DocumentRegex(pattern: "c+"))])]))
        #expect(try DocumentFilter.parseIfPresent(nil) == nil)
        #expect(try DocumentFilter.parseIfPresent(.null) == nil)
    }

    @Test(arguments: [
        (#""x""#, "where_document filter must be an object, got string"),
        ("{}", "where_document filter must have exactly one operator, got an empty object"),
        (#"{"$contains": "a", "$regex": "b"}"#,
         "where_document filter must have exactly one operator, got 2 ('$contains', '$regex'); combine conditions with $and"),
        (#"{"$foo": "a"}"#, "unknown operator '$foo' in where_document filter"),
        (#"{"$eq": "a"}"#, "unknown operator '$eq' in where_document filter"),
        (#"{"$contains": 1}"#, "$contains in where_document needs a string, got number"),
        (#"{"$not_regex": null}"#, "$not_regex in where_document needs a string, got null"),
        (#"{"$and": {"$contains": "a"}}"#, "$and needs an array of where_document filters, got object"),
        (#"{"$or": [{"$contains": "a"}, []]}"#, "where_document filter must be an object, got array"),
        (#"{"$regex": "("}"#, "invalid $regex pattern '(': it does not compile"),
        (#"{"$regex": "[a-"}"#, "invalid $regex pattern '[a-': it does not compile"),
        (#"{"$regex": "(a)\\1"}"#, #"invalid $regex pattern '(a)\1': a backreference is not supported"#),
        (#"{"$regex": "(?<n>a)\\k<n>"}"#, #"invalid $regex pattern '(?<n>a)\k<n>': a backreference is not supported"#),
        (#"{"$not_regex": "a(?=b)"}"#, "invalid $regex pattern 'a(?=b)': lookahead is not supported"),
        (#"{"$regex": "(?<!a)b"}"#, "invalid $regex pattern '(?<!a)b': lookbehind is not supported"),
        (#"{"$regex": "(?>a+)b"}"#, "invalid $regex pattern '(?>a+)b': an atomic group is not supported"),
    ])
    func malformedFiltersAreInvalidInputWithAClearMessage(text: String, message: String) {
        let error = thrownError { () throws(CortexError) in try documentFilter(text) }
        #expect(error == CortexError(.invalidInput, message))
    }

    @Test func lookaroundLookalikesInsideCharacterClassesOrEscapesAreAccepted() throws {
        #expect(try documentFilter(#"{"$regex": "[(?=]x"}"#).matches("=x"))
        #expect(try documentFilter(#"{"$regex": "\\(?=y"}"#).matches("(=y"))
        #expect(try documentFilter(#"{"$regex": "[]\\\\1]"}"#).matches("1"))
        #expect(try documentFilter(#"{"$regex": "(?<name>ab)"}"#).matches("xab"))
    }

    @Test func regexPatternsAreLimitedTo1000Bytes() throws {
        let ok = String(repeating: "a", count: 1_000)
        #expect(try documentFilter(#"{"$regex": "\#(ok)"}"#).matches(ok))
        let error = thrownError { () throws(CortexError) in try documentFilter(#"{"$regex": "\#(ok)é"}"#) }
        #expect(error == CortexError(.tooLarge, "$regex pattern has 1002 bytes; the limit is 1000"))
    }

    @Test func nestingIsLimitedTo64Levels() throws {
        func nested(_ levels: Int) -> String {
            String(repeating: #"{"$or": ["#, count: levels - 1) + #"{"$contains": "a"}"# + String(repeating: "]}", count: levels - 1)
        }
        #expect(try documentFilter(nested(64)).matches("a"))
        #expect(thrownError { () throws(CortexError) in try documentFilter(nested(65)) }
            == CortexError(.tooLarge, "where_document filter nests deeper than the limit of 64 levels"))
    }

    @Test func catastrophicBacktrackingIsCutOffNotHung() throws {
        let document = String(repeating: "a", count: 40) + "!"
        let regex = try documentFilter(#"{"$regex": "(a+)+$"}"#)
        let notRegex = try documentFilter(#"{"$not_regex": "(a+)+$"}"#)
        #expect(!regex.matches(document), "undecided counts as no match")
        #expect(!notRegex.matches(document), "undecided counts as no match for the negation too")
        #expect(thrownError { () throws(CortexError) in try regex.evaluate(document) } == CortexError(
            .tooLarge, "$regex pattern '(a+)+$' needs too much backtracking on a document; simplify the pattern"))
        // The same pattern on a short document still decides normally.
        #expect(try regex.evaluate("aaa"))
        #expect(try notRegex.evaluate("aa!"))
    }

    @Test func linearRegexScansOfLargeDocumentsAreNotCutOff() throws {
        let document = String(repeating: "abc ", count: 250_000) + "testing"
        #expect(try documentFilter(#"{"$regex": "[a-z]+ing$"}"#).evaluate(document))
        #expect(try !documentFilter(#"{"$regex": "xyz"}"#).evaluate(document))
    }
}
