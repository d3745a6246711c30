/// Byte-exact substring search (Knuth–Morris–Pratt over UTF-8), linear in document + needle length
/// whatever the input, so a hostile needle cannot make `$contains` quadratic. Because UTF-8 is
/// self-synchronising, a byte match of valid UTF-8 always starts and ends on scalar boundaries.
enum SubstringSearch {
    /// Whether `haystack` contains `needle`; the empty needle is contained in everything.
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        if pattern.isEmpty { return true }
        if pattern.count > haystack.utf8.count { return false }
        let failure = failureTable(pattern)
        if let found = unsafe haystack.utf8.withContiguousStorageIfAvailable({ unsafe search($0, pattern, failure) }) {
            return found
        }
        return search(Array(haystack.utf8), pattern, failure)
    }

    /// `failure[i]`: length of the longest proper prefix of `pattern[0...i]` that is also its suffix.
    private static func failureTable(_ pattern: [UInt8]) -> [Int] {
        var failure = [Int](repeating: 0, count: pattern.count)
        var length = 0
        for index in pattern.indices.dropFirst() {
            while length > 0, pattern[index] != pattern[length] { length = failure[length - 1] }
            if pattern[index] == pattern[length] { length += 1 }
            failure[index] = length
        }
        return failure
    }

    private static func search(_ text: some Collection<UInt8>, _ pattern: [UInt8], _ failure: [Int]) -> Bool {
        var matched = 0
        for byte in text {
            while matched > 0, byte != pattern[matched] { matched = failure[matched - 1] }
            if byte == pattern[matched] { matched += 1 }
            if matched == pattern.count { return true }
        }
        return false
    }
}
