import CortexCore

/// One token of SQL text.
struct SQLToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// An unquoted word (lower-cased) — keyword or identifier.
        case word(String)
        /// A `"quoted"` identifier (case kept).
        case quotedIdentifier(String)
        case integer(Int64)
        case float(Double)
        case string(String)
        case parameter(String)
        /// Punctuation and operators: `( ) , . ; + - * / // % = == <> != < <= > >= || ::`.
        case symbol(String)
        case end
    }

    let kind: Kind
    let position: SourcePosition
    /// The text as written, for error messages.
    let text: String
}

/// Splits SQL text into tokens; errors point at the offending character.
struct SQLLexer {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    private func position(at offset: Int) -> SourcePosition {
        // Columns count characters, not bytes: skip UTF-8 continuation bytes.
        let column = bytes[lineStart..<offset].reduce(1) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
        return SourcePosition(offset: offset, line: line, column: column)
    }

    private func error(_ message: String, at offset: Int) -> CortexError {
        .invalidInput("\(position(at: offset)): \(message)")
    }

    mutating func tokens() throws(CortexError) -> [SQLToken] {
        var tokens: [SQLToken] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private mutating func skipSpaceAndComments() throws(CortexError) {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 10 {
                index += 1
                line += 1
                lineStart = index
            } else if byte == 32 || byte == 9 || byte == 13 {
                index += 1
            } else if byte == 45, index + 1 < bytes.count, bytes[index + 1] == 45 {
                while index < bytes.count, bytes[index] != 10 { index += 1 }
            } else if byte == 47, index + 1 < bytes.count, bytes[index + 1] == 42 {
                let start = index
                index += 2
                while index < bytes.count, !(bytes[index] == 42 && index + 1 < bytes.count && bytes[index + 1] == 47) {
                    if bytes[index] == 10 {
                        line += 1
                        lineStart = index + 1
                    }
                    index += 1
                }
                guard index < bytes.count else { throw error("unterminated comment", at: start) }
                index += 2
            } else {
                return
            }
        }
    }

    private static func isWordStart(_ byte: UInt8) -> Bool {
        (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 95 || byte >= 0x80
    }

    private static func isWord(_ byte: UInt8) -> Bool { isWordStart(byte) || (byte >= 48 && byte <= 57) }

    private mutating func next() throws(CortexError) -> SQLToken {
        try skipSpaceAndComments()
        let start = index
        let position = position(at: start)
        guard index < bytes.count else { return SQLToken(kind: .end, position: position, text: "end of text") }
        let byte = bytes[index]
        func text() -> String { String(decoding: bytes[start..<index], as: UTF8.self) }
        if Self.isWordStart(byte) {
            while index < bytes.count, Self.isWord(bytes[index]) { index += 1 }
            return SQLToken(kind: .word(text().lowercased()), position: position, text: text())
        }
        if byte >= 48 && byte <= 57 || (byte == 46 && index + 1 < bytes.count && bytes[index + 1] >= 48 && bytes[index + 1] <= 57) {
            return try number(start: start, position: position)
        }
        switch byte {
        case 39: return try quoted(start: start, position: position, delimiter: 39)
        case 34: return try quoted(start: start, position: position, delimiter: 34)
        case 36:
            index += 1
            while index < bytes.count, Self.isWord(bytes[index]) { index += 1 }
            guard index > start + 1 else { throw error("expected a parameter name after '$'", at: start) }
            return SQLToken(kind: .parameter(String(decoding: bytes[(start + 1)..<index], as: UTF8.self)), position: position, text: text())
        default: break
        }
        let two = index + 1 < bytes.count ? String(decoding: bytes[index...(index + 1)], as: UTF8.self) : ""
        if ["//", "==", "<>", "!=", "<=", ">=", "||", "::"].contains(two) {
            index += 2
            return SQLToken(kind: .symbol(two), position: position, text: two)
        }
        if "(),.;+-*/%=<>".utf8.contains(byte) {
            index += 1
            return SQLToken(kind: .symbol(text()), position: position, text: text())
        }
        let scalar = String(decoding: bytes[index..<min(bytes.count, index + max(1, utf8Length(byte)))], as: UTF8.self)
        throw error("unexpected character '\(scalar)'", at: start)
    }

    private func utf8Length(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
    }

    private mutating func number(start: Int, position: SourcePosition) throws(CortexError) -> SQLToken {
        var isFloat = false
        while index < bytes.count, bytes[index] >= 48 && bytes[index] <= 57 { index += 1 }
        if index < bytes.count, bytes[index] == 46 {
            isFloat = true
            index += 1
            while index < bytes.count, bytes[index] >= 48 && bytes[index] <= 57 { index += 1 }
        }
        if index < bytes.count, bytes[index] == 101 || bytes[index] == 69 {
            var probe = index + 1
            if probe < bytes.count, bytes[probe] == 43 || bytes[probe] == 45 { probe += 1 }
            if probe < bytes.count, bytes[probe] >= 48 && bytes[probe] <= 57 {
                isFloat = true
                index = probe
                while index < bytes.count, bytes[index] >= 48 && bytes[index] <= 57 { index += 1 }
            }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if index < bytes.count, Self.isWordStart(bytes[index]) { throw error("malformed number '\(text)\(Character(Unicode.Scalar(bytes[index])))'", at: start) }
        if isFloat {
            guard let value = Double(text) else { throw error("malformed number '\(text)'", at: start) }
            return SQLToken(kind: .float(value), position: position, text: text)
        }
        guard let value = Int64(text) else { throw error("integer \(text) is out of range", at: start) }
        return SQLToken(kind: .integer(value), position: position, text: text)
    }

    private mutating func quoted(start: Int, position: SourcePosition, delimiter: UInt8) throws(CortexError) -> SQLToken {
        index += 1
        var content: [UInt8] = []
        while index < bytes.count {
            if bytes[index] == delimiter {
                if index + 1 < bytes.count, bytes[index + 1] == delimiter {
                    content.append(delimiter)
                    index += 2
                    continue
                }
                index += 1
                let value = String(decoding: content, as: UTF8.self)
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                if delimiter == 39 { return SQLToken(kind: .string(value), position: position, text: text) }
                guard !value.isEmpty else { throw error("empty quoted identifier", at: start) }
                return SQLToken(kind: .quotedIdentifier(value), position: position, text: text)
            }
            if bytes[index] == 10 {
                line += 1
                lineStart = index + 1
            }
            content.append(bytes[index])
            index += 1
        }
        throw .invalidInput("\(position): unterminated \(delimiter == 39 ? "string literal" : "quoted identifier")")
    }
}
