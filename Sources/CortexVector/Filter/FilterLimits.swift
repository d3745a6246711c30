/// Limits on `where` / `where_document` filters. Each one bounds work or memory that a single
/// request body could otherwise make unbounded. (In the real package these belong in `Limits.swift`.)
public enum FilterLimits {
    /// Maximum nesting of filter objects along any path, counting the top-level object as 1, so
    /// `{"$and": [{"a": 1}, {"b": 2}]}` has depth 2. Exceeding it is `tooLarge`. Keeps the recursive
    /// parser and evaluator far from the stack limit.
    public static let nestingDepthMax = 64

    /// Maximum number of values in one `$in` / `$nin` list. Exceeding it is `tooLarge`.
    public static let setValueCountMax = 1_000

    /// Maximum length of a `$regex` / `$not_regex` pattern, in UTF-8 bytes. Exceeding it is `tooLarge`.
    public static let regexPatternByteCountMax = 1_000

    /// Extra ICU progress callbacks a single regex match may use beyond one per UTF-16 unit of the
    /// document. ICU reports progress about once per start position and once per ~10k backtracking
    /// steps, so this caps catastrophic backtracking (e.g. `(a+)+$`) at roughly 10M steps (~0.15 s)
    /// per document while never cutting off a linear-time match.
    public static let regexExtraProgressCallbackCountMax = 1_000

    /// Longest user-supplied string (key, operator, pattern) quoted verbatim in an error message;
    /// longer ones are truncated with "…".
    public static let quotedByteCountMax = 100
}
