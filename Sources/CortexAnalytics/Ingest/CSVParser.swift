import CortexCore

/// The per-thread CSV field parser behind ``CSVLoader``.
struct CSVParser {
    struct Failure: Sendable {
        /// Line within the piece (0-based).
        let line: Int
        let message: String
    }

    struct Piece: Sendable {
        let columns: [ColumnVector]
        let rowCount: Int
        let failure: Failure?
    }

    let schema: TableSchema
    /// CSV field index → schema column index.
    let mapping: [Int]
    let dictionaries: [StringDictionary?]
    private var interners: [ByteStringInterner?]
    private var ints: [ContiguousArray<Int64>] = []
    private var doubles: [ContiguousArray<Double>] = []
    private var codes: [ContiguousArray<Int32>] = []
    private var validity: [ContiguousArray<Bool>?] = []
    private var rowCount = 0
    private var scratch: [UInt8] = []

    init(schema: TableSchema, mapping: [Int], dictionaries: [StringDictionary?]) {
        self.schema = schema
        self.mapping = mapping
        self.dictionaries = dictionaries
        interners = dictionaries.map { $0.map(ByteStringInterner.init) }
    }

    static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")

    /// The index of the first `\n` at or after `from`, or nil.
    static func lineEnd(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        var index = from
        while index < bytes.count {
            if unsafe bytes[index] == newline { return index }
            index += 1
        }
        return bytes.count > from ? bytes.count : nil
    }

