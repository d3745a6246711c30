import CColumnKernels
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
    /// How each CSV field is parsed (by its column's type).
    private let kinds: [FieldKind]
    /// Schema columns the header does not name: NULL in every row.
    private let absent: [Int]
    /// Output buffers, reused from piece to piece (grown, never shrunk).
    private let output: ParsedColumns
    private var scratch: [UInt8] = []

    enum FieldKind {
        case integer, boolean, float, string
    }

    init(schema: TableSchema, mapping: [Int], dictionaries: [StringDictionary?]) {
        self.schema = schema
        self.mapping = mapping
        self.dictionaries = dictionaries
        interners = dictionaries.map { $0.map(ByteStringInterner.init) }
        kinds = mapping.map { column in
            switch schema.columns[column].type {
            case .float64: .float
            case .string: .string
            case .bool: .boolean
            default: .integer
            }
        }
        let present = Set(mapping)
        absent = schema.columns.indices.filter { !present.contains($0) }
        output = ParsedColumns(types: schema.columns.map(\.type))
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
    ///
    /// The hot loop writes straight into raw column buffers sized from the
    /// piece's line count (no per-value growth or uniqueness checks); the
    /// columns are copied into arrays once at the end.
    mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(CortexError) -> Piece {
        let end = bytes.count
        let rowCapacity = unsafe cc_count_byte(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), end, Self.newline) + 1
        output.prepare(rowCapacity: rowCapacity)
        let columns = unsafe output.columns
        let fieldCount = mapping.count
        var row = 0
        var position = 0
        while position < end {
            var field = 0
            while true {
                guard field < fieldCount else { return failed(row, "more fields than the header's \(fieldCount)") }
                let column = mapping[field]
                var start = position, stop = position, next = position
                var quoted = false
                var escaped = false
                if unsafe bytes[position] == Self.quote {
                    // Quoted: the value runs to the next quote unless that quote is doubled ("" for ").
                    quoted = true
                    let index = unsafe Self.firstQuote(bytes, from: position + 1)
                    guard index < end else { return failed(row, "unterminated quoted field in column \(schema.columns[column].name)") }
                    if index + 1 < end, unsafe bytes[index + 1] == Self.quote {
                        escaped = true
                        guard let closing = unsafe unescape(bytes, from: position + 1) else {
                            return failed(row, "unterminated quoted field in column \(schema.columns[column].name)")
                        }
                        next = closing + 1
                    } else {
                        start = position + 1
                        stop = index
                        next = index + 1
                    }
                } else {
                    let index = unsafe Self.fieldEnd(bytes, from: position)
                    stop = index
                    next = index
                    if stop > position, unsafe bytes[stop - 1] == Self.carriageReturn { stop -= 1 }
                }
                let ok: Bool
                if escaped {
                    ok = unsafe scratch.withUnsafeBytes { raw in unsafe store(raw, readable: raw.count, field: field, column: column, row: row, columns: columns) }
                } else if stop == start && !quoted {
                    unsafe columns[column].setNull(row: row)
                    ok = true
                } else {
                    ok = unsafe store(
                        UnsafeRawBufferPointer(rebasing: bytes[start..<stop]), readable: end - start, field: field, column: column, row: row,
                        columns: columns)
                }
                guard ok else {
                    let text = unsafe String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<min(max(next, position), position + 40)]), as: UTF8.self)
                    return failed(row, "column \(schema.columns[column].name): '\(text)' is not a valid \(schema.columns[column].type.rawValue)")
                }
                field += 1
                if next >= end || (unsafe bytes[next]) == Self.newline {
                    position = next + 1
                    break
                }
                if unsafe bytes[next] == Self.carriageReturn, next + 1 < end, unsafe bytes[next + 1] == Self.newline {
                    position = next + 2
                    break
                }
                guard unsafe bytes[next] == Self.comma else {
                    return failed(row, "unexpected character after a quoted field in column \(schema.columns[column].name)")
                }
                position = next + 1
            }
            guard field == fieldCount else { return failed(row, "\(field) fields; the header has \(fieldCount)") }
            row += 1
        }
        // A NULL string is code 0, so a dictionary that is still empty gets "" as its code 0 (once
        // per piece for columns with a NULL, not once per NULL: the dictionary takes a lock).
        for column in schema.columns.indices where schema.columns[column].type == .string {
            let hasNull = unsafe absent.contains(column) || columns[column].validity != nil
            if hasNull, dictionaries[column]!.count == 0 { _ = dictionaries[column]!.code(for: "") }
        }
        return Piece(columns: output.finish(rowCount: row, absent: absent, dictionaries: dictionaries), rowCount: row, failure: nil)
    }

    private func failed(_ row: Int, _ message: String) -> Piece {
        Piece(columns: [], rowCount: row, failure: Failure(line: row, message: message))
    }

    /// Copies the quoted value starting at `from` (just past its opening quote) into `scratch`,
    /// turning each doubled quote into one; returns the index of the closing quote, or nil.
    private mutating func unescape(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        scratch.removeAll(keepingCapacity: true)
        var index = from
        while index < bytes.count {
            let byte = unsafe bytes[index]
            if byte == Self.quote {
                guard index + 1 < bytes.count, unsafe bytes[index + 1] == Self.quote else { return index }
                scratch.append(Self.quote)
                index += 2
                continue
            }
            scratch.append(byte)
            index += 1
        }
        return nil
    }

    /// Parses one non-NULL field into row `row` of its column; false when it is malformed.
    /// `readable`: bytes that may be read from the field's start (at least its length).
    private mutating func store(
        _ value: UnsafeRawBufferPointer, readable: Int, field: Int, column: Int, row: Int, columns: UnsafeMutableBufferPointer<ParsedColumns.Column>
    ) -> Bool {
        switch kinds[field] {
        case .integer:
            guard let parsed = unsafe Self.parseInt(value, readable: readable) else { return false }
            unsafe columns[column].words[row] = parsed
        case .float:
            guard let parsed = unsafe Self.parseDouble(value) else { return false }
            unsafe columns[column].words[row] = Int64(bitPattern: parsed.bitPattern)
        case .string:
            guard value.count <= AnalyticsLimits.stringByteCountMax else { return false }
            unsafe columns[column].codes[row] = unsafe interners[column]!.code(for: value, readable: readable)
        case .boolean:
            guard let parsed = unsafe Self.parseBool(value) else { return false }
            unsafe columns[column].words[row] = parsed
        }
        return true
    }

    // MARK: Word-at-a-time scanning

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The high bit of each zero byte of `x` set; bits above the lowest zero byte may be spurious
    /// (a borrow), the lowest set bit is exact.
    @inline(__always)
    private static func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highBits }

    /// The index of the first `,` or `\n` at or after `from`, or `bytes.count`: eight bytes per step.
    @inline(__always)
    static func fieldEnd(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int {
        var index = from
        let end = bytes.count
        while index + 8 <= end {
            // In bounds: index + 8 <= bytes.count.
            let word = UInt64(littleEndian: unsafe bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let hits = zeroBytes(word ^ (ones &* UInt64(comma))) | zeroBytes(word ^ (ones &* UInt64(newline)))
            if hits != 0 { return index + hits.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < end, unsafe bytes[index] != comma, unsafe bytes[index] != newline { index += 1 }
        return index
    }

    /// The index of the first `"` at or after `from`, or `bytes.count`.
    @inline(__always)
    static func firstQuote(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int {
        var index = from
        let end = bytes.count
        while index + 8 <= end {
            // In bounds: index + 8 <= bytes.count.
            let word = UInt64(littleEndian: unsafe bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let hits = zeroBytes(word ^ (ones &* UInt64(quote)))
            if hits != 0 { return index + hits.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < end, unsafe bytes[index] != quote { index += 1 }
        return index
    }

    /// The value of eight ASCII digits (the first byte the most significant), or nil when a byte is
    /// not a digit: three multiply-and-shift steps instead of eight dependent multiply-adds.
    @inline(__always)
    static func eightDigits(_ word: UInt64) -> UInt64? {
        let zeros = ones &* 0x30
        // Every byte 0x30…0x39: its high nibble is 3, and adding 6 keeps it 3.
        guard word & (ones &* 0xF0) == zeros, (word &+ ones &* 0x06) & (ones &* 0xF0) == zeros else { return nil }
        var value = word &- zeros
        value = (value &* 10 &+ (value >> 8)) & 0x00FF_00FF_00FF_00FF
        value = (value &* 100 &+ (value >> 16)) & 0x0000_FFFF_0000_FFFF
        return (value &* 10_000 &+ (value >> 32)) & 0xFFFF_FFFF
    }

    /// The value of the digits `field[from...]` when there are 8 to 18 of them and `field` holds at
    /// least 8 bytes: whole words of eight digits, then the last 8 bytes with the ones already read
    /// replaced by '0'. Nil when a byte is not a digit.
    @inline(__always)
    static func wordDigits(_ field: UnsafeRawBufferPointer, from: Int) -> UInt64? {
        var value: UInt64 = 0
        var index = from
        while field.count - index >= 8 {
            // In bounds: index + 8 <= field.count.
            guard let chunk = eightDigits(UInt64(littleEndian: unsafe field.loadUnaligned(fromByteOffset: index, as: UInt64.self))) else { return nil }
            value = value &* 100_000_000 &+ chunk
            index += 8
        }
        let rest = field.count - index
        guard rest > 0 else { return value }
        // In bounds: field.count >= 8. The low 8 - rest bytes were read above (or are the sign).
        let word = UInt64(littleEndian: unsafe field.loadUnaligned(fromByteOffset: field.count - 8, as: UInt64.self))
        let readBits = UInt64(8 - rest) * 8
        let mask: UInt64 = (1 << readBits) &- 1
        guard let tail = eightDigits((word & ~mask) | (ones &* 0x30 & mask)) else { return nil }
        var scale: UInt64 = 1
        for _ in 0..<rest { scale &*= 10 }
        return value &* scale &+ tail
    }

    /// Decimal text to Int64; nil when it is not a valid integer or does not fit.
    ///
    /// `readable`: bytes that may be read from the field's start (at least `field.count`). When a
    /// short number has eight readable bytes it is read as one word: the bytes past the field are
    /// shifted out and leading '0's shifted in (no loop whose exit depends on the length).
    static func parseInt(_ field: UnsafeRawBufferPointer, readable: Int) -> Int64? {
        precondition(readable >= field.count, "readable bytes \(readable) < field length \(field.count)")
        var index = 0
        var negative = false
        if unsafe field[0] == UInt8(ascii: "-") || field[0] == UInt8(ascii: "+") {
            negative = unsafe field[0] == UInt8(ascii: "-")
            index = 1
        }
        guard index < field.count else { return nil }
        if field.count - index <= 8, index + 8 <= readable {
            // In bounds: index + 8 <= readable bytes from the field's start.
            let word = UInt64(littleEndian: unsafe field.baseAddress!.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let shift = UInt64(8 - (field.count - index)) * 8
            guard let digits = eightDigits((word << shift) | (ones &* 0x30 & ((1 << shift) &- 1))) else { return nil }
            return negative ? -Int64(digits) : Int64(digits)
        }
        var value: Int64 = 0
        if field.count - index <= 18 {
            // At most 18 digits cannot overflow: no checks but the digits'.
            if field.count - index >= 8 {
                guard let digits = unsafe wordDigits(field, from: index) else { return nil }
                return negative ? -Int64(digits) : Int64(digits)
            }
            var invalid = false
            while index < field.count {
                let digit = unsafe Int64(field[index]) &- 48
                invalid = invalid || UInt64(bitPattern: digit) > 9
                value = value &* 10 &+ digit
                index += 1
            }
            return invalid ? nil : negative ? -value : value
        }
        if field.count - index == 19, unsafe field[index] <= UInt8(ascii: "8") {
            // 19 digits starting with 0…8 stay below 9·10^18 < 2^63: the word path, checked.
            let lead = unsafe Int64(field[index]) &- 48
            guard lead >= 0, let digits = unsafe wordDigits(field, from: index + 1) else { return nil }
            let magnitude = lead &* 1_000_000_000_000_000_000 &+ Int64(digits)
            return negative ? -magnitude : magnitude
        }
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

/// The raw per-column output of ``CSVParser``: a buffer of 8-byte words
/// (integers, booleans, float bit patterns) or of 4-byte dictionary codes per
/// column, and a validity byte per row once the column has a NULL.
@safe final class ParsedColumns {
    @safe struct Column {
        /// `capacity` words (non-string columns) or codes (string columns), as raw memory.
        var values: UnsafeMutableRawPointer
        /// 1 = value, 0 = NULL; nil while the piece has no NULL in this column.
        var validity: UnsafeMutablePointer<UInt8>?
        let capacity: Int
        let width: Int

        init(capacity: Int, width: Int) {
            precondition(width == 4 || width == 8, "column width \(width)")
            let raw = UnsafeMutableRawPointer.allocate(byteCount: max(capacity, 1) * width, alignment: 8)
            // Bound once to the type the parser writes: Int64 words or Int32 codes.
            if width == 8 { _ = unsafe raw.bindMemory(to: Int64.self, capacity: max(capacity, 1)) } else {
                _ = unsafe raw.bindMemory(to: Int32.self, capacity: max(capacity, 1))
            }
            unsafe values = raw
            unsafe validity = nil
            self.capacity = capacity
            self.width = width
        }

        var words: UnsafeMutablePointer<Int64> { unsafe values.assumingMemoryBound(to: Int64.self) }
        var codes: UnsafeMutablePointer<Int32> { unsafe values.assumingMemoryBound(to: Int32.self) }

        /// Marks `row` NULL (its value slot is zeroed), creating the validity bytes on the first NULL.
        mutating func setNull(row: Int) {
            if unsafe validity == nil {
                let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
                unsafe bytes.initialize(repeating: 1, count: capacity)
                unsafe validity = bytes
            }
            // In bounds: the caller's row is below the capacity it prepared.
            unsafe validity![row] = 0
            if width == 8 { unsafe words[row] = 0 } else { unsafe codes[row] = 0 }
        }

        func release() {
            unsafe values.deallocate()
            unsafe validity?.deallocate()
        }
    }

    private let types: [ColumnType]
    private(set) var columns: UnsafeMutableBufferPointer<Column>

    init(types: [ColumnType]) {
        self.types = types
        unsafe columns = UnsafeMutableBufferPointer<Column>.allocate(capacity: types.count)
        for (index, type) in types.enumerated() {
            unsafe columns.initializeElement(at: index, to: Column(capacity: 0, width: type == .string ? 4 : 8))
        }
    }

    deinit {
        for index in types.indices { unsafe columns[index].release() }
        unsafe columns.deallocate()
    }

    /// Makes room for `rowCapacity` rows in every column and forgets the last piece's NULLs.
    func prepare(rowCapacity: Int) {
        for index in types.indices {
            let column = unsafe columns[index]
            if column.capacity < rowCapacity {
                column.release()
                // Some headroom so slightly longer pieces reuse the buffers.
                unsafe columns[index] = Column(capacity: rowCapacity + rowCapacity / 8, width: column.width)
            } else if let validity = unsafe column.validity {
                unsafe validity.deallocate()
                unsafe columns[index].validity = nil
            }
        }
    }

    /// The first `rowCount` rows as column vectors (copied out; the buffers stay for the next piece).
    func finish(rowCount: Int, absent: [Int], dictionaries: [StringDictionary?]) -> [ColumnVector] {
        types.indices.map { index in
            let column = unsafe columns[index]
            if absent.contains(index) {
                let validity = ContiguousArray(repeating: false, count: rowCount)
                switch types[index] {
                case .string: return ColumnVector(.string(ContiguousArray(repeating: 0, count: rowCount), dictionaries[index]!), validity: validity)
                case .float64: return ColumnVector(.float64(ContiguousArray(repeating: 0, count: rowCount)), validity: validity)
                default: return ColumnVector(.int64(ContiguousArray(repeating: 0, count: rowCount)), validity: validity)
                }
            }
            // Validity bytes are 0 or 1, the representation of Bool; float slots hold Double bit patterns.
            let validity = unsafe column.validity.map { bytes in unsafe Self.copy(UnsafeRawPointer(bytes), rowCount, as: Bool.self) }
            switch types[index] {
            case .string:
                return ColumnVector(.string(unsafe Self.copy(column.values, rowCount, as: Int32.self), dictionaries[index]!), validity: validity)
            case .float64:
                return ColumnVector(.float64(unsafe Self.copy(column.values, rowCount, as: Double.self)), validity: validity)
            default:
                return ColumnVector(.int64(unsafe Self.copy(column.values, rowCount, as: Int64.self)), validity: validity)
            }
        }
    }

    private static func copy<Element: BitwiseCopyable>(_ source: UnsafeRawPointer, _ count: Int, as: Element.Type) -> ContiguousArray<Element> {
        unsafe ContiguousArray(unsafeUninitializedCapacity: count) { buffer, initialized in
            unsafe UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: source, byteCount: count * MemoryLayout<Element>.stride)
            initialized = count
        }
    }
}
