/// Helpers that keep filter error messages short and safe to echo.
enum FilterMessage {
    /// `'text'`, truncated to ``FilterLimits/quotedByteCountMax`` UTF-8 bytes (on a character boundary).
    static func quoted(_ text: String) -> String {
        guard text.utf8.count > FilterLimits.quotedByteCountMax else { return "'\(text)'" }
        var prefix = ""
        for character in text {
            guard prefix.utf8.count + character.utf8.count <= FilterLimits.quotedByteCountMax else { break }
            prefix.append(character)
        }
        return "'\(prefix)…'"
    }

    /// `'a', 'b', 'c'` for up to five keys in sorted order, then `, …`.
    static func quotedList(_ keys: some Collection<String>) -> String {
        let sorted = keys.sorted()
        let shown = sorted.prefix(5).map(quoted).joined(separator: ", ")
        return sorted.count > 5 ? shown + ", …" : shown
    }
}
