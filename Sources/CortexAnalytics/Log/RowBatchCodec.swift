import CortexCore

/// The byte form of a batch of rows in the append log (docs/analytics-format.md,
/// "Row batch"). Self-contained: strings travel as text, so a batch decodes into
/// any dictionary.
///
/// Layout, little-endian: `u32 rowCount`, `u16 columnCount`, then per column
/// `u8 kind` (0 int64, 1 float64, 2 string), `u8 hasNulls`, the validity bitmap
/// when `hasNulls` (⌈rowCount/8⌉ bytes, bit i set = row i present), then values:
/// int64/float64 as `rowCount × 8` bytes; strings as `u32 distinctCount`, each
/// distinct string as `u32 byteCount` + UTF-8, then `rowCount × u32` indexes
/// into those strings (0 for null rows).
enum RowBatchCodec {
    static func encode(_ columns: [ColumnVector]) -> [UInt8] {
        precondition(1.littleEndian == 1, "the row batch codec copies memory and assumes a little-endian platform")
        let rowCount = columns.first?.count ?? 0
        var bytes: [UInt8] = []
        bytes.reserveCapacity(6 + columns.count * (2 + rowCount * 8 + rowCount / 8 + 16))
        func fixed<T: FixedWidthInteger>(_ value: T) {
            var little = value.littleEndian
            unsafe withUnsafeBytes(of: &little) { unsafe bytes.append(contentsOf: $0) }
        }
        fixed(UInt32(rowCount))
        fixed(UInt16(columns.count))
        for column in columns {
            switch column.values {
            case .int64: bytes.append(0)
            case .float64: bytes.append(1)
            case .string: bytes.append(2)
            }
            if let validity = column.validity {
                bytes.append(1)
                var bitmap = [UInt8](repeating: 0, count: (rowCount + 7) / 8)
                for (row, present) in validity.enumerated() where present { bitmap[row >> 3] |= 1 << UInt8(row & 7) }
                bytes.append(contentsOf: bitmap)
            } else {
                bytes.append(0)
            }
            switch column.values {
            case .int64(let values):
                // Little-endian platform (checked above): the array's bytes are the wire form.
                unsafe values.withUnsafeBytes { unsafe bytes.append(contentsOf: $0) }
            case .float64(let values):
                unsafe values.withUnsafeBytes { unsafe bytes.append(contentsOf: $0) }
            case .string(let codes, let dictionary):
                var local: [Int32: UInt32] = [:]
                var strings: [String] = []
                var indexes = [UInt32](repeating: 0, count: rowCount)
                for (row, code) in codes.enumerated() where !column.isNull(row) {
                    if let index = local[code] {
                        indexes[row] = index
                    } else {
                        let index = UInt32(strings.count)
                        local[code] = index
                        strings.append(dictionary.string(for: code))
                        indexes[row] = index
                    }
                }
                fixed(UInt32(strings.count))
                for string in strings {
                    fixed(UInt32(string.utf8.count))
                    bytes.append(contentsOf: string.utf8)
                }
                unsafe indexes.withUnsafeBytes { unsafe bytes.append(contentsOf: $0) }
            }
        }
        return bytes
    }

    /// Decodes a batch, coding strings into `dictionaries[column]` (one per string column).
    ///
    /// - Throws: `.corrupt` when the bytes are inconsistent with themselves or with `schema`.
    static func decode(
        _ reader: inout BinaryReader, schema: TableSchema, dictionaries: [StringDictionary?]
    ) throws(CortexError) -> [ColumnVector] {
        let rowCount = Int(try reader.readFixed(UInt32.self))
        let columnCount = Int(try reader.readFixed(UInt16.self))
        guard columnCount == schema.columns.count else {
            throw .corrupt("\(reader.context): batch has \(columnCount) columns, table \(schema.name) has \(schema.columns.count)")
        }
        // Each row needs at least one byte per column, so a huge count in a short record is corrupt.
        guard rowCount <= reader.remainingByteCount else {
            throw .corrupt("\(reader.context): batch claims \(rowCount) rows in \(reader.remainingByteCount) bytes")
        }
        var columns: [ColumnVector] = []
        columns.reserveCapacity(columnCount)
        for (index, schemaColumn) in schema.columns.enumerated() {
            let kind = try reader.readByte()
            let expected: UInt8 = schemaColumn.type == .float64 ? 1 : schemaColumn.type == .string ? 2 : 0
            guard kind == expected else {
                throw .corrupt("\(reader.context): column \(schemaColumn.name) has kind \(kind), expected \(expected)")
            }
            var validity: ContiguousArray<Bool>?
            if try reader.readBool() {
                let bitmap = try reader.readRaw(count: (rowCount + 7) / 8)
                validity = ContiguousArray((0..<rowCount).map { bitmap[$0 >> 3] & (1 << UInt8($0 & 7)) != 0 })
            }
            switch kind {
            case 0:
                let raw = try reader.readRaw(count: rowCount * 8)
                var values = ContiguousArray<Int64>(repeating: 0, count: rowCount)
                unsafe values.withUnsafeMutableBytes { unsafe $0.copyBytes(from: raw) }
                columns.append(ColumnVector(.int64(values), validity: validity))
            case 1:
                let raw = try reader.readRaw(count: rowCount * 8)
                var values = ContiguousArray<Double>(repeating: 0, count: rowCount)
                unsafe values.withUnsafeMutableBytes { unsafe $0.copyBytes(from: raw) }
                columns.append(ColumnVector(.float64(values), validity: validity))
            default:
                guard let dictionary = dictionaries[index] else {
                    throw .corrupt("\(reader.context): no dictionary for string column \(schemaColumn.name)")
                }
                columns.append(ColumnVector(try decodeStrings(&reader, rowCount: rowCount, dictionary: dictionary), validity: validity))
            }
        }
        return columns
    }

    private static func decodeStrings(
        _ reader: inout BinaryReader, rowCount: Int, dictionary: StringDictionary
    ) throws(CortexError) -> ColumnVector.Values {
        let distinctCount = Int(try reader.readFixed(UInt32.self))
        guard distinctCount <= reader.remainingByteCount / 4 else {
            throw .corrupt("\(reader.context): \(distinctCount) distinct strings in \(reader.remainingByteCount) bytes")
        }
        var codes: [Int32] = []
        codes.reserveCapacity(distinctCount)
        for _ in 0..<distinctCount {
            let byteCount = Int(try reader.readFixed(UInt32.self))
            let raw = try reader.readRaw(count: byteCount)
            guard let string = String(validating: raw, as: UTF8.self) else {
                throw .corrupt("\(reader.context): a string is not valid UTF-8")
            }
            codes.append(dictionary.code(for: string))
        }
        var values = ContiguousArray<Int32>()
        values.reserveCapacity(rowCount)
        for _ in 0..<rowCount {
            let index = Int(try reader.readFixed(UInt32.self))
            guard index < max(distinctCount, 1) else {
                throw .corrupt("\(reader.context): string index \(index) out of \(distinctCount)")
            }
            values.append(distinctCount == 0 ? 0 : codes[index])
        }
        if distinctCount == 0 && rowCount > 0 {
            // Only null rows: code 0 must exist in the dictionary for the vector to be valid.
            let empty = dictionary.code(for: "")
            for row in 0..<rowCount { values[row] = empty }
        }
        return .string(values, dictionary)
    }
}
