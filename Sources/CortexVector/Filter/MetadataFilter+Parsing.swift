public import CortexCore

extension MetadataFilter {
    /// Parses a Chroma `where` object.
    ///
    /// Grammar (Chroma's server parser, `rust/types/src/where_parsing.rs`, plus the Python client's
    /// `validate_where` for type rules):
    /// - every filter object has exactly one key: `$and` / `$or` with an array of filters, or a
    ///   field name whose value is a string/number/bool (implicit `$eq`) or an object with exactly
    ///   one operator;
    /// - `$eq $ne`: string, number or bool; `$gt $gte $lt $lte`: number; `$in $nin`: non-empty array
    ///   of strings, of numbers (ints and floats may mix) or of bools; `$contains $not_contains`:
    ///   string, number or bool.
    ///
    /// - Throws: `invalidInput` naming the offending key, operator or value kind; `tooLarge` when
    ///   nesting exceeds ``FilterLimits/nestingDepthMax`` or a set exceeds ``FilterLimits/setValueCountMax``.
    /// - Cost: O(size of `json`); recursion depth ≤ ``FilterLimits/nestingDepthMax``.
    public static func parse(_ json: JSONValue) throws(CortexError) -> MetadataFilter {
        try parse(json, depth: 1)
    }

    /// Parses an optional `where` field: absent or JSON `null` means "no filter" (nil).
    public static func parseIfPresent(_ json: JSONValue?) throws(CortexError) -> MetadataFilter? {
        guard let json, json != .null else { return nil }
        return try parse(json)
    }

    /// Operators valid inside a field's operator object.
    static let fieldOperators: Set<String> = [
        "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$contains", "$not_contains",
    ]

    private static func parse(_ json: JSONValue, depth: Int) throws(CortexError) -> MetadataFilter {
        guard depth <= FilterLimits.nestingDepthMax else {
            throw CortexError(.tooLarge, "where filter nests deeper than the limit of \(FilterLimits.nestingDepthMax) levels")
        }
        guard case .object(let object) = json else {
            throw CortexError.invalidInput("where filter must be an object, got \(json.kindName)")
        }
        guard object.count == 1, let (key, value) = object.first else {
            throw object.isEmpty
                ? CortexError.invalidInput("where filter must have exactly one key, got an empty object")
                : CortexError.invalidInput(
                    "where filter must have exactly one key, got \(object.count) (\(FilterMessage.quotedList(object.keys))); combine conditions with $and")
        }
        switch key {
        case "$and", "$or":
            guard case .array(let elements) = value else {
                throw CortexError.invalidInput("\(key) needs an array of where filters, got \(value.kindName)")
            }
            var children: [MetadataFilter] = []
            children.reserveCapacity(elements.count)
            for element in elements { children.append(try parse(element, depth: depth + 1)) }
            return key == "$and" ? .and(children) : .or(children)
        case "#document":
            throw CortexError.invalidInput("where key '#document' is not supported; use where_document")
        default:
            guard !key.hasPrefix("$") else { throw misplacedOperator(key) }
            return try parseField(key: key, value: value)
        }
    }

    private static func misplacedOperator(_ key: String) -> CortexError {
        guard fieldOperators.contains(key) else {
            return CortexError.invalidInput("unknown operator \(FilterMessage.quoted(key)) in where filter")
        }
        return CortexError.invalidInput(
            "operator '\(key)' must be applied to a field, as in {\"field\": {\"\(key)\": value}}")
    }

    private static func parseField(key: String, value: JSONValue) throws(CortexError) -> MetadataFilter {
        if let scalar = scalar(value) {
            return .comparison(key: key, op: .equal, value: scalar)
        }
        guard case .object(let operators) = value else {
            throw CortexError.invalidInput(
                "value for key \(FilterMessage.quoted(key)) must be a string, number, bool or operator object, got \(value.kindName)")
        }
        guard operators.count == 1, let (op, operand) = operators.first else {
            throw operators.isEmpty
                ? CortexError.invalidInput("operator object for key \(FilterMessage.quoted(key)) must have exactly one operator, got none")
                : CortexError.invalidInput(
                    "operator object for key \(FilterMessage.quoted(key)) must have exactly one operator, got \(operators.count) (\(FilterMessage.quotedList(operators.keys))); combine conditions with $and")
        }
        return try parseOperator(key: key, op: op, operand: operand)
    }

    private static func parseOperator(key: String, op: String, operand: JSONValue) throws(CortexError) -> MetadataFilter {
        if let comparison = ComparisonOperator(rawValue: op) {
            return .comparison(key: key, op: comparison, value: try comparisonOperand(comparison, operand))
        }
        switch op {
        case "$in", "$nin":
            let values = try setOperand(op, operand)
            return op == "$in" ? .isIn(key: key, values: values) : .isNotIn(key: key, values: values)
        case "$contains", "$not_contains":
            guard let value = scalar(operand) else {
                throw CortexError.invalidInput("\(op) needs a string, number or bool, got \(operand.kindName)")
            }
            return op == "$contains" ? .contains(key: key, value: value) : .notContains(key: key, value: value)
        case "$regex", "$not_regex":
            throw CortexError.invalidInput("operator '\(op)' is only supported in where_document")
        default:
            throw CortexError.invalidInput("unknown operator \(FilterMessage.quoted(op)) in where filter")
        }
    }

    private static func comparisonOperand(_ op: ComparisonOperator, _ operand: JSONValue) throws(CortexError) -> MetadataValue {
        switch op {
        case .equal, .notEqual:
            guard let value = scalar(operand) else {
                throw CortexError.invalidInput("\(op.rawValue) needs a string, number or bool, got \(operand.kindName)")
            }
            return value
        case .greaterThan, .greaterThanOrEqual, .lessThan, .lessThanOrEqual:
            // Chroma rejects ordering on strings and bools (server parser and client validation).
            switch operand {
            case .int(let int): return .int(int)
            case .number(let double): return .double(double)
            default: throw CortexError.invalidInput("\(op.rawValue) needs a number, got \(operand.kindName)")
            }
        }
    }

    private static func setOperand(_ op: String, _ operand: JSONValue) throws(CortexError) -> [MetadataValue] {
        guard case .array(let elements) = operand else {
            throw CortexError.invalidInput("\(op) needs an array, got \(operand.kindName)")
        }
        guard !elements.isEmpty else { throw CortexError.invalidInput("\(op) needs a non-empty array") }
        guard elements.count <= FilterLimits.setValueCountMax else {
            throw CortexError(.tooLarge, "\(op) has \(elements.count) values; the limit is \(FilterLimits.setValueCountMax)")
        }
        var values: [MetadataValue] = []
        values.reserveCapacity(elements.count)
        for element in elements {
            guard let value = scalar(element) else {
                throw CortexError.invalidInput("\(op) values must be strings, numbers or bools, got \(element.kindName)")
            }
            // Homogeneity as in Chroma; ints and floats count as one kind (both are "number").
            if element.kindName != elements[0].kindName {
                throw CortexError.invalidInput(
                    "\(op) values must all have the same type, got \(elements[0].kindName) and \(element.kindName)")
            }
            values.append(value)
        }
        return values
    }

    /// The scalar metadata value for a JSON string, number or bool; nil otherwise.
    static func scalar(_ json: JSONValue) -> MetadataValue? {
        switch json {
        case .string(let string): .string(string)
        case .int(let int): .int(int)
        case .number(let double): .double(double)
        case .bool(let bool): .bool(bool)
        case .null, .array, .object: nil
        }
    }
}
