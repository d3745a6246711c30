import CortexCore

/// One token of SQL text.
struct SQLToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// An unquoted word: keyword or identifier; `value` is lower-cased.
        case word
        /// `"Quoted"`: `value` keeps its case, `""` unescaped.
        case quotedIdentifier
        /// A numeric literal; `value` is the text as written.
        case number
        /// `'text'`: `value` is the content with `''` unescaped.
        case string
        /// `$name`: `value` is the name without `$`.
        case parameter
        /// An operator or punctuation: `value` is its text (`<=`, `::`, `(`).
        case symbol
        /// The end of the text.
        case end
    }

    let kind: Kind
    let value: String
    /// The text as written, for error messages.
    let raw: String
    let position: SourcePosition

    /// How an error message names this token: `'FROM'` or `end of input`.
    var quoted: String { kind == .end ? "end of input" : "'\(raw)'" }

    /// Whether this is the (unquoted) keyword `keyword`, given in lower case.
    func isWord(_ keyword: String) -> Bool { kind == .word && value == keyword }

    /// Whether this is the symbol `symbol`.
    func isSymbol(_ symbol: String) -> Bool { kind == .symbol && value == symbol }
}

/// Splits SQL text into tokens; skips whitespace and `--` / `/* */` comments.
///
/// Works on UTF-8 bytes; columns count characters (bytes that are not UTF-8
/// continuation bytes), so a position is right after any unicode text.
struct SQLLexer {
    private let bytes: [UInt8]
    private var offset = 0
    private var line = 1
    private var column = 1

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    /// All tokens, ending with one `.end` token.
    ///
    /// - Throws: `.invalidInput` with the position of an unexpected character,
    ///   an unterminated string, quoted identifier or comment.
    static func tokenize(_ text: String) throws(CortexError) -> [SQLToken] {
        var lexer = SQLLexer(text)
        var tokens: [SQLToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private var here: SourcePosition { SourcePosition(offset: offset, line: line, column: column) }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        offset + ahead < bytes.count ? bytes[offset + ahead] : nil
    }

    private mutating func advance() {
        let byte = bytes[offset]
        offset += 1
        if byte == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    private func text(from start: Int) -> String {
        String(decoding: bytes[start..<offset], as: UTF8.self)
    }

    private mutating func skipTrivia() throws(CortexError) {
        while let byte = peek() {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C {
                advance()
            } else if byte == UInt8(ascii: "-"), peek(1) == UInt8(ascii: "-") {
                while let b = peek(), b != 0x0A { advance() }
            } else if byte == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "*") {
                let start = here
                advance()
                advance()
                while !(peek() == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/")) {
                    guard peek() != nil else { throw .invalidInput("\(start): unterminated comment") }
                    advance()
                }
                advance()
                advance()
            } else {
                return
            }
        }
    }

    private mutating func next() throws(CortexError) -> SQLToken {
        try skipTrivia()
        let start = here
        guard let byte = peek() else { return SQLToken(kind: .end, value: "", raw: "", position: start) }
        if Self.isWordStart(byte) {
            while let b = peek(), Self.isWordPart(b) { advance() }
            let raw = text(from: start.offset)
            return SQLToken(kind: .word, value: raw.lowercased(), raw: raw, position: start)
        }
        if Self.isDigit(byte) || (byte == UInt8(ascii: ".") && peek(1).map(Self.isDigit) == true) {
            return try number(start)
        }
        switch byte {
        case UInt8(ascii: "'"):
            return try quoted(start, quote: byte, kind: .string, what: "string literal")
        case UInt8(ascii: "\""):
            return try quoted(start, quote: byte, kind: .quotedIdentifier, what: "quoted identifier")
        case UInt8(ascii: "$"):
            advance()
            while let b = peek(), Self.isWordPart(b) { advance() }
            guard offset > start.offset + 1 else { throw .invalidInput("\(start): expected a parameter name after '$'") }
            let raw = text(from: start.offset)
            return SQLToken(kind: .parameter, value: String(raw.dropFirst()), raw: raw, position: start)
        default:
            return try symbol(start)
        }
    }

    private mutating func number(_ start: SourcePosition) throws(CortexError) -> SQLToken {
        while let b = peek(), Self.isDigit(b) { advance() }
        if peek() == UInt8(ascii: "."), peek(1) != UInt8(ascii: ".") {
            advance()
            while let b = peek(), Self.isDigit(b) { advance() }
        }
        if let e = peek(), e | 0x20 == UInt8(ascii: "e") {
            let sign = peek(1)
            let hasSign = sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-")
            if let digit = peek(hasSign ? 2 : 1), Self.isDigit(digit) {
                advance()
                if hasSign { advance() }
                while let b = peek(), Self.isDigit(b) { advance() }
            }
        }
        if let b = peek(), Self.isWordStart(b) {
            throw .invalidInput("\(here): unexpected character '\(Self.character(at: offset, in: bytes))' after a number")
        }
        let raw = text(from: start.offset)
        return SQLToken(kind: .number, value: raw, raw: raw, position: start)
    }

    private mutating func quoted(_ start: SourcePosition, quote: UInt8, kind: SQLToken.Kind, what: String)
        throws(CortexError) -> SQLToken
    {
        advance()
        var content: [UInt8] = []
        while true {
            guard let b = peek() else { throw .invalidInput("\(start): unterminated \(what)") }
            advance()
            if b == quote {
                guard peek() == quote else { break }
                advance()
            }
            content.append(b)
        }
        let value = String(decoding: content, as: UTF8.self)
        if kind == .quotedIdentifier, value.isEmpty {
            throw .invalidInput("\(start): empty quoted identifier")
        }
        return SQLToken(kind: kind, value: value, raw: text(from: start.offset), position: start)
    }

    private static let twoByteSymbols: Set<String> = ["<=", ">=", "<>", "!=", "==", "||", "::", "//"]
    private static let oneByteSymbols: Set<UInt8> = Set("()=<>+-*/%,.;:".utf8)

    private mutating func symbol(_ start: SourcePosition) throws(CortexError) -> SQLToken {
        if let second = peek(1) {
            let pair = String(decoding: [bytes[offset], second], as: UTF8.self)
            if Self.twoByteSymbols.contains(pair) {
                advance()
                advance()
                let value = pair == "!=" ? "<>" : (pair == "==" ? "=" : pair)
                return SQLToken(kind: .symbol, value: value, raw: pair, position: start)
            }
        }
        let byte = bytes[offset]
        guard Self.oneByteSymbols.contains(byte), byte != UInt8(ascii: ":") else {
            throw .invalidInput("\(start): unexpected character '\(Self.character(at: offset, in: bytes))'")
        }
        advance()
        let raw = String(decoding: [byte], as: UTF8.self)
        return SQLToken(kind: .symbol, value: raw, raw: raw, position: start)
    }

    /// The whole (possibly multi-byte) character starting at `index`, for messages.
    private static func character(at index: Int, in bytes: [UInt8]) -> String {
        var end = index + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        return String(decoding: bytes[index..<end], as: UTF8.self)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    /// ASCII letters and `_`; other names need double quotes.
    private static func isWordStart(_ byte: UInt8) -> Bool {
        (byte | 0x20 >= 97 && byte | 0x20 <= 122) || byte == 95
    }

    private static func isWordPart(_ byte: UInt8) -> Bool { isWordStart(byte) || isDigit(byte) }
}
