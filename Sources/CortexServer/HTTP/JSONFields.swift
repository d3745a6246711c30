import CortexCore
import CortexVector
import Foundation

/// Reads the fields of one JSON object of a request body, naming the field
/// (with its path, e.g. `records[3].vector`) in every error.
///
/// Unknown fields are refused, so a misspelt optional field is an error
/// instead of a silently ignored setting.
struct JSONFields {
    let fields: [String: JSONValue]
    /// Path of this object in the body (`""` for the top level, `records[3]` for an element).
    let path: String

    /// Parses a request body that must be one JSON object whose keys are all in `allowed`.
    static func body(_ data: Data, allowed: Set<String>) throws(CortexError) -> JSONFields {
        guard !data.isEmpty else { throw .invalidInput("the request body is empty; send a JSON object") }
        return try JSONFields(try JSONValue.parse(data), path: "", allowed: allowed)
    }

    init(_ value: JSONValue, path: String, allowed: Set<String>) throws(CortexError) {
        guard case .object(let fields) = value else {
            throw .invalidInput("\(path.isEmpty ? "the request body" : path) must be a JSON object; got \(value.kindName)")
        }
        if let unknown = fields.keys.filter({ !allowed.contains($0) }).sorted().first {
            throw .invalidInput("unknown field \(Self.join(path, unknown)); allowed: \(allowed.sorted().joined(separator: ", "))")
        }
        self.fields = fields
        self.path = path
    }

    func name(_ key: String) -> String { Self.join(path, key) }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The value of `key`, nil when absent. An explicit `null` is refused: omit the field instead
    /// (one spelling for "not given" keeps the documented schema and the server in agreement).
    func optional(_ key: String) throws(CortexError) -> JSONValue? {
        guard let value = fields[key] else { return nil }
        guard value != .null else { throw .invalidInput("\(name(key)) is null; omit the field instead") }
        return value
    }

    func required(_ key: String) throws(CortexError) -> JSONValue {
        guard let value = try optional(key) else { throw .invalidInput("missing field \(name(key))") }
        return value
    }

    func string(_ key: String) throws(CortexError) -> String {
        try Self.string(try required(key), name: name(key))
    }

    func optionalString(_ key: String) throws(CortexError) -> String? {
        try optional(key).map { (value: JSONValue) throws(CortexError) in try Self.string(value, name: name(key)) }
    }

    func int(_ key: String) throws(CortexError) -> Int {
        try Self.int(try required(key), name: name(key))
    }

    func optionalInt(_ key: String) throws(CortexError) -> Int? {
        try optional(key).map { (value: JSONValue) throws(CortexError) in try Self.int(value, name: name(key)) }
    }

    func optionalArray(_ key: String) throws(CortexError) -> [JSONValue]? {
        guard let value = try optional(key) else { return nil }
        guard case .array(let elements) = value else { throw .invalidInput("\(name(key)) must be an array; got \(value.kindName)") }
        return elements
    }

    func array(_ key: String) throws(CortexError) -> [JSONValue] {
        guard let elements = try optionalArray(key) else { throw .invalidInput("missing field \(name(key))") }
        return elements
    }

    func optionalStrings(_ key: String) throws(CortexError) -> [String]? {
        guard let elements = try optionalArray(key) else { return nil }
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            strings.append(try Self.string(element, name: "\(name(key))[\(index)]"))
        }
        return strings
    }

    /// A vector of float32 components; numbers beyond float32's range are refused (they would become infinity).
    func vector(_ key: String) throws(CortexError) -> [Float] {
        try Self.vector(try array(key), name: name(key))
    }

    /// The vector at `key`, or nil when the key is absent.
    func optionalVector(_ key: String) throws(CortexError) -> [Float]? {
        try optionalArray(key).map { (elements: [JSONValue]) throws(CortexError) in try Self.vector(elements, name: name(key)) }
    }

    /// The float32 vector of a JSON array of numbers named `name` in errors.
    static func vector(_ elements: [JSONValue], name: String) throws(CortexError) -> [Float] {
        var vector: [Float] = []
        vector.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            let double: Double
            switch element {
            case .int(let value): double = Double(value)
            case .number(let value): double = value
            default: throw .invalidInput("\(name)[\(index)] must be a number; got \(element.kindName)")
            }
            let component = Float(double)
            guard component.isFinite else {
                throw .invalidInput("\(name)[\(index)] is \(double), outside the float32 range (±\(Float.greatestFiniteMagnitude))")
            }
            vector.append(component)
        }
        return vector
    }

    static func string(_ value: JSONValue, name: String) throws(CortexError) -> String {
        guard case .string(let text) = value else { throw .invalidInput("\(name) must be a string; got \(value.kindName)") }
        return text
    }

    static func int(_ value: JSONValue, name: String) throws(CortexError) -> Int {
        switch value {
        case .int(let number): return Int(number)
        case .number(let number) where number.rounded() == number && abs(number) < 1e15: return Int(number)
        default: throw .invalidInput("\(name) must be an integer; got \(value.kindName == "number" ? "\(value.serialized())" : value.kindName)")
        }
    }
}
