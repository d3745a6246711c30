/// A parsed JSON value, as filters and metadata arrive in HTTP bodies.
///
/// Numbers keep their lexical kind the way Chroma's serde_json does: a number written without a
/// fraction or exponent that fits in `Int64` is `.int`; every other number (`1.0`, `1e3`,
/// `2.5`, integers beyond `Int64`) is `.number`. So `.int(2) != .number(2.0)` as values, while the
/// filters compare them numerically. Booleans are never numbers: `true` is `.bool(true)`, not `1`.
///
/// Not `indirect`: arrays and dictionaries already hold their elements out of line, and an
/// indirect enum would put every scalar (each of an embedding's 384 numbers) in its own heap box.
public enum JSONValue: Sendable, Equatable {
    /// JSON `null`.
    case null
    /// JSON `true` / `false`.
    case bool(Bool)
    /// An integral JSON number (no fraction or exponent) that fits in `Int64`.
    case int(Int64)
    /// Any other JSON number.
    case number(Double)
    /// A JSON string.
    case string(String)
    /// A JSON array.
    case array([JSONValue])
    /// A JSON object; duplicate keys keep the last value (JSONSerialization's behaviour).
    case object([String: JSONValue])

    /// The JSON kind as used in error messages: `null`, `bool`, `number` (both number cases),
    /// `string`, `array`, `object`.
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int, .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
