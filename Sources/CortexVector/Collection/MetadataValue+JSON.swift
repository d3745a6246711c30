public import CortexCore

extension MetadataValue {
    /// Converts one JSON metadata value: a string, number or bool, or a non-empty
    /// list of one of those kinds (ints and floats may mix; the list is then floats).
    ///
    /// - Throws: `invalidInput` naming `key` for null, objects, nested or mixed lists.
    public init(json: JSONValue, key: String) throws(CortexError) {
        switch json {
        case .string(let value): self = .string(value)
        case .int(let value): self = .int(value)
        case .number(let value): self = .double(value)
        case .bool(let value): self = .bool(value)
        case .array(let elements):
            self = try Self.list(elements, key: key)
        case .null, .object:
            throw .invalidInput("metadata \"\(key)\" is \(json.kindName); use a string, number, bool or a list of them")
        }
    }

    private static func list(_ elements: [JSONValue], key: String) throws(CortexError) -> MetadataValue {
        guard !elements.isEmpty else { throw .invalidInput("metadata \"\(key)\" is an empty list") }
        var strings: [String] = []
        var ints: [Int64] = []
        var doubles: [Double] = []
        var bools: [Bool] = []
        for element in elements {
            switch element {
            case .string(let value): strings.append(value)
            case .int(let value): ints.append(value); doubles.append(Double(value))
            case .number(let value): doubles.append(value)
            case .bool(let value): bools.append(value)
            case .null, .array, .object:
                throw .invalidInput("metadata \"\(key)\" holds a \(element.kindName) in a list; lists hold strings, numbers or bools")
            }
        }
        if strings.count == elements.count { return .stringList(strings) }
        if ints.count == elements.count { return .intList(ints) }
        if doubles.count == elements.count { return .doubleList(doubles) }
        if bools.count == elements.count { return .boolList(bools) }
        throw .invalidInput("metadata \"\(key)\" mixes types in a list")
    }

    /// Parses a metadata object (`{"key": value, …}`); `invalidInput` for anything else.
    public static func metadata(json: JSONValue) throws(CortexError) -> [String: MetadataValue] {
        guard case .object(let fields) = json else {
            throw .invalidInput("metadata must be a JSON object; got \(json.kindName)")
        }
        var metadata: [String: MetadataValue] = [:]
        for (key, value) in fields { metadata[key] = try MetadataValue(json: value, key: key) }
        return metadata
    }

    /// This value as JSON.
    public var jsonValue: JSONValue {
        switch self {
        case .string(let value): .string(value)
        case .int(let value): .int(value)
        case .double(let value): .number(value)
        case .bool(let value): .bool(value)
        case .stringList(let values): .array(values.map { .string($0) })
        case .intList(let values): .array(values.map { .int($0) })
        case .doubleList(let values): .array(values.map { .number($0) })
        case .boolList(let values): .array(values.map { .bool($0) })
        }
    }

    /// A metadata map as compact JSON text (keys sorted, so equal maps give equal bytes).
    public static func jsonText(_ metadata: [String: MetadataValue]) -> String {
        JSONValue.object(metadata.mapValues(\.jsonValue)).serialized()
    }
}

extension JSONValue {
    /// Compact JSON text with object keys sorted. Numbers are finite by construction
    /// (parsing rejects others); `.number` prints Swift's shortest round-trip form,
    /// which is valid JSON (`1.0`, `1e-05`, `5e+20`).
    public func serialized() -> String {
        var text = ""
        write(to: &text)
        return text
    }

    private func write(to text: inout String) {
        switch self {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .int(let value): text += String(value)
        case .number(let value):
            precondition(value.isFinite, "JSON numbers are finite")
            text += value.description
        case .string(let value): Self.writeString(value, to: &text)
        case .array(let values):
            text += "["
            for (index, value) in values.enumerated() {
                if index > 0 { text += "," }
                value.write(to: &text)
            }
            text += "]"
        case .object(let fields):
            text += "{"
            for (index, key) in fields.keys.sorted().enumerated() {
                if index > 0 { text += "," }
                Self.writeString(key, to: &text)
                text += ":"
                fields[key]!.write(to: &text)
            }
            text += "}"
        }
    }

    private static func writeString(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
