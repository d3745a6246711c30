extension MetadataFilter {
    /// Every metadata key the filter reads, at any depth.
    /// Cost: O(filter size).
    public var referencedKeys: Set<String> {
        var keys: Set<String> = []
        collectKeys(into: &keys)
        return keys
    }

    private func collectKeys(into keys: inout Set<String>) {
        switch self {
        case .and(let children), .or(let children):
            for child in children { child.collectKeys(into: &keys) }
        case .comparison(let key, _, _), .isIn(let key, _), .isNotIn(let key, _),
             .contains(let key, _), .notContains(let key, _):
            keys.insert(key)
        }
    }

    /// The `$eq` conditions on scalar values that every matching record must satisfy: the filter
    /// itself if it is one, or the `$eq` children of a top-level `$and` (nested `$and`s flattened).
    /// Conditions under `$or` or other operators are not returned.
    ///
    /// Contract for an index: a record can match only if, for each returned pair, its metadata at
    /// `key` equals `value` under filter equality, where ints and doubles are equal when numerically
    /// equal (`.int(2)` matches a stored `.double(2.0)`), so a lookup must normalise numbers. The
    /// remaining conditions still need ``matches(_:)``. Order follows the filter; duplicates are kept.
    public func equalityConjuncts() -> [(key: String, value: MetadataValue)] {
        var result: [(key: String, value: MetadataValue)] = []
        collectEqualityConjuncts(into: &result)
        return result
    }

    private func collectEqualityConjuncts(into result: inout [(key: String, value: MetadataValue)]) {
        switch self {
        case .and(let children):
            for child in children { child.collectEqualityConjuncts(into: &result) }
        case .comparison(let key, .equal, let value) where FilterScalar(value) != nil:
            result.append((key: key, value: value))
        case .or, .comparison, .isIn, .isNotIn, .contains, .notContains:
            break
        }
    }
}
