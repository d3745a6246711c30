import CortexCore
@testable import CortexVector
import Testing

/// Malformed `where` filters: every message is asserted verbatim (STYLE §9).
@Suite struct MetadataFilterParsingTests {
    @Test(arguments: [
        ("[]", "where filter must be an object, got array"),
        (#""a""#, "where filter must be an object, got string"),
        ("{}", "where filter must have exactly one key, got an empty object"),
        (#"{"b": 1, "a": 2}"#, "where filter must have exactly one key, got 2 ('a', 'b'); combine conditions with $and"),
        (#"{"a": {}}"#, "operator object for key 'a' must have exactly one operator, got none"),
        (#"{"a": {"$gt": 1, "$lt": 5}}"#,
         "operator object for key 'a' must have exactly one operator, got 2 ('$gt', '$lt'); combine conditions with $and"),
        (#"{"a": {"$foo": 1}}"#, "unknown operator '$foo' in where filter"),
        (#"{"$foo": [{"a": 1}]}"#, "unknown operator '$foo' in where filter"),
        (#"{"a": {"eq": 1}}"#, "unknown operator 'eq' in where filter"),
        (#"{"$contains": "x"}"#, #"operator '$contains' must be applied to a field, as in {"field": {"$contains": value}}"#),
        (#"{"a": {"$regex": "x"}}"#, "operator '$regex' is only supported in where_document"),
        (##"{"#document": {"$contains": "x"}}"##, "where key '#document' is not supported; use where_document"),
        (#"{"a": null}"#, "value for key 'a' must be a string, number, bool or operator object, got null"),
        (#"{"a": [1, 2]}"#, "value for key 'a' must be a string, number, bool or operator object, got array"),
        (#"{"a": {"$gt": "5"}}"#, "$gt needs a number, got string"),
        (#"{"a": {"$gte": true}}"#, "$gte needs a number, got bool"),
        (#"{"a": {"$lt": null}}"#, "$lt needs a number, got null"),
        (#"{"a": {"$lte": [1]}}"#, "$lte needs a number, got array"),
        (#"{"a": {"$eq": null}}"#, "$eq needs a string, number or bool, got null"),
        (#"{"a": {"$ne": {"x": 1}}}"#, "$ne needs a string, number or bool, got object"),
        (#"{"a": {"$in": "x"}}"#, "$in needs an array, got string"),
        (#"{"a": {"$nin": 1}}"#, "$nin needs an array, got number"),
        (#"{"a": {"$in": []}}"#, "$in needs a non-empty array"),
        (#"{"a": {"$in": ["x", 5]}}"#, "$in values must all have the same type, got string and number"),
        (#"{"a": {"$nin": [true, 1]}}"#, "$nin values must all have the same type, got bool and number"),
        (#"{"a": {"$in": [null]}}"#, "$in values must be strings, numbers or bools, got null"),
        (#"{"a": {"$in": [[1]]}}"#, "$in values must be strings, numbers or bools, got array"),
        (#"{"a": {"$contains": ["x"]}}"#, "$contains needs a string, number or bool, got array"),
        (#"{"a": {"$not_contains": null}}"#, "$not_contains needs a string, number or bool, got null"),
        (#"{"$and": {"a": 1}}"#, "$and needs an array of where filters, got object"),
        (#"{"$or": "a"}"#, "$or needs an array of where filters, got string"),
        (#"{"$and": [{"a": 1}, 5]}"#, "where filter must be an object, got number"),
        (#"{"$or": [{"a": 1}, {}]}"#, "where filter must have exactly one key, got an empty object"),
    ])
    func malformedFiltersAreInvalidInputWithAClearMessage(text: String, message: String) {
        let error = thrownError { () throws(CortexError) in try whereFilter(text) }
        #expect(error == CortexError(.invalidInput, message))
    }

    @Test func nestingIsLimitedTo64Levels() throws {
        func nested(_ levels: Int) -> String {
            String(repeating: #"{"$and": ["#, count: levels - 1) + #"{"a": 1}"# + String(repeating: "]}", count: levels - 1)
        }
        #expect(thrownError { () throws(CortexError) in try whereFilter(nested(64)) } == nil)
        #expect(thrownError { () throws(CortexError) in try whereFilter(nested(65)) }
            == CortexError(.tooLarge, "where filter nests deeper than the limit of 64 levels"))
        // Deeper than Foundation's own JSON limit (512): still a clean error, never a crash.
        #expect(thrownError { () throws(CortexError) in try whereFilter(nested(2_000)) }?.code == .invalidInput)
    }

    @Test func setsAreLimitedTo1000Values() throws {
        let values = (0..<1_001).map(String.init)
        let ok = #"{"a": {"$in": [\#(values.dropLast().joined(separator: ","))]}}"#
        let tooMany = #"{"a": {"$nin": [\#(values.joined(separator: ","))]}}"#
        #expect(thrownError { () throws(CortexError) in try whereFilter(ok) } == nil)
        #expect(thrownError { () throws(CortexError) in try whereFilter(tooMany) }
            == CortexError(.tooLarge, "$nin has 1001 values; the limit is 1000"))
    }

    @Test func longKeysAndOperatorsAreTruncatedInMessages() {
        let key = String(repeating: "k", count: 300)
        let error = thrownError { () throws(CortexError) in try whereFilter(#"{"\#(key)": null}"#) }
        let shown = String(repeating: "k", count: 100)
        #expect(error == CortexError(.invalidInput, "value for key '\(shown)…' must be a string, number, bool or operator object, got null"))
        let op = "$" + String(repeating: "é", count: 80)
        let opError = thrownError { () throws(CortexError) in try whereFilter(#"{"a": {"\#(op)": 1}}"#) }
        #expect(opError == CortexError(.invalidInput, "unknown operator '$\(String(repeating: "é", count: 49))…' in where filter"))
    }

    @Test func absentOrNullWhereMeansNoFilter() throws {
        #expect(try MetadataFilter.parseIfPresent(nil) == nil)
        #expect(try MetadataFilter.parseIfPresent(.null) == nil)
        #expect(try MetadataFilter.parseIfPresent(json(#"{"a": 1}"#)) == .comparison(key: "a", op: .equal, value: .int(1)))
        #expect(thrownError { () throws(CortexError) in try MetadataFilter.parseIfPresent(.object([:])) }?.code == .invalidInput)
    }
}
