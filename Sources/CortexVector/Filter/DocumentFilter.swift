public import CortexCore

/// A Chroma `where_document` filter over a record's document text.
///
/// Semantics follow Chroma's local executor (`rust/segment/src/sqlite_metadata.rs`):
/// - `$contains` is a case-sensitive substring test on the exact UTF-8 bytes (no Unicode
///   normalisation or case folding); the empty string is contained in every document;
/// - `$regex` succeeds when the pattern matches anywhere in the document (search, not full match);
/// - a record without a document (`nil`) fails every positive test and passes every negative one
///   (`$not_contains`, `$not_regex`), because Chroma evaluates negatives as "not in the set of
///   records whose document matches";
/// - `$and` of nothing matches everything, `$or` of nothing matches nothing.
public indirect enum DocumentFilter: Sendable, Equatable {
    /// All children match.
    case and([DocumentFilter])
    /// Some child matches.
    case or([DocumentFilter])
    /// The document contains the string (case-sensitive, byte-exact).
    case contains(String)
    /// Negation of ``contains(_:)``.
    case notContains(String)
    /// The regex matches somewhere in the document.
    case regex(DocumentRegex)
    /// Negation of ``regex(_:)``, except when the match was cut off (see ``matches(_:)``).
    case notRegex(DocumentRegex)

    /// Whether a record whose document is `document` passes.
    ///
    /// A regex match that exceeds the backtracking budget
    /// (``FilterLimits/regexExtraProgressCallbackCountMax``) is undecided; here an undecided
    /// `$regex` or `$not_regex` counts as not matching, so the record is left out. Use
    /// ``evaluate(_:)`` to surface that case as an error instead.
    /// Cost: O(document length × filter size) for substring tests; regex cost is bounded by the budget.
    public func matches(_ document: String?) -> Bool {
        match(document, undecided: { (_: DocumentRegex) throws(Never) -> Bool in false })
    }

    /// Like ``matches(_:)``, but throws when a regex match is cut off.
    ///
    /// - Throws: `tooLarge` naming the pattern when its match exceeds the backtracking budget.
    public func evaluate(_ document: String?) throws(CortexError) -> Bool {
        try match(document, undecided: { (regex: DocumentRegex) throws(CortexError) -> Bool in
            throw CortexError(
                .tooLarge,
                "$regex pattern \(FilterMessage.quoted(regex.pattern)) needs too much backtracking on a document; simplify the pattern")
        })
    }

    private func match<E: Error>(_ document: String?, undecided: (DocumentRegex) throws(E) -> Bool) throws(E) -> Bool {
        switch self {
        case .and(let children):
            for child in children where !(try child.match(document, undecided: undecided)) { return false }
            return true
        case .or(let children):
            for child in children where try child.match(document, undecided: undecided) { return true }
            return false
        case .contains(let needle):
            guard let document else { return false }
            return SubstringSearch.contains(document, needle)
        case .notContains(let needle):
            guard let document else { return true }
            return !SubstringSearch.contains(document, needle)
        case .regex(let regex):
            guard let document else { return false }
            switch regex.search(document) {
            case .matched: return true
            case .notMatched: return false
            case .budgetExceeded: return try undecided(regex)
            }
        case .notRegex(let regex):
            guard let document else { return true }
            switch regex.search(document) {
            case .matched: return false
            case .notMatched: return true
            case .budgetExceeded: return try undecided(regex)
            }
        }
    }
}
