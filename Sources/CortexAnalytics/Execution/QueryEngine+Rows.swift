import CortexCore

extension QueryEngine {
    /// Rows of a query without aggregation: outputs and sort keys per surviving
    /// row. With LIMIT, each block keeps only its best OFFSET+LIMIT rows by the
    /// sort keys before they are turned into values (top-N).
    func scanCollecting(_ units: [any ScanUnit], request: ScanRequest, query: BoundQuery, evaluator: Evaluator) throws(CortexError)
        -> [[Value]]
    {
        let keep = query.limit.map { $0 + query.offset }
        typealias Row = (keys: [Value], outputs: [Value])
        // Top-N on an integer column: a block whose zone map lies wholly behind the thread's
        // `keep`-th best value so far cannot contribute; visiting the units from the end the sort
        // favours (the newest first for a descending time) finds good rows early.
        let pruned = Self.topNPruning(query: query, keep: keep)
        let order = pruned?.descending == true ? Array(units.reversed()) : units
        let skip = pruned.map { pruning in
            { (state: inout TopNState<Row>, block: any ColumnBlock) -> Bool in
                guard let bound = state.bound, let bounds = block.integerBounds(pruning.column) else { return false }
                return pruning.descending ? bounds.max < bound : bounds.min > bound
            }
        }
        func consumeRows(_ rows: inout [Row], _ input: EvaluationInput) throws(CortexError) {
            let sortKeys = try query.orderBy.map { (item) throws(CortexError) in try evaluator.evaluate(item.expression, input) }
            var candidates = Array(0..<input.rowCount)
            if let keep, !query.orderBy.isEmpty, candidates.count > keep {
                if let fast = Self.topRows(sortKeys, query.orderBy, keep: keep) {
                    candidates = fast
                } else {
                    let keyValues = zip(sortKeys, query.orderBy).map { vector, item in
                        (0..<input.rowCount).map { Self.value(vector, $0, item.expression.type) }
                    }
                    candidates.sort { a, b in Self.precedes(keyValues, a, b, query.orderBy) }
                    candidates.removeLast(candidates.count - keep)
                }
            } else if let keep, query.orderBy.isEmpty, rows.count >= keep {
                return
            }
            let selection = ContiguousArray(candidates.map(Int32.init))
            let outputs = try query.outputs.map { (expression: BoundExpression) throws(CortexError) in
                try evaluator.evaluate(expression, input).gathering(selection)
            }
            let keys = sortKeys.map { $0.gathering(selection) }
            for row in 0..<selection.count {
                rows.append((
                    zip(keys, query.orderBy).map { Self.value($0, row, $1.expression.type) },
                    zip(outputs, query.outputs).map { Self.value($0, row, $1.type) }
                ))
            }
            if let keep, rows.count > 4 * keep + 4096 {
                rows.sort { Self.precedes($0.keys, $1.keys, query.orderBy) }
                rows.removeLast(rows.count - keep)
            }
            guard rows.count <= AnalyticsLimits.resultRowCountMax + 4 * (keep ?? 0) + 4096 else {
                throw .tooLarge("the result has more than \(AnalyticsLimits.resultRowCountMax) rows (add LIMIT)")
            }
        }
        let states = try scan(order, request: request, query: query, evaluator: evaluator, makeState: { TopNState<Row>() }, skip: skip) {
            (state: inout TopNState<Row>, input: EvaluationInput) throws(CortexError) in
            try consumeRows(&state.rows, input)
            if let keep, pruned != nil, state.rows.count >= keep {
                // Small (keep <= topNPruningKeepMax): keep the best `keep` and note the worst of them.
                state.rows.sort { Self.precedes($0.keys, $1.keys, query.orderBy) }
                state.rows.removeLast(state.rows.count - keep)
                state.bound = Self.integer(state.rows[keep - 1].keys[0])
            }
        }
        var rows: [Row] = states.flatMap { $0.rows }
        if !query.orderBy.isEmpty { rows.sort { Self.precedes($0.keys, $1.keys, query.orderBy) } }
        let total: Int = rows.count
        let start: Int = Swift.min(query.offset, total)
        var end: Int = total
        if let limit = query.limit { end = Swift.min(start + limit, total) }
        guard end - start <= AnalyticsLimits.resultRowCountMax else {
            throw .tooLarge("the result has \(end - start) rows; the limit is \(AnalyticsLimits.resultRowCountMax) (add LIMIT)")
        }
        return rows[start..<end].map { $0.outputs }
    }

    /// A thread's rows of a query without aggregation, and for a pruning top-N the first sort key
    /// of its `keep`-th best row once it has that many.
    struct TopNState<Row> {
        var rows: [Row] = []
        var bound: Int64?
    }

    /// Largest OFFSET + LIMIT for which the rows are trimmed after every batch to prune blocks.
    static let topNPruningKeepMax = 1024

    /// The column and direction a top-N can prune blocks on: the first sort key is a plain
    /// integer-like column, and OFFSET + LIMIT is small.
    static func topNPruning(query: BoundQuery, keep: Int?) -> (column: Int, descending: Bool)? {
        guard let keep, keep > 0, keep <= topNPruningKeepMax, let first = query.orderBy.first,
            case .column(let column, _) = first.expression, query.table.schema.columns[column].type.isIntegerLike
        else { return nil }
        return (column, first.descending)
    }

    /// An integer-like sort key's value (nil for NULL).
    static func integer(_ value: Value) -> Int64? {
        switch value {
        case .int(let integer), .timestamp(let integer): integer
        case .bool(let flag): flag ? 1 : 0
        default: nil
        }
    }

