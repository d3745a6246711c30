public import CortexCore
internal import Foundation

/// A compiled `$regex` / `$not_regex` pattern for document filters.
///
/// Compiled with ICU (`NSRegularExpression`, default options). Chroma compiles patterns with
/// Rust's `regex` crate, which has no backreferences or lookaround; those are rejected here too,
/// both for compatibility and because they are what makes backtracking engines blow up. ICU still
/// backtracks on nested quantifiers, so each search runs under a progress budget
/// (``FilterLimits/regexExtraProgressCallbackCountMax``). Two values are equal when their patterns are.
public struct DocumentRegex: Sendable, Equatable, CustomStringConvertible {
    /// The pattern as the client sent it.
    public let pattern: String
    private let compiled: CompiledRegex

    /// Validates and compiles `pattern`.
    ///
    /// - Throws: `tooLarge` when the pattern exceeds ``FilterLimits/regexPatternByteCountMax`` bytes;
    ///   `invalidInput` naming the pattern when it uses a backreference or lookaround, or does not compile.
    public init(pattern: String) throws(CortexError) {
        let byteCount = pattern.utf8.count
        guard byteCount <= FilterLimits.regexPatternByteCountMax else {
            throw CortexError(
                .tooLarge, "$regex pattern has \(byteCount) bytes; the limit is \(FilterLimits.regexPatternByteCountMax)")
        }
        if let feature = Self.unsupportedFeature(in: pattern) {
            throw CortexError.invalidInput("invalid $regex pattern \(FilterMessage.quoted(pattern)): \(feature) is not supported")
        }
        do {
            compiled = CompiledRegex(try NSRegularExpression(pattern: pattern))
        } catch {
            throw CortexError.invalidInput("invalid $regex pattern \(FilterMessage.quoted(pattern)): it does not compile")
        }
        self.pattern = pattern
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.pattern == rhs.pattern }

    /// The pattern.
    public var description: String { pattern }

    enum Outcome { case matched, notMatched, budgetExceeded }

    /// Searches `document` for a match anywhere, within the backtracking budget.
    func search(_ document: String) -> Outcome {
        let range = NSRange(location: 0, length: document.utf16.count)
        // ICU calls back about once per start position and once per ~10k steps; allow one per
        // UTF-16 unit plus a fixed allowance for backtracking.
        let callbackCountMax = range.length + FilterLimits.regexExtraProgressCallbackCountMax
        var callbackCount = 0
        var outcome = Outcome.notMatched
        unsafe compiled.regex.enumerateMatches(in: document, options: [.reportProgress], range: range) { result, _, stop in
            if result != nil {
                outcome = .matched
                unsafe stop.pointee = true
                return
            }
            callbackCount += 1
            if callbackCount > callbackCountMax {
                outcome = .budgetExceeded
                unsafe stop.pointee = true
            }
        }
        return outcome
    }

    /// The first backreference or lookaround construct outside a character class, if any.
    /// Conservative scan: it may reject an exotic but valid pattern, never accept one of these.
    static func unsupportedFeature(in pattern: String) -> String? {
        let scalars = Array(pattern.unicodeScalars)
        var index = 0
        var inClass = false
        while index < scalars.count {
            let scalar = scalars[index]
            let next = index + 1 < scalars.count ? scalars[index + 1] : nil
            if scalar == "\\" {
                if !inClass, let next {
                    if ("1"..."9").contains(next) { return "a backreference" }
                    if next == "k" { return "a backreference" }
                }
                index += 2
                continue
            }
            if inClass {
                if scalar == "]" { inClass = false }
            } else if scalar == "[" {
                inClass = true
                // A ']' right after '[' or '[^' is a literal member, not the end of the class.
                if next == "^" { index += 1 }
                if index + 1 < scalars.count, scalars[index + 1] == "]" { index += 1 }
            } else if scalar == "(", next == "?", index + 2 < scalars.count {
                let kind = scalars[index + 2]
                let after = index + 3 < scalars.count ? scalars[index + 3] : nil
                if kind == "=" || kind == "!" { return "lookahead" }
                if kind == "<", after == "=" || after == "!" { return "lookbehind" }
                if kind == ">" { return "an atomic group" }
            }
            index += 1
        }
        return nil
    }
}

/// Holds the compiled ICU regex.
///
/// `@unchecked Sendable`: `NSRegularExpression` is immutable after creation and documented as safe
/// to use from several threads at once; nothing here mutates it.
private final class CompiledRegex: @unchecked Sendable {
    let regex: NSRegularExpression
    init(_ regex: NSRegularExpression) { self.regex = regex }
}
