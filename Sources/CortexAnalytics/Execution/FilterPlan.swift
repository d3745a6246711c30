import CortexCore

/// A WHERE clause split into its top-level AND terms, each with the column range that makes it
/// true for every row when one is exact to state (`column op integer constant`).
///
/// Per block, a term whose column's zone map lies inside that range and holds no null is true
/// for every row, so it is neither evaluated nor its column decoded: a time-range filter over
/// blocks wholly inside the range costs nothing. The remaining terms are evaluated one after
/// the other, stopping when no row is left. A row passes when every term is TRUE, which is
/// what WHERE does with the whole conjunction (FALSE or NULL in any term rejects the row).
struct FilterPlan: Sendable {
    struct Term: Sendable {
        let expression: BoundExpression
        /// The term is TRUE for a non-null value of `column` in `lower...upper`.
        let implication: (column: Int, lower: Int64, upper: Int64)?
        /// The term is `string column = 'text'` (either side): blocks may answer it from codes.
        let stringEquality: (column: Int, text: String)?
    }

    let terms: [Term]

    init(_ filter: BoundExpression, schema: TableSchema) {
        var terms: [Term] = []
        for expression in Self.conjuncts(of: filter) {
            let implication = Self.implication(of: expression, schema: schema)
            // Range terms on one column (`ts >= a AND ts < b`) become one term: one pass, one range.
            if let implication, let index = terms.firstIndex(where: { $0.implication?.column == implication.column }),
                let earlier = terms[index].implication
            {
                terms[index] = Term(
                    expression: .logical(.and, terms[index].expression, expression),
                    implication: (implication.column, max(earlier.lower, implication.lower), min(earlier.upper, implication.upper)),
                    stringEquality: nil)
                continue
            }
            terms.append(Term(expression: expression, implication: implication, stringEquality: Self.stringEquality(of: expression)))
        }
        self.terms = terms
    }

    /// The terms of the top-level AND tree of `filter`, left to right.
    static func conjuncts(of filter: BoundExpression) -> [BoundExpression] {
        var expressions: [BoundExpression] = []
        func split(_ expression: BoundExpression) {
            if case .logical(.and, let left, let right) = expression {
                split(left)
                split(right)
            } else {
                expressions.append(expression)
            }
        }
        split(filter)
        return expressions
    }

    /// The exact range of `column op constant` (either side) for an integer-like column and an
    /// integer, timestamp or boolean constant; nil for anything else.
    static func implication(of expression: BoundExpression, schema: TableSchema) -> (column: Int, lower: Int64, upper: Int64)? {
        guard case .comparison(var op, var left, var right) = expression else { return nil }
        if case .constant = left, case .column = right {
            swap(&left, &right)
            op = [.less: .greater, .lessOrEqual: .greaterOrEqual, .greater: .less, .greaterOrEqual: .lessOrEqual][op] ?? op
        }
        guard case .column(let column, _) = left, case .constant(let value, _) = right, schema.columns[column].type.isIntegerLike else {
            return nil
        }
        let bound: Int64
        switch value {
        case .int(let integer), .timestamp(let integer): bound = integer
        case .bool(let flag): bound = flag ? 1 : 0
        default: return nil
        }
        switch op {
        case .equal: return (column, bound, bound)
        case .less: return bound == .min ? nil : (column, .min, bound - 1)
        case .lessOrEqual: return (column, .min, bound)
        case .greater: return bound == .max ? nil : (column, bound + 1, .max)
        case .greaterOrEqual: return (column, bound, .max)
        default: return nil
        }
    }

    /// `column = 'text'` or `'text' = column` for a text column; nil for anything else.
    static func stringEquality(of expression: BoundExpression) -> (column: Int, text: String)? {
        guard case .comparison(.equal, let left, let right) = expression else { return nil }
        switch (left, right) {
        case (.column(let column, .varchar), .constant(.string(let text), _)), (.constant(.string(let text), _), .column(let column, .varchar)):
            return (column, text)
        default:
            return nil
        }
    }

