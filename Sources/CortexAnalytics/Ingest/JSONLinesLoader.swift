public import CortexCore

/// Reads JSON Lines files (one flat object per line: column name → value)
/// into column batches for a table: the row-oriented bulk path.
///
/// Numbers without fraction or exponent are integers; strings, booleans and
/// null as usual; nested arrays or objects are an error. Values convert to the
/// column types as ``RowBatchBuilder`` documents.
public enum JSONLinesLoader {
    /// Loads `path`, delivering batches of at most `batchRowCount` rows in file order.
    ///
    /// - Returns: the number of rows read.
    /// - Throws: `.invalidInput` naming the line of the first malformed object or value.
    public static func load(
        path: String, schema: TableSchema, dictionaries: [StringDictionary?], batchRowCount: Int = 1 << 18,
        progress: ((Int, Int) -> Void)? = nil, _ body: ([ColumnVector]) throws(CortexError) -> Void
    ) throws(CortexError) -> Int {
        let file = try MappedFile(path: path)
        let bytes = unsafe file.bytes
        var builder = RowBatchBuilder(schema: schema, dictionaries: dictionaries)
        var line = 0
        var total = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, unsafe bytes[end] != 10 { end += 1 }
            line += 1
            let text = unsafe Array(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
            start = end + 1
            if text.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            do throws(CortexError) {
                var parser = FlatJSONParser(bytes: text)
                try builder.append(try parser.parseObject())
            } catch {
                throw .invalidInput("\(path): line \(line): \(error.message)")
            }
            total += 1
            if builder.rowCount >= batchRowCount {
                try body(builder.take())
                progress?(start, bytes.count)
            }
        }
        if builder.rowCount > 0 { try body(builder.take()) }
        progress?(bytes.count, bytes.count)
        return total
    }
}

/// Parses one flat JSON object (RFC 8259) into (key, value) pairs.
struct FlatJSONParser {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    private func failure(_ message: String) -> CortexError { .invalidInput("\(message) at byte \(index + 1)") }

    private mutating func skipSpace() {
        while index < bytes.count, [32, 9, 13, 10].contains(bytes[index]) { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws(CortexError) {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { throw failure("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    mutating func parseObject() throws(CortexError) -> [(String, IngestValue)] {
        try expect(123)  // {
        var pairs: [(String, IngestValue)] = []
        skipSpace()
        if index < bytes.count, bytes[index] == 125 {
            index += 1
        } else {
            while true {
                skipSpace()
                let key = try parseString()
                try expect(58)  // :
                pairs.append((key, try parseValue()))
                skipSpace()
                guard index < bytes.count else { throw failure("unterminated object") }
                if bytes[index] == 44 { index += 1; continue }
                if bytes[index] == 125 { index += 1; break }
                throw failure("expected ',' or '}'")
            }
        }
        skipSpace()
        guard index == bytes.count else { throw failure("unexpected text after the object") }
        return pairs
    }

    private mutating func parseValue() throws(CortexError) -> IngestValue {
        skipSpace()
        guard index < bytes.count else { throw failure("expected a value") }
        switch bytes[index] {
        case 34: return .string(try parseString())
        case 116: try literal("true"); return .bool(true)
        case 102: try literal("false"); return .bool(false)
        case 110: try literal("null"); return .null
        case 45, 48...57: return try parseNumber()
        case 91, 123: throw failure("nested arrays and objects are not supported")
        default: throw failure("expected a value")
        }
    }

    private mutating func literal(_ word: String) throws(CortexError) {
        let expected = Array(word.utf8)
        guard index + expected.count <= bytes.count, Array(bytes[index..<(index + expected.count)]) == expected else {
            throw failure("expected \(word)")
        }
        index += expected.count
    }

    private mutating func parseNumber() throws(CortexError) -> IngestValue {
        let start = index
        var isInteger = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 46 || byte == 101 || byte == 69 { isInteger = false } else if !(byte == 45 || byte == 43 || (48...57).contains(byte)) { break }
            index += 1
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text), value.isFinite else { throw failure("malformed number '\(text)'") }
        return .double(value)
    }

    private mutating func parseString() throws(CortexError) -> String {
        guard index < bytes.count, bytes[index] == 34 else { throw failure("expected a string") }
        index += 1
        var scalars: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == 34 {
                guard let string = String(validating: scalars, as: UTF8.self) else { throw failure("invalid UTF-8 in a string") }
                return string
            }
            if byte == 92 {
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case 34, 92, 47: scalars.append(escape)
                case 98: scalars.append(8)
                case 102: scalars.append(12)
                case 110: scalars.append(10)
                case 114: scalars.append(13)
                case 116: scalars.append(9)
                case 117:
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), index + 6 <= bytes.count, bytes[index] == 92, bytes[index + 1] == 117 {
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw failure("invalid surrogate pair") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw failure("invalid \\u escape") }
                    scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw failure("invalid escape")
                }
            } else {
                guard byte >= 32 else { throw failure("control character in a string") }
                scalars.append(byte)
            }
        }
        throw failure("unterminated string")
    }

    private mutating func hex4() throws(CortexError) -> UInt32 {
        guard index + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else {
            throw failure("invalid \\u escape")
        }
        index += 4
        return value
    }
}
