import CortexCore
@testable import CortexVector
import Testing

/// Semantics of `where` filters on metadata.
@Suite struct FilterTests {
    /// The records of the live probe against Chroma 1.5.9 (CHROMA_CAPTURE.md, "Filter semantics").
    static let probeRecords: [(id: String, metadata: [String: MetadataValue])] = [
        ("has_x", ["k": .string("x")]),
        ("has_y", ["k": .string("y")]),
        ("no_k", ["other": .int(1)]),
        ("arr", ["k": .stringList(["x", "z"])]),
        ("num", ["k": .int(5)]),
    ]

    @Test(arguments: [
        (#"{"k": {"$ne": "x"}}"#, ["has_y", "no_k", "arr", "num"]),
        (#"{"k": {"$nin": ["x"]}}"#, ["has_y", "no_k", "arr", "num"]),
        (#"{"k": {"$contains": "x"}}"#, ["arr"]),
        (#"{"k": {"$not_contains": "x"}}"#, ["has_x", "has_y", "no_k", "num"]),
        (#"{"k": {"$gt": 1}}"#, ["num"]),
        (#"{"k": "x"}"#, ["has_x"]),
        (#"{"other": {"$eq": 1.0}}"#, ["no_k"]),
    ])
    func matchesWhatChromaReturnedInTheLiveProbe(filter: String, expected: [String]) throws {
        let parsed = try whereFilter(filter)
        #expect(Self.probeRecords.filter { parsed.matches($0.metadata) }.map(\.id) == expected)
    }

    static let record: [String: MetadataValue] = [
        "s": .string("b"), "i": .int(2), "d": .double(2.5), "t": .bool(true),
        "tags": .stringList(["x", "y"]), "ints": .intList([1, 2]), "doubles": .doubleList([0.5]), "flags": .boolList([false]),
    ]

    @Test(arguments: [
        // $eq / implicit $eq
        (#"{"s": "b"}"#, true), (#"{"s": "c"}"#, false),
        (#"{"s": {"$eq": "b"}}"#, true), (#"{"s": {"$eq": "B"}}"#, false),
        (#"{"i": 2}"#, true), (#"{"i": 3}"#, false),
        (#"{"t": true}"#, true), (#"{"t": false}"#, false),
        // $ne
        (#"{"s": {"$ne": "c"}}"#, true), (#"{"s": {"$ne": "b"}}"#, false),
        (#"{"t": {"$ne": false}}"#, true), (#"{"t": {"$ne": true}}"#, false),
        // ordering
        (#"{"i": {"$gt": 1}}"#, true), (#"{"i": {"$gt": 2}}"#, false),
        (#"{"i": {"$gte": 2}}"#, true), (#"{"i": {"$gte": 3}}"#, false),
        (#"{"i": {"$lt": 3}}"#, true), (#"{"i": {"$lt": 2}}"#, false),
        (#"{"i": {"$lte": 2}}"#, true), (#"{"i": {"$lte": 1}}"#, false),
        (#"{"d": {"$gt": 2}}"#, true), (#"{"d": {"$lt": 2.5}}"#, false),
        // $in / $nin
        (#"{"s": {"$in": ["a", "b"]}}"#, true), (#"{"s": {"$in": ["a", "c"]}}"#, false),
        (#"{"s": {"$nin": ["a", "c"]}}"#, true), (#"{"s": {"$nin": ["b"]}}"#, false),
        (#"{"i": {"$in": [1, 2]}}"#, true), (#"{"t": {"$in": [false]}}"#, false),
        // $contains / $not_contains on lists
        (#"{"tags": {"$contains": "x"}}"#, true), (#"{"tags": {"$contains": "z"}}"#, false),
        (#"{"tags": {"$not_contains": "z"}}"#, true), (#"{"tags": {"$not_contains": "y"}}"#, false),
        (#"{"ints": {"$contains": 2}}"#, true), (#"{"ints": {"$contains": 3}}"#, false),
        (#"{"doubles": {"$contains": 0.5}}"#, true), (#"{"flags": {"$contains": false}}"#, true),
        (#"{"flags": {"$contains": true}}"#, false),
    ])
    func everyOperatorMatchesAndRejects(filter: String, expected: Bool) throws {
        #expect(try whereFilter(filter).matches(Self.record) == expected)
    }

    @Test(arguments: [
        (#"{"missing": "x"}"#, false), (#"{"missing": {"$gt": 0}}"#, false), (#"{"missing": {"$lte": 0}}"#, false),
        (#"{"missing": {"$in": ["x"]}}"#, false), (#"{"missing": {"$contains": "x"}}"#, false),
        (#"{"missing": {"$ne": "x"}}"#, true), (#"{"missing": {"$nin": ["x"]}}"#, true),
        (#"{"missing": {"$not_contains": "x"}}"#, true),
    ])
    func missingKeysFailPositiveAndPassNegativeOperators(filter: String, expected: Bool) throws {
        let parsed = try whereFilter(filter)
        #expect(parsed.matches(Self.record) == expected)
        #expect(parsed.matches(nil) == expected, "a record without metadata has every key missing")
        #expect(parsed.matches([:]) == expected)
    }

    @Test(arguments: [
        (#"{"n": 2.0}"#, MetadataValue.int(2), true),
        (#"{"n": 2}"#, .double(2.0), true),
        (#"{"n": {"$in": [1.0, 2.0]}}"#, .int(2), true),
        (#"{"n": {"$in": [2, 3.5]}}"#, .double(2.0), true),
        (#"{"n": {"$gt": 2.5}}"#, .int(3), true),
        (#"{"n": {"$lt": 2.5}}"#, .int(2), true),
        (#"{"n": {"$eq": 2.5}}"#, .int(2), false),
        (#"{"n": {"$gte": 2}}"#, .double(1.999), false),
        (#"{"n": {"$lte": -1}}"#, .double(-1.5), true),
        (#"{"n": {"$ne": 2.0}}"#, .int(2), false),
        (#"{"n": {"$contains": 2.0}}"#, .intList([1, 2]), true),
        (#"{"n": {"$contains": 2}}"#, .doubleList([2.0]), true),
        // Exact comparison above 2^53: converting the int to Double would call these equal.
        (#"{"n": {"$eq": 9007199254740992.0}}"#, .int(9_007_199_254_740_993), false),
        (#"{"n": {"$gt": 9007199254740992.0}}"#, .int(9_007_199_254_740_993), true),
        (#"{"n": {"$lt": 9.3e18}}"#, .int(Int64.max), true),
        (#"{"n": {"$gt": 9.2e18}}"#, .int(Int64.max), true),
        (#"{"n": {"$gt": -9223372036854775808.0}}"#, .int(Int64.min), false),
        (#"{"n": {"$gte": -9223372036854775808.0}}"#, .int(Int64.min), true),
        (#"{"n": {"$lt": 1e300}}"#, .int(Int64.max), true),
    ])
    func intsAndFloatsCompareExactlyAsNumbers(filter: String, stored: MetadataValue, expected: Bool) throws {
        #expect(try whereFilter(filter).matches(["n": stored]) == expected)
    }

    @Test(arguments: [
        (#"{"v": "5"}"#, MetadataValue.int(5), false),
        (#"{"v": {"$ne": "5"}}"#, .int(5), true),
        (#"{"v": 5}"#, .string("5"), false),
        (#"{"v": {"$ne": 5}}"#, .string("5"), true),
        (#"{"v": {"$gt": 1}}"#, .string("5"), false),
        (#"{"v": {"$lte": 1}}"#, .string("5"), false),
        (#"{"v": {"$in": [5]}}"#, .string("5"), false),
        (#"{"v": {"$nin": [5]}}"#, .string("5"), true),
        (#"{"v": true}"#, .int(1), false),
        (#"{"v": 1}"#, .bool(true), false),
        (#"{"v": {"$ne": true}}"#, .int(1), true),
        (#"{"v": {"$in": [true]}}"#, .int(1), false),
        (#"{"v": {"$gt": 0}}"#, .bool(true), false),
        (#"{"v": false}"#, .double(0), false),
        (#"{"v": "true"}"#, .bool(true), false),
    ])
    func valuesOfDifferentTypesNeverCompareEqualOrOrdered(filter: String, stored: MetadataValue, expected: Bool) throws {
        #expect(try whereFilter(filter).matches(["v": stored]) == expected)
    }

    @Test(arguments: [
        (#"{"v": {"$contains": "x"}}"#, MetadataValue.string("x"), false),
        (#"{"v": {"$not_contains": "x"}}"#, .string("x"), true),
        (#"{"v": {"$contains": "x"}}"#, .string("xyz"), false),
        (#"{"v": {"$contains": 1}}"#, .stringList(["1"]), false),
        (#"{"v": {"$contains": true}}"#, .intList([1]), false),
        (#"{"v": {"$not_contains": true}}"#, .intList([1]), true),
        (#"{"v": "x"}"#, .stringList(["x"]), false),
        (#"{"v": {"$ne": "x"}}"#, .stringList(["x"]), true),
        (#"{"v": {"$in": ["x"]}}"#, .stringList(["x"]), false),
        (#"{"v": {"$nin": ["x"]}}"#, .stringList(["x"]), true),
        (#"{"v": {"$gt": 0}}"#, .intList([1]), false),
    ])
    func containsTestsListMembershipAndScalarOperatorsIgnoreLists(filter: String, stored: MetadataValue, expected: Bool) throws {
        #expect(try whereFilter(filter).matches(["v": stored]) == expected)
    }

    @Test func nestedAndOrCombine() throws {
        let filter = try whereFilter(#"""
            {"$or": [
                {"$and": [{"src": "faq"}, {"n": {"$gte": 2}}]},
                {"$and": [{"src": {"$ne": "faq"}}, {"$or": [{"n": {"$lt": 0}}, {"tags": {"$contains": "hot"}}]}]}
            ]}
            """#)
        #expect(filter.matches(["src": .string("faq"), "n": .int(2)]))
        #expect(!filter.matches(["src": .string("faq"), "n": .int(1)]))
        #expect(filter.matches(["src": .string("web"), "n": .int(-1)]))
        #expect(filter.matches(["n": .int(5), "tags": .stringList(["hot"])]))
        #expect(!filter.matches(["src": .string("web"), "n": .int(5)]))
        #expect(!filter.matches(nil))
    }

    @Test func logicalOperatorsAcceptAnyLengthLikeChromasServer() throws {
        #expect(try whereFilter(#"{"$and": []}"#).matches(nil))
        #expect(try !whereFilter(#"{"$or": []}"#).matches(["a": .int(1)]))
        #expect(try whereFilter(#"{"$and": [{"a": 1}]}"#) == .and([.comparison(key: "a", op: .equal, value: .int(1))]))
        #expect(try !whereFilter(#"{"$and": [{"a": 1}]}"#).matches(nil))
        #expect(try whereFilter(#"{"$or": [{"a": 1}]}"#).matches(["a": .double(1)]))
    }

    @Test func parsesIntoTheExpectedTree() throws {
        #expect(try whereFilter(#"{"$and": [{"a": {"$in": [1, 2.5]}}, {"b": {"$not_contains": false}}, {"c": {"$lte": 3}}]}"#)
            == .and([
                .isIn(key: "a", values: [.int(1), .double(2.5)]),
                .notContains(key: "b", value: .bool(false)),
                .comparison(key: "c", op: .lessThanOrEqual, value: .int(3)),
            ]))
        #expect(try whereFilter(#"{"$or": [{"a": {"$nin": ["x"]}}, {"b": {"$contains": "y"}}]}"#)
            == .or([.isNotIn(key: "a", values: [.string("x")]), .contains(key: "b", value: .string("y"))]))
    }

    @Test func handBuiltFiltersTheParserWouldRejectNeverTrap() {
        let stringOrdering = MetadataFilter.comparison(key: "s", op: .greaterThan, value: .string("a"))
        #expect(!stringOrdering.matches(["s": .string("b")]))
        let listOperand = MetadataFilter.comparison(key: "s", op: .equal, value: .stringList(["b"]))
        #expect(!listOperand.matches(["s": .stringList(["b"])]))
        #expect(MetadataFilter.comparison(key: "s", op: .notEqual, value: .stringList(["b"])).matches(["s": .string("b")]))
        #expect(!MetadataFilter.comparison(key: "d", op: .equal, value: .double(.nan)).matches(["d": .double(.nan)]))
        #expect(!MetadataFilter.contains(key: "l", value: .intList([1])).matches(["l": .intList([1])]))
    }

    @Test func referencedKeysCollectsEveryKey() throws {
        let filter = try whereFilter(#"{"$or": [{"a": 1}, {"$and": [{"b": {"$ne": 2}}, {"c": {"$contains": "x"}}]}, {"a": {"$nin": [3]}}]}"#)
        #expect(filter.referencedKeys == ["a", "b", "c"])
        #expect(try whereFilter(#"{"$and": []}"#).referencedKeys.isEmpty)
    }

    @Test func equalityConjunctsAreTheTopLevelAndedEqualities() throws {
        func conjuncts(_ text: String) throws -> [String] {
            try whereFilter(text).equalityConjuncts().map { "\($0.key)=\($0.value)" }
        }
        #expect(try conjuncts(#"{"a": "x"}"#) == [#"a=string("x")"#])
        #expect(try conjuncts(#"{"a": {"$eq": 2.5}}"#) == ["a=double(2.5)"])
        #expect(try conjuncts(#"{"$and": [{"a": 1}, {"b": {"$gt": 1}}, {"$and": [{"c": true}, {"d": {"$ne": 1}}]}, {"$or": [{"e": 1}, {"f": 2}]}]}"#)
            == ["a=int(1)", "c=bool(true)"])
        #expect(try conjuncts(#"{"$or": [{"a": 1}, {"a": 2}]}"#).isEmpty)
        #expect(try conjuncts(#"{"a": {"$in": [1]}}"#).isEmpty)
        #expect(try conjuncts(#"{"a": {"$ne": 1}}"#).isEmpty)
        #expect(MetadataFilter.comparison(key: "a", op: .equal, value: .intList([1])).equalityConjuncts().isEmpty)
    }
}
