public import CortexCore

extension DocumentFilter {
    /// Parses a Chroma `where_document` object: exactly one key per object, one of `$contains`,
    /// `$not_contains`, `$regex`, `$not_regex` (string operand) or `$and` / `$or` (array of filters,
    /// any length, as Chroma's server accepts; its Python client insists on ≥ 2).
    ///
    /// - Throws: `invalidInput` naming the operator and the offending kind, or the regex pattern
    ///   that does not compile or uses a feature Chroma's regex engine lacks (backreferences,
    ///   lookaround); `tooLarge` when nesting exceeds ``FilterLimits/nestingDepthMax`` or a pattern
    ///   exceeds ``FilterLimits/regexPatternByteCountMax``.
    /// - Cost: O(size of `json`) plus one regex compilation per pattern.
    public static func parse(_ json: JSONValue) throws(CortexError) -> DocumentFilter {
        try parse(json, depth: 1)
    }

    /// Parses an optional `where_document` field: absent or JSON `null` means "no filter" (nil).
    public static func parseIfPresent(_ json: JSONValue?) throws(CortexError) -> DocumentFilter? {
        guard let json, json != .null else { return nil }
        return try parse(json)
    }

    private static func parse(_ json: JSONValue, depth: Int) throws(CortexError) -> DocumentFilter {
        guard depth <= FilterLimits.nestingDepthMax else {
            throw CortexError(.tooLarge, "where_document filter nests deeper than the limit of \(FilterLimits.nestingDepthMax) levels")
        }
        guard case .object(let object) = json else {
            throw CortexError.invalidInput("where_document filter must be an object, got \(json.kindName)")
        }
        guard object.count == 1, let (op, operand) = object.first else {
            throw object.isEmpty
                ? CortexError.invalidInput("where_document filter must have exactly one operator, got an empty object")
                : CortexError.invalidInput(
                    "where_document filter must have exactly one operator, got \(object.count) (\(FilterMessage.quotedList(object.keys))); combine conditions with $and")
        }
        switch op {
        case "$and", "$or":
            guard case .array(let elements) = operand else {
                throw CortexError.invalidInput("\(op) needs an array of where_document filters, got \(operand.kindName)")
            }
            var children: [DocumentFilter] = []
            children.reserveCapacity(elements.count)
            for element in elements { children.append(try parse(element, depth: depth + 1)) }
            return op == "$and" ? .and(children) : .or(children)
        case "$contains", "$not_contains", "$regex", "$not_regex":
            guard case .string(let text) = operand else {
                throw CortexError.invalidInput("\(op) in where_document needs a string, got \(operand.kindName)")
            }
            switch op {
            case "$contains": return .contains(text)
            case "$not_contains": return .notContains(text)
            case "$regex": return .regex(try DocumentRegex(pattern: text))
            default: return .notRegex(try DocumentRegex(pattern: text))
            }
        default:
            throw CortexError.invalidInput("unknown operator \(FilterMessage.quoted(op)) in where_document filter")
        }
    }
}
