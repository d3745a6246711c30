/// The status and headers of an HTTP/1.x response, fed one header line at a time as libcurl's
/// header callback delivers them (status line first, then `Name: value` lines, CRLF included).
///
/// A later status line (after `100 Continue`, or a redirect libcurl followed) starts over, so the
/// head describes the final response. Header names are lowercased; a repeated header keeps its
/// last value.
package struct HTTPResponseHead: Sendable, Equatable {
    /// 0 until a status line arrives (or when it has no number).
    package var status = 0
    package var headers: [String: String] = [:]

    package init() {}

    /// Takes one raw header line; blank and malformed lines are ignored.
    package mutating func receive(_ line: String) {
        let trimmed = Self.trimmed(Substring(line))
        if trimmed.hasPrefix("HTTP/") {
            let fields = trimmed.split(separator: " ")
            status = fields.count > 1 ? Int(fields[1]) ?? 0 : 0
            headers = [:]
        } else if let colon = trimmed.firstIndex(of: ":") {
            headers[trimmed[..<colon].lowercased()] = String(Self.trimmed(trimmed[trimmed.index(after: colon)...]))
        }
    }

    /// `text` without leading and trailing spaces, tabs, CRs and LFs.
    private static func trimmed(_ text: Substring) -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return text[first...last]
    }
}
