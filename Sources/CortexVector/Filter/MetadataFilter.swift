/// A Chroma `where` filter over record metadata.
///
/// Build one with ``parse(_:)`` from request JSON, or directly. Semantics (see `docs` in the report
/// and ``matches(_:)``) follow Chroma's local (SQLite) executor, which the reference server uses:
/// - every negative operator (`$ne`, `$nin`, `$not_contains`) is exactly the negation of its positive
///   twin, so it also matches records where the key is missing, has another type, or holds a list;
/// - ints and doubles compare as numbers, exactly (`2 == 2.0`, `3 > 2.5`, no rounding through Double);
/// - strings compare only with strings, bools only with bools; ordering operators only with numbers;
/// - `$eq`/`$ne`/ordering/`$in`/`$nin` look at scalar metadata only; `$contains`/`$not_contains` look at
///   list metadata only (array membership, not substring).
public indirect enum MetadataFilter: Sendable, Equatable {
    /// All children match (`$and`); an empty list matches every record, as in Chroma.
    case and([MetadataFilter])
    /// Some child matches (`$or`); an empty list matches no record, as in Chroma.
    case or([MetadataFilter])
    /// `{"key": {"$op": value}}` for `$eq $ne $gt $gte $lt $lte`; `value` is a scalar.
    case comparison(key: String, op: ComparisonOperator, value: MetadataValue)
    /// `$in`: the scalar at `key` equals one of `values` (scalars).
    case isIn(key: String, values: [MetadataValue])
    /// `$nin`: negation of ``isIn(key:values:)``.
    case isNotIn(key: String, values: [MetadataValue])
    /// `$contains`: the list at `key` has an element equal to `value` (a scalar).
    case contains(key: String, value: MetadataValue)
    /// `$not_contains`: negation of ``contains(key:value:)``.
    case notContains(key: String, value: MetadataValue)

    /// The scalar comparison operators.
    public enum ComparisonOperator: String, Sendable, Equatable, CaseIterable {
        case equal = "$eq", notEqual = "$ne"
        case greaterThan = "$gt", greaterThanOrEqual = "$gte"
        case lessThan = "$lt", lessThanOrEqual = "$lte"
    }

    /// Whether a record with `metadata` (`nil` = no metadata, i.e. every key missing) passes.
    ///
    /// Never traps: filters built by hand with values the parser would reject (say `$gt` on a
    /// string, or a list as `$eq` operand) simply do not match, and their negations do.
    /// Cost: O(filter size × list length); recursion depth is the filter's nesting depth.
    public func matches(_ metadata: [String: MetadataValue]?) -> Bool {
        switch self {
        case .and(let children):
            return children.allSatisfy { $0.matches(metadata) }
        case .or(let children):
            return children.contains { $0.matches(metadata) }
        case .comparison(let key, let op, let value):
            guard op != .notEqual else {
                return !FilterScalar.compare(metadata?[key], .equal, value)
            }
            return FilterScalar.compare(metadata?[key], op, value)
        case .isIn(let key, let values):
            return FilterScalar.isIn(metadata?[key], values)
        case .isNotIn(let key, let values):
            return !FilterScalar.isIn(metadata?[key], values)
        case .contains(let key, let value):
            return FilterScalar.listContains(metadata?[key], value)
        case .notContains(let key, let value):
            return !FilterScalar.listContains(metadata?[key], value)
        }
    }
}
