extension ColumnVector {
    /// The rows at `rows` (in that order). Precondition: every index is a row of this vector.
    /// The result has no validity when every gathered row is non-null, so later loops take
    /// their no-null paths (a filter often keeps exactly the rows where a column is set).
    public func gathering(_ rows: ContiguousArray<Int32>) -> ColumnVector {
        // Bounds checked once for all rows (a loop the compiler vectorises); the copies are unchecked.
        var lowest = Int32.max, highest = Int32.min
        for row in rows {
            lowest = min(lowest, row)
            highest = max(highest, row)
        }
        precondition(rows.isEmpty || (lowest >= 0 && Int(highest) < count), "gather index outside \(count) rows")
        let validity = self.validity.flatMap { unsafe Self.gatherValidity($0, rows) }
        switch values {
        case .int64(let values): return ColumnVector(.int64(unsafe Self.gather(values, rows)), validity: validity)
        case .float64(let values): return ColumnVector(.float64(unsafe Self.gather(values, rows)), validity: validity)
        case .string(let codes, let dictionary): return ColumnVector(.string(unsafe Self.gather(codes, rows), dictionary), validity: validity)
        }
    }

    /// `values` at `rows`; the caller has checked every row index.
    @unsafe private static func gather<T>(_ values: ContiguousArray<T>, _ rows: ContiguousArray<Int32>) -> ContiguousArray<T> {
        unsafe ContiguousArray(unsafeUninitializedCapacity: rows.count) { buffer, initialized in
            unsafe values.withUnsafeBufferPointer { source in
                unsafe rows.withUnsafeBufferPointer { rows in
                    // In bounds: the caller checked every row index; index < rows.count == capacity.
                    for index in 0..<rows.count {
                        unsafe (buffer.baseAddress! + index).initialize(to: source[Int(rows[index])])
                    }
                }
            }
            initialized = rows.count
        }
    }

    /// The flags at `rows`, or nil when all of them are set (one pass); the caller has checked
    /// every row index.
    @unsafe private static func gatherValidity(_ flags: ContiguousArray<Bool>, _ rows: ContiguousArray<Int32>) -> ContiguousArray<Bool>? {
        var unset: UInt8 = 0
        let gathered = unsafe flags.withUnsafeBufferPointer { source in
            unsafe rows.withUnsafeBufferPointer { rows in
                unsafe ContiguousArray<Bool>(unsafeUninitializedCapacity: rows.count) { buffer, initialized in
                    // In bounds: as for `gather`.
                    for index in 0..<rows.count {
                        let flag = unsafe source[Int(rows[index])]
                        unsafe (buffer.baseAddress! + index).initialize(to: flag)
                        unset |= flag ? 0 : 1
                    }
                    initialized = rows.count
                }
            }
        }
        return unset == 0 ? nil : gathered
    }

    /// The rows in `range`.
    public func slicing(_ range: Range<Int>) -> ColumnVector {
        let validity = self.validity.map { ContiguousArray($0[range]) }
        switch values {
        case .int64(let values): return ColumnVector(.int64(ContiguousArray(values[range])), validity: validity)
        case .float64(let values): return ColumnVector(.float64(ContiguousArray(values[range])), validity: validity)
        case .string(let codes, let dictionary): return ColumnVector(.string(ContiguousArray(codes[range]), dictionary), validity: validity)
        }
    }

    /// `vectors` one after another (all of the same kind; strings in one dictionary).
    public static func concatenating(_ vectors: [ColumnVector]) -> ColumnVector {
        precondition(!vectors.isEmpty, "nothing to concatenate")
        let total = vectors.reduce(0) { $0 + $1.count }
        var validity: ContiguousArray<Bool>?
        if vectors.contains(where: { $0.validity != nil }) {
            var all = ContiguousArray<Bool>()
            all.reserveCapacity(total)
            for vector in vectors { all.append(contentsOf: vector.validity ?? ContiguousArray(repeating: true, count: vector.count)) }
            validity = all
        }
        switch vectors[0].values {
        case .int64:
            var all = ContiguousArray<Int64>()
            all.reserveCapacity(total)
            for vector in vectors {
                guard case .int64(let values) = vector.values else { preconditionFailure("mixed kinds") }
                all.append(contentsOf: values)
            }
            return ColumnVector(.int64(all), validity: validity)
        case .float64:
            var all = ContiguousArray<Double>()
            all.reserveCapacity(total)
            for vector in vectors {
                guard case .float64(let values) = vector.values else { preconditionFailure("mixed kinds") }
                all.append(contentsOf: values)
            }
            return ColumnVector(.float64(all), validity: validity)
        case .string(_, let dictionary):
            var all = ContiguousArray<Int32>()
            all.reserveCapacity(total)
            for vector in vectors {
                guard case .string(let codes, let other) = vector.values, other === dictionary else { preconditionFailure("mixed dictionaries") }
                all.append(contentsOf: codes)
            }
            return ColumnVector(.string(all, dictionary), validity: validity)
        }
    }
}