    /// The rows in both ascending lists.
    static func intersect(_ a: ContiguousArray<Int32>, _ b: ContiguousArray<Int32>) -> ContiguousArray<Int32> {
        var result = ContiguousArray<Int32>()
        result.reserveCapacity(min(a.count, b.count))
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] < b[j] {
                i += 1
            } else if b[j] < a[i] {
                j += 1
            } else {
                result.append(a[i])
                i += 1
                j += 1
            }
        }
        return result
    }

    /// The rows of `block` that pass (nil when none do); the selection is nil when all do.
    func select(_ block: any ColumnBlock, evaluator: Evaluator) throws(CortexError) -> EvaluationInput? {
        let rowCount = block.rowCount
        let input = EvaluationInput.block(block, selection: nil)
        // nil: every row passes so far.
        var selection: ContiguousArray<Int32>?
        for term in terms {
            if let implied = term.implication, let bounds = block.integerBounds(implied.column),
                bounds.min >= implied.lower, bounds.max <= implied.upper
            {
                continue
            }
            let narrowed: ContiguousArray<Int32>
            if let (column, text) = term.stringEquality, let rows = try block.rows(whereString: column, equals: text) {
                narrowed = selection.map { Self.intersect($0, rows) } ?? rows
            } else if let implied = term.implication {
                // The term is exactly `lower <= column <= upper` (NULL fails): test the values directly.
                guard implied.lower <= implied.upper else { return nil }
                let vector = try input.column(implied.column)
                guard case .int64(let values) = vector.values else { preconditionFailure("range term on a non-integer column") }
                narrowed = Self.narrow(selection, values: values, validity: vector.validity, lower: implied.lower, upper: implied.upper)
            } else {
                let mask = try evaluator.evaluate(term.expression, input)
                narrowed = Self.narrow(selection, rowCount: rowCount, flags: evaluator.ints(mask), validity: mask.validity)
            }
            if narrowed.isEmpty { return nil }
            selection = narrowed
        }
        guard let selection, selection.count < rowCount else { return input }
        return EvaluationInput.block(block, selection: selection)
    }

    /// The rows of `current` (every row when nil) whose value lies in `lower...upper` (not null).
    static func narrow(
        _ current: ContiguousArray<Int32>?, values: ContiguousArray<Int64>, validity: ContiguousArray<Bool>?, lower: Int64, upper: Int64
    ) -> ContiguousArray<Int32> {
        precondition(lower <= upper && (validity?.count ?? values.count) == values.count, "range narrowing")
        // lower <= v <= upper as one unsigned compare: v - lower wraps past the range's width otherwise.
        let width = UInt64(bitPattern: upper &- lower)
        let rowCount = values.count
        return unsafe ContiguousArray(unsafeUninitializedCapacity: current?.count ?? rowCount) { out, count in
            var kept = 0
            unsafe values.withUnsafeBufferPointer { values in
                unsafe validity.withUnsafeBufferPointerIfPresent { valid in
                    @inline(__always) func passes(_ index: Int) -> Bool {
                        // In bounds: index < rowCount, the length of values and valid.
                        unsafe UInt64(bitPattern: values[index] &- lower) <= width && (valid.map { unsafe $0[index] } ?? true)
                    }
                    // Branch-free: every candidate is written at `kept`, which advances only when it passes.
                    // In bounds: kept <= the candidate's position < out.count.
                    if let current {
                        unsafe current.withUnsafeBufferPointer { rows in
                            for unsafe row in unsafe rows {
                                precondition(Int(row) < rowCount, "selection row \(row) outside \(rowCount)")
                                unsafe out[kept] = row
                                kept &+= passes(Int(row)) ? 1 : 0
                            }
                        }
                    } else {
                        for index in 0..<rowCount {
                            unsafe out[kept] = Int32(truncatingIfNeeded: index)
                            kept &+= passes(index) ? 1 : 0
                        }
                    }
                }
            }
            count = kept
        }
    }

    /// The rows of `current` (every row when nil) whose flag is non-zero and not null.
    static func narrow(_ current: ContiguousArray<Int32>?, rowCount: Int, flags: ContiguousArray<Int64>, validity: ContiguousArray<Bool>?)
        -> ContiguousArray<Int32>
    {
        precondition(flags.count == rowCount && (validity?.count ?? rowCount) == rowCount, "mask of \(flags.count) rows for \(rowCount)")
        let valid = validity ?? ContiguousArray(repeating: true, count: 0)
        let checksValidity = validity != nil
        return unsafe ContiguousArray(unsafeUninitializedCapacity: current?.count ?? rowCount) { out, count in
            var kept = 0
            unsafe flags.withUnsafeBufferPointer { flags in
                unsafe valid.withUnsafeBufferPointer { valid in
                    // Branch-free: every candidate is written at `kept`, which advances only when it passes.
                    // In bounds: kept <= the candidate's position < out.count; rows index flags (< rowCount).
                    if let current {
                        unsafe current.withUnsafeBufferPointer { rows in
                            for unsafe row in unsafe rows {
                                let index = Int(row)
                                precondition(index < rowCount, "selection row \(index) outside \(rowCount)")
                                unsafe out[kept] = row
                                let pass = unsafe flags[index] != 0 && (!checksValidity || valid[index])
                                kept &+= pass ? 1 : 0
                            }
                        }
                    } else if checksValidity {
                        for index in 0..<rowCount {
                            unsafe out[kept] = Int32(truncatingIfNeeded: index)
                            kept &+= unsafe (flags[index] != 0 && valid[index]) ? 1 : 0
                        }
                    } else {
                        for index in 0..<rowCount {
                            unsafe out[kept] = Int32(truncatingIfNeeded: index)
                            kept &+= unsafe flags[index] != 0 ? 1 : 0
                        }
                    }
                }
            }
            count = kept
        }
    }
}