    private struct SortTuple {
        var first: (UInt64, UInt64)
        var second: (UInt64, UInt64)
        var row: Int32
        static func < (a: SortTuple, b: SortTuple) -> Bool {
            if a.first != b.first { return a.first < b.first }
            if a.second != b.second { return a.second < b.second }
            return a.row < b.row
        }
    }

    /// The best `keep` rows of a batch by up to two numeric sort keys, compared
    /// as normalised unsigned words (sign-flipped integers, IEEE total order for
    /// doubles, complemented for DESC, NULLs ranked by a separate word); nil when
    /// a key is text or there are more than two keys.
    static func topRows(_ keys: [ColumnVector], _ order: [(expression: BoundExpression, descending: Bool, nullsFirst: Bool)], keep: Int) -> [Int]? {
        guard keys.count <= 2, !keys.contains(where: { if case .string = $0.values { true } else { false } }) else { return nil }
        let count = keys.first?.count ?? 0
        // One array of tuples, filled key by key in place (no per-key word arrays).
        var tuples = (0..<count).map { SortTuple(first: (0, 0), second: (0, 0), row: Int32($0)) }
        for (index, (vector, item)) in zip(keys, order).enumerated() {
            let word = { (row: Int) -> (UInt64, UInt64) in
                if vector.isNull(row) { return (item.nullsFirst ? 0 : 2, 0) }
                let value: UInt64
                switch vector.values {
                case .int64(let values): value = UInt64(bitPattern: values[row]) ^ (1 << 63)
                case .float64(let values):
                    let bits = values[row].bitPattern
                    value = bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
                case .string: preconditionFailure("text keys were excluded above")
                }
                return (1, item.descending ? ~value : value)
            }
            if index == 0 {
                for row in 0..<count { tuples[row].first = word(row) }
            } else {
                for row in 0..<count { tuples[row].second = word(row) }
            }
        }
        // A full sort, not a heap of the best `keep`: the library's sort finds ordered runs, and
        // rows sorted by tenant and time (the segment layout) often arrive as one run, in the
        // order or reversed. A heap was tried: on such rows every row replaces its top
        // (q13 heavy tenant 3.6 -> 5.5 ms).
        tuples.sort(by: <)
        return tuples.prefix(keep).map { Int($0.row) }
    }

    /// Bounds for zone-map pruning from the top-level AND conjuncts of a filter:
    /// `column op constant` (either side), BETWEEN (already two comparisons), IN lists.
    static func ranges(from filter: BoundExpression, schema: TableSchema) -> [ColumnRange] {
        let conjuncts = FilterPlan.conjuncts(of: filter)
        var ranges: [Int: ColumnRange] = [:]
        func narrow(_ column: Int, lower: Int64 = .min, upper: Int64 = .max, strings: Set<String>? = nil) {
            var range = ranges[column] ?? ColumnRange(column: column)
            range.lower = max(range.lower, lower)
            range.upper = min(range.upper, upper)
            if let strings { range.strings = range.strings.map { $0.intersection(strings) } ?? strings }
            ranges[column] = range
        }
        for conjunct in conjuncts {
            switch conjunct {
            case .comparison(var op, var left, var right):
                if case .constant = left, case .column = right {
                    swap(&left, &right)
                    op = [.less: .greater, .lessOrEqual: .greaterOrEqual, .greater: .less, .greaterOrEqual: .lessOrEqual][op] ?? op
                }
                guard case .column(let column, _) = left, case .constant(let value, _) = right else { continue }
                let type = schema.columns[column].type
                if type == .string, op == .equal, case .string(let text) = value {
                    narrow(column, strings: [text])
                } else if type.isIntegerLike {
                    var bound: Int64
                    switch value {
                    case .int(let integer), .timestamp(let integer): bound = integer
                    case .bool(let flag): bound = flag ? 1 : 0
                    case .double(let double):
                        guard double.isFinite, abs(double) < 9e18 else { continue }
                        // Round outward so the bound never excludes a matching integer.
                        bound = Int64(op == .less || op == .lessOrEqual ? double.rounded(.up) : double.rounded(.down))
                        if op == .equal, bound != Int64(double.rounded(.up)) { continue }
                    default: continue
                    }
                    switch op {
                    case .equal: narrow(column, lower: bound, upper: bound)
                    case .less: narrow(column, upper: bound == .min ? .min : bound - 1)
                    case .lessOrEqual: narrow(column, upper: bound)
                    case .greater: narrow(column, lower: bound == .max ? .max : bound + 1)
                    case .greaterOrEqual: narrow(column, lower: bound)
                    default: continue
                    }
                }
            case .inList(.column(let column, _), let values, isNegated: false):
                let type = schema.columns[column].type
                if type == .string {
                    narrow(column, strings: Set(values.compactMap { if case .string(let text) = $0 { return text } else { return nil } }))
                } else if type.isIntegerLike {
                    let integers = values.compactMap { value -> Int64? in
                        switch value {
                        case .int(let integer), .timestamp(let integer): return integer
                        case .bool(let flag): return flag ? 1 : 0
                        default: return nil
                        }
                    }
                    guard integers.count == values.count, let low = integers.min(), let high = integers.max() else { continue }
                    narrow(column, lower: low, upper: high)
                }
            default: continue
            }
        }
        return ranges.keys.sorted().map { ranges[$0]! }
    }
}