    /// Splits `bytes[from...]` into ranges of about `targetByteCount` ending at line breaks.
    static func pieces(_ bytes: UnsafeRawBufferPointer, from: Int, targetByteCount: Int) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        var start = from
        while start < bytes.count {
            var end = min(start + targetByteCount, bytes.count)
            while end < bytes.count, unsafe bytes[end - 1] != newline { end += 1 }
            pieces.append(start..<end)
            start = end
        }
        return pieces
    }

    /// Maps header fields to schema columns.
    static func headerMapping(_ header: UnsafeRawBufferPointer, schema: TableSchema, path: String) throws(CortexError) -> [Int] {
        var text = unsafe String(decoding: header, as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
        var mapping: [Int] = []
        for field in text.split(separator: ",", omittingEmptySubsequences: false) {
            var name = field.trimmingPrefix(" ")
            if name.hasPrefix("\"") && name.hasSuffix("\"") && name.count >= 2 { name = name.dropFirst().dropLast() }
            guard let column = schema.columnIndex(named: String(name)) else {
                throw .invalidInput("\(path): header names column '\(name)', which table \(schema.name) does not have")
            }
            guard !mapping.contains(column) else { throw .invalidInput("\(path): header names column '\(name)' twice") }
            mapping.append(column)
        }
        for (index, column) in schema.columns.enumerated() where !column.isNullable && !mapping.contains(index) {
            throw .invalidInput("\(path): header lacks NOT NULL column '\(column.name)'")
        }
        return mapping
    }

    /// Parses whole lines of `bytes`.
    mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(CortexError) -> Piece {
        let estimate = bytes.count / 64 + 16
        ints = schema.columns.map { column in
            var values = ContiguousArray<Int64>()
            if column.type.isIntegerLike { values.reserveCapacity(estimate) }
            return values
        }
        doubles = schema.columns.map { column in
            var values = ContiguousArray<Double>()
            if column.type == .float64 { values.reserveCapacity(estimate) }
            return values
        }
        codes = schema.columns.map { column in
            var values = ContiguousArray<Int32>()
            if column.type == .string { values.reserveCapacity(estimate) }
            return values
        }
        validity = Array(repeating: nil, count: schema.columns.count)
        rowCount = 0
        let present = Set(mapping)
        let absent = schema.columns.indices.filter { !present.contains($0) }
        var position = 0
        while position < bytes.count {
            var field = 0
            var rowDone = false
            while !rowDone {
                guard field < mapping.count else { return failed("more fields than the header's \(mapping.count)") }
                let column = mapping[field]
                var end = position
                var ok = true
                if position < bytes.count, unsafe bytes[position] == Self.quote {
                    // Quoted: find the closing quote, unescaping "" into scratch.
                    scratch.removeAll(keepingCapacity: true)
                    var index = position + 1
                    var closed = false
                    while index < bytes.count {
                        let byte = unsafe bytes[index]
                        if byte == Self.quote {
                            if index + 1 < bytes.count, unsafe bytes[index + 1] == Self.quote {
                                scratch.append(Self.quote)
                                index += 2
                                continue
                            }
                            closed = true
                            index += 1
                            break
                        }
                        scratch.append(byte)
                        index += 1
                    }
                    guard closed else { return failed("unterminated quoted field in column \(schema.columns[column].name)") }
                    end = index
                    ok = unsafe scratch.withUnsafeBytes { raw in unsafe store(raw, column: column, quoted: true) }
                } else {
                    while end < bytes.count, unsafe bytes[end] != Self.comma, unsafe bytes[end] != Self.newline { end += 1 }
                    var fieldEnd = end
                    if fieldEnd > position, unsafe bytes[fieldEnd - 1] == Self.carriageReturn { fieldEnd -= 1 }
                    ok = unsafe store(UnsafeRawBufferPointer(rebasing: bytes[position..<fieldEnd]), column: column, quoted: false)
                }
                guard ok else {
                    let text = unsafe String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<min(end, position + 40)]), as: UTF8.self)
                    return failed("column \(schema.columns[column].name): '\(text)' is not a valid \(schema.columns[column].type.rawValue)")
                }
                field += 1
                if end >= bytes.count || (unsafe bytes[end]) == Self.newline {
                    rowDone = true
                } else if unsafe bytes[end] == Self.carriageReturn, end + 1 < bytes.count, unsafe bytes[end + 1] == Self.newline {
                    end += 1
                    rowDone = true
                } else if unsafe bytes[end] != Self.comma {
                    return failed("unexpected character after a quoted field in column \(schema.columns[column].name)")
                }
                position = end + 1
            }
            guard field == mapping.count else { return failed("\(field) fields; the header has \(mapping.count)") }
            for column in absent { appendNull(column) }
            rowCount += 1
        }
        return Piece(columns: finish(), rowCount: rowCount, failure: nil)
    }

    private func failed(_ message: String) -> Piece {
        Piece(columns: [], rowCount: rowCount, failure: Failure(line: rowCount, message: message))
    }

    private mutating func finish() -> [ColumnVector] {
        schema.columns.indices.map { column in
            switch schema.columns[column].type {
            case .float64: ColumnVector(.float64(doubles[column]), validity: validity[column])
            case .string: ColumnVector(.string(codes[column], dictionaries[column]!), validity: validity[column])
            default: ColumnVector(.int64(ints[column]), validity: validity[column])
            }
        }
    }

    private mutating func appendNull(_ column: Int) {
        if validity[column] == nil { validity[column] = ContiguousArray(repeating: true, count: rowCount) }
        validity[column]!.append(false)
        switch schema.columns[column].type {
        case .float64: doubles[column].append(0)
        case .string:
            if dictionaries[column]!.count == 0 { _ = dictionaries[column]!.code(for: "") }
            codes[column].append(0)
        default: ints[column].append(0)
        }
    }

    /// Parses one field into its column; false when it is malformed.
    private mutating func store(_ field: UnsafeRawBufferPointer, column: Int, quoted: Bool) -> Bool {
        if unsafe field.isEmpty && !quoted {
            appendNull(column)
            return true
        }
        if validity[column] != nil { validity[column]!.append(true) }
        switch schema.columns[column].type {
        case .float64:
            guard let parsed = unsafe Self.parseDouble(field) else { return false }
            doubles[column].append(parsed)
        case .string:
            guard field.count <= AnalyticsLimits.stringByteCountMax else { return false }
            codes[column].append(unsafe interners[column]!.code(for: field))
        case .bool:
            guard let parsed = unsafe Self.parseBool(field) else { return false }
            ints[column].append(parsed)
        default:
            guard let parsed = unsafe Self.parseInt(field) else { return false }
            ints[column].append(parsed)
        }
        return true
    }

    static func parseInt(_ field: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        var negative = false
        if unsafe field[0] == UInt8(ascii: "-") || field[0] == UInt8(ascii: "+") {
            negative = unsafe field[0] == UInt8(ascii: "-")
            index = 1
        }
        guard index < field.count else { return nil }
        var value: Int64 = 0
        while index < field.count {
            let digit = unsafe Int64(field[index]) - 48
            guard digit >= 0 && digit <= 9 else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            index += 1
        }
        return value
    }

    static func parseBool(_ field: UnsafeRawBufferPointer) -> Int64? {
        switch unsafe field.first.map({ $0 | 0x20 }) {
        case UInt8(ascii: "t"), UInt8(ascii: "1"): return 1
        case UInt8(ascii: "f"), UInt8(ascii: "0"): return 0
        default: return nil
        }
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Decimal text to Double. Mantissas up to 2^53 with at most 22 fraction
    /// digits are exact and correctly rounded (one IEEE division, Clinger's fast
    /// path); anything else goes through the standard library parser.
    static func parseDouble(_ field: UnsafeRawBufferPointer) -> Double? {
        var index = 0
        var negative = false
        if unsafe field[0] == UInt8(ascii: "-") || field[0] == UInt8(ascii: "+") {
            negative = unsafe field[0] == UInt8(ascii: "-")
            index = 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = 0
        var seenPoint = false
        while index < field.count {
            let byte = unsafe field[index]
            if byte == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else if byte >= 48 && byte <= 57 {
                if digits < 19 { mantissa = mantissa * 10 + UInt64(byte - 48) } else { return unsafe slowDouble(field) }
                digits += 1
                if seenPoint { fraction += 1 }
            } else {
                return unsafe slowDouble(field)
            }
            index += 1
        }
        guard digits > 0 else { return nil }
        guard mantissa <= 1 << 53, fraction <= 22 else { return unsafe slowDouble(field) }
        let value = Double(mantissa) / powersOfTen[fraction]
        return negative ? -value : value
    }

    private static func slowDouble(_ field: UnsafeRawBufferPointer) -> Double? {
        Double(unsafe String(decoding: field, as: UTF8.self))
    }
}
