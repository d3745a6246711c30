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
}
