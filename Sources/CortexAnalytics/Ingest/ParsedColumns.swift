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
