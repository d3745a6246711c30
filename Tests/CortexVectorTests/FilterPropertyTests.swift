import CortexCore
import CortexTesting
@testable import CortexVector
import Foundation
import Testing

/// Seeded property tests: random `where` filters over random metadata, checked against a small
/// reference evaluator that works on the JSON directly and compares numbers as Doubles (all
/// generated numbers are small, so that is exact).
@Suite struct FilterPropertyTests {
    /// `CORTEX_TEST_SEED` replays a failure; otherwise a fixed seed keeps runs deterministic.
    static let seed: UInt64 = ProcessInfo.processInfo.environment["CORTEX_TEST_SEED"].flatMap { UInt64($0) } ?? 0xC0_47E5
    static let keys = ["a", "b", "c"]
    static let strings = ["x", "y", "z"]
    static let numbers: [JSONValue] = [.int(-2), .int(0), .int(1), .int(2), .number(-1.5), .number(0.5), .number(1.0), .number(2.0), .number(2.5)]

    @Test func parsedFiltersAgreeWithTheReferenceEvaluator() throws {
        var rng = SeededGenerator(seed: Self.seed)
        for iteration in 0..<3_000 {
            let filterJSON = Self.randomFilter(&rng, depth: 0)
            let text = Self.serialize(filterJSON)
            let filter = try whereFilter(text)
            for _ in 0..<8 {
                let metadata = Self.randomMetadata(&rng)
                let expected = Self.reference(filterJSON, metadata)
                #expect(filter.matches(metadata) == expected,
                        "seed \(Self.seed) iteration \(iteration): filter \(text) metadata \(String(describing: metadata))")
            }
        }
    }

    @Test func jsonTextRoundTripsThroughTheParser() throws {
        var rng = SeededGenerator(seed: Self.seed ^ 1)
        for iteration in 0..<2_000 {
            let value = Self.randomFilter(&rng, depth: 0)
            #expect(try json(Self.serialize(value)) == value, "seed \(Self.seed ^ 1) iteration \(iteration)")
        }
    }

    @Test func arbitraryJSONNeverCrashesTheParsers() {
        var rng = SeededGenerator(seed: Self.seed ^ 2)
        for _ in 0..<5_000 {
            let value = Self.randomJSON(&rng, depth: 0)
            for error in [thrownError { () throws(CortexError) in try MetadataFilter.parse(value) },
                          thrownError { () throws(CortexError) in try DocumentFilter.parse(value) }] {
                if let error { #expect(error.code == .invalidInput || error.code == .tooLarge) }
            }
        }
    }

    // MARK: Generators

    static func randomScalar(_ rng: inout SeededGenerator) -> JSONValue {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0, 1: return .string(strings.randomElement(using: &rng)!)
        case 2, 3: return numbers.randomElement(using: &rng)!
        default: return .bool(Bool.random(using: &rng))
        }
    }

    /// A scalar list operand of one kind (numbers may mix ints and floats).
    static func randomScalarList(_ rng: inout SeededGenerator) -> [JSONValue] {
        let first = randomScalar(&rng)
        let count = Int.random(in: 1...3, using: &rng)
        var values = [first]
        while values.count < count {
            let candidate = randomScalar(&rng)
            if candidate.kindName == first.kindName { values.append(candidate) }
        }
        return values
    }

    static func randomFilter(_ rng: inout SeededGenerator, depth: Int) -> JSONValue {
        if depth < 3, Int.random(in: 0..<4, using: &rng) == 0 {
            let children = (0..<Int.random(in: 0...3, using: &rng)).map { _ in randomFilter(&rng, depth: depth + 1) }
            return .object([Bool.random(using: &rng) ? "$and" : "$or": .array(children)])
        }
        let key = keys.randomElement(using: &rng)!
        let operand: JSONValue
        switch Int.random(in: 0..<11, using: &rng) {
        case 0: return .object([key: randomScalar(&rng)])
        case 1, 2: operand = .object([["$eq", "$ne"].randomElement(using: &rng)!: randomScalar(&rng)])
        case 3, 4: operand = .object([["$gt", "$gte", "$lt", "$lte"].randomElement(using: &rng)!: numbers.randomElement(using: &rng)!])
        case 5, 6, 7: operand = .object([["$in", "$nin"].randomElement(using: &rng)!: .array(randomScalarList(&rng))])
        default: operand = .object([["$contains", "$not_contains"].randomElement(using: &rng)!: randomScalar(&rng)])
        }
        return .object([key: operand])
    }

    static func randomMetadataValue(_ rng: inout SeededGenerator) -> MetadataValue {
        func number(_ json: JSONValue) -> MetadataValue {
            switch json {
            case .int(let int): .int(int)
            case .number(let double): .double(double)
            default: fatalError("numbers holds only numbers")
            }
        }
        let count = Int.random(in: 1...3, using: &rng)
        switch Int.random(in: 0..<8, using: &rng) {
        case 0: return .string(strings.randomElement(using: &rng)!)
        case 1: return number(numbers.filter { if case .int = $0 { true } else { false } }.randomElement(using: &rng)!)
        case 2: return number(numbers.filter { if case .number = $0 { true } else { false } }.randomElement(using: &rng)!)
        case 3: return .bool(Bool.random(using: &rng))
        case 4: return .stringList((0..<count).map { _ in strings.randomElement(using: &rng)! })
        case 5: return .intList((0..<count).map { _ in Int64.random(in: -2...2, using: &rng) })
        case 6: return .doubleList((0..<count).map { _ in [-1.5, 0.5, 1.0, 2.0, 2.5].randomElement(using: &rng)! })
        default: return .boolList((0..<count).map { _ in Bool.random(using: &rng) })
        }
    }

    static func randomMetadata(_ rng: inout SeededGenerator) -> [String: MetadataValue]? {
        if Int.random(in: 0..<10, using: &rng) == 0 { return nil }
        var metadata: [String: MetadataValue] = [:]
        for key in keys where Bool.random(using: &rng) { metadata[key] = randomMetadataValue(&rng) }
        return metadata
    }

    static func randomJSON(_ rng: inout SeededGenerator, depth: Int) -> JSONValue {
        let words = ["$and", "$or", "$eq", "$ne", "$gt", "$in", "$nin", "$contains", "$not_contains", "$regex", "$foo", "a", "(", "x"]
        switch Int.random(in: 0..<(depth > 5 ? 5 : 8), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return numbers.randomElement(using: &rng)!
        case 3, 4: return .string(words.randomElement(using: &rng)!)
        case 5: return .array((0..<Int.random(in: 0...3, using: &rng)).map { _ in randomJSON(&rng, depth: depth + 1) })
        default:
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...2, using: &rng) {
                object[words.randomElement(using: &rng)!] = randomJSON(&rng, depth: depth + 1)
            }
            return .object(object)
        }
    }

    static func serialize(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let bool): bool ? "true" : "false"
        case .int(let int): "\(int)"
        case .number(let double): "\(double)"  // Swift prints "1.0", "2.5": valid JSON, still a float literal
        case .string(let string): "\"\(string)\""  // generated strings need no escaping
        case .array(let values): "[" + values.map(serialize).joined(separator: ",") + "]"
        case .object(let members): "{" + members.map { "\"\($0.key)\":\(serialize($0.value))" }.joined(separator: ",") + "}"
        }
    }

    // MARK: Reference evaluator

    /// A scalar reduced to (kind, comparable payload); numbers become Doubles.
    enum RefScalar: Equatable {
        case text(String), number(Double), flag(Bool)
    }

    static func refScalar(_ value: MetadataValue) -> RefScalar? {
        switch value {
        case .string(let s): .text(s)
        case .int(let i): .number(Double(i))
        case .double(let d): .number(d)
        case .bool(let b): .flag(b)
        default: nil
        }
    }

    static func refScalar(_ json: JSONValue) -> RefScalar? {
        switch json {
        case .string(let s): .text(s)
        case .int(let i): .number(Double(i))
        case .number(let d): .number(d)
        case .bool(let b): .flag(b)
        default: nil
        }
    }

    static func refElements(_ value: MetadataValue?) -> [RefScalar]? {
        switch value {
        case .stringList(let l): l.map { .text($0) }
        case .intList(let l): l.map { .number(Double($0)) }
        case .doubleList(let l): l.map { .number($0) }
        case .boolList(let l): l.map { .flag($0) }
        default: nil
        }
    }

    static func reference(_ filter: JSONValue, _ metadata: [String: MetadataValue]?) -> Bool {
        guard case .object(let object) = filter, let (key, value) = object.first else { fatalError("generator emits objects") }
        if key == "$and" || key == "$or" {
            guard case .array(let children) = value else { fatalError("generator emits arrays") }
            let results = children.map { reference($0, metadata) }
            return key == "$and" ? !results.contains(false) : results.contains(true)
        }
        let stored = metadata?[key].flatMap(refScalar)  // nil for missing keys and lists
        let (op, operand): (String, JSONValue)
        if case .object(let operators) = value, let first = operators.first { (op, operand) = first } else { (op, operand) = ("$eq", value) }
        switch op {
        case "$eq": return stored != nil && stored == refScalar(operand)
        case "$ne": return !(stored != nil && stored == refScalar(operand))
        case "$gt", "$gte", "$lt", "$lte":
            guard case .number(let lhs) = stored, case .number(let rhs) = refScalar(operand) else { return false }
            switch op {
            case "$gt": return lhs > rhs
            case "$gte": return lhs >= rhs
            case "$lt": return lhs < rhs
            default: return lhs <= rhs
            }
        case "$in", "$nin":
            guard case .array(let values) = operand else { fatalError("generator emits arrays") }
            let found = stored != nil && values.contains { refScalar($0) == stored }
            return op == "$in" ? found : !found
        case "$contains", "$not_contains":
            let found = refElements(metadata?[key])?.contains(refScalar(operand)!) ?? false
            return op == "$contains" ? found : !found
        default:
            fatalError("generator emits known operators only")
        }
    }
}
