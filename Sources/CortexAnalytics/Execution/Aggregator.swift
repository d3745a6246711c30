import CortexCore

/// Hash aggregation state of one thread: the group table and one accumulator per aggregate.
struct Aggregator {
    let query: BoundQuery
    let evaluator: Evaluator
    var table: GroupTable
    var accumulators: [Accumulator]
    /// Per group key, the dictionary its string codes index (set on first sight).
    var keyDictionaries: [StringDictionary?]

    init(query: BoundQuery, evaluator: Evaluator) {
        self.query = query
        self.evaluator = evaluator
        table = GroupTable(keyCount: query.groupKeys.count)
        accumulators = query.aggregates.map(Accumulator.init)
        keyDictionaries = Array(repeating: nil, count: query.groupKeys.count)
        valueSource = Self.valueSources(query.aggregates)
    }

    /// Per aggregate, the aggregate whose collected values it reads: itself, or for an exact
    /// quantile, the first exact quantile of the same argument (p50, p95 and p99 of one column
    /// collect the values once).
    let valueSource: [Int]

    static func valueSources(_ specs: [AggregateSpec]) -> [Int] {
        let collects: Set<AggregateFunction> = [.quantileDisc, .quantileCont]
        return specs.indices.map { index in
            let spec = specs[index]
            guard collects.contains(spec.function) else { return index }
            return specs.indices.first { collects.contains(specs[$0].function) && specs[$0].argument == spec.argument } ?? index
        }
    }

    mutating func consume(_ input: EvaluationInput) throws(CortexError) {
        let count = input.rowCount
        var groups = ContiguousArray<Int32>(repeating: 0, count: count)
        if !query.groupKeys.isEmpty {
            let keys = try query.groupKeys.map { (key: BoundExpression) throws(CortexError) in try evaluator.evaluate(key, input) }
            var raw: [ContiguousArray<Int64>] = []
            for (index, vector) in keys.enumerated() {
                switch vector.values {
                case .int64(let values): raw.append(values)
                case .float64(let values):
                    raw.append(ContiguousArray(values.map { Int64(bitPattern: $0 == 0 ? 0 : $0.isNaN ? Double.nan.bitPattern : $0.bitPattern) }))
                case .string(let codes, let dictionary):
                    if let known = keyDictionaries[index], known !== dictionary {
                        // A key expression whose strings come from different dictionaries: recode into the first one.
                        raw.append(ContiguousArray(codes.map { Int64(known.code(for: dictionary.string(for: $0))) }))
                    } else {
                        keyDictionaries[index] = dictionary
                        raw.append(ContiguousArray(codes.map { Int64($0) }))
                    }
                }
            }
            let keyCount = keys.count
            var scratch = [Int64](repeating: 0, count: keyCount)
            let anyNulls = keys.contains { $0.validity != nil }
            if keyCount <= 2, !anyNulls {
                unsafe raw[0].withUnsafeBufferPointer { first in
                    unsafe groups.withUnsafeMutableBufferPointer { groups in
                        if keyCount == 2 {
                            unsafe raw[1].withUnsafeBufferPointer { unsafe table.assign(first, $0, into: groups) }
                        } else {
                            unsafe table.assign(first, nil, into: groups)
                        }
                    }
                }
            }
            if keyCount <= 2, anyNulls {
                let first = raw[0], second = keyCount == 2 ? raw[1] : raw[0]
                // Sorted data repeats keys in runs: reuse the previous row's group when the key is the same.
                var previous: (Int64, Int64, UInt64, Int32)?
                for row in 0..<count {
                    var nullMask: UInt64 = 0
                    if anyNulls {
                        if keys[0].isNull(row) { nullMask |= 1 }
                        if keyCount == 2 && keys[1].isNull(row) { nullMask |= 2 }
                    }
                    let a = nullMask & 1 == 0 ? first[row] : 0
                    let b = keyCount == 2 && nullMask & 2 == 0 ? second[row] : 0
                    if let last = previous, last.0 == a, last.1 == b, last.2 == nullMask {
                        groups[row] = last.3
                        continue
                    }
                    let group = Int32(table.group(a, b, nullMask: nullMask))
                    groups[row] = group
                    previous = (a, b, nullMask, group)
                }
            }
            for row in 0..<count where keyCount > 2 {
                var nullMask: UInt64 = 0
                for key in 0..<keyCount {
                    if anyNulls && keys[key].isNull(row) {
                        nullMask |= 1 << UInt64(key)
                        scratch[key] = 0
                    } else {
                        scratch[key] = raw[key][row]
                    }
                }
                let group = unsafe scratch.withUnsafeBufferPointer { unsafe table.group($0, nullMask: nullMask) }
                groups[row] = Int32(group)
            }
            guard table.count <= AnalyticsLimits.groupCountMax else {
                throw .tooLarge("the query makes more than \(AnalyticsLimits.groupCountMax) groups")
            }
        } else if table.count == 0 {
            _ = unsafe [Int64]().withUnsafeBufferPointer { unsafe table.group($0, nullMask: 0) }
        }
        let runStarts = Self.longRuns(groups)
        for index in accumulators.indices {
            accumulators[index].grow(to: table.count)
            // A quantile that shares another's values collects nothing itself.
            guard valueSource[index] == index else { continue }
            let argument = try accumulators[index].spec.argument.map { (expression: BoundExpression) throws(CortexError) in
                try evaluator.evaluate(expression, input)
            }
            try accumulators[index].update(groups: groups, vector: argument, runStarts: runStarts)
        }
    }

    /// Where each run of rows with the same group starts, when runs average at least 8 rows
    /// (accumulating run by run then beats row by row, which wins when most runs are a row or two);
    /// nil otherwise.
    static func longRuns(_ groups: ContiguousArray<Int32>) -> ContiguousArray<Int32>? {
        guard groups.count >= 16 else { return nil }
        return unsafe groups.withUnsafeBufferPointer { groups -> ContiguousArray<Int32>? in
            // The first 512 rows decide quickly for batches of short runs.
            let sample = min(groups.count, 512)
            var changes = 0
            // In bounds: row and row - 1 lie in 1..<count.
            for row in 1..<sample where unsafe groups[row] != groups[row - 1] { changes += 1 }
            guard changes * 8 < sample else { return nil }
            // One pass that gives up once the runs are too many to average 8 rows.
            let limit = groups.count / 8
            var starts = ContiguousArray<Int32>()
            starts.reserveCapacity(limit + 1)
            starts.append(0)
            for row in 1..<groups.count where unsafe groups[row] != groups[row - 1] {
                guard starts.count <= limit else { return nil }
                starts.append(Int32(row))
            }
            return starts
        }
    }

    /// Folds another thread's state into this one.
    mutating func merge(_ other: Aggregator) throws(CortexError) {
        var mapping: [Int] = []
        mapping.reserveCapacity(other.table.count)
        let keyCount = other.table.keyCount
        table.reserve(table.count + other.table.count)
        let sameDictionaries = (0..<keyCount).allSatisfy { index in
            guard let mine = keyDictionaries[index], let theirs = other.keyDictionaries[index] else { return true }
            return mine === theirs
        }
        if keyCount == 1 || keyCount == 2, sameDictionaries {
            // One or two keys coded alike on both sides: straight into the table, no key arrays.
            for index in 0..<keyCount where keyDictionaries[index] == nil { keyDictionaries[index] = other.keyDictionaries[index] }
            let keys = other.table.keys, nullMasks = other.table.nullMasks
            for group in 0..<other.table.count {
                let first = keys[group * keyCount], second = keyCount == 2 ? keys[group * 2 + 1] : 0
                mapping.append(table.group(first, second, nullMask: nullMasks[group]))
            }
        } else {
            for group in 0..<other.table.count {
                let key = Array(other.table.keys[(group * keyCount)..<((group + 1) * keyCount)])
                var recoded = key
                for index in 0..<keyCount where other.table.nullMasks[group] & (1 << UInt64(index)) == 0 {
                    if let mine = keyDictionaries[index], let theirs = other.keyDictionaries[index], mine !== theirs {
                        recoded[index] = Int64(mine.code(for: theirs.string(for: Int32(key[index]))))
                    } else if keyDictionaries[index] == nil {
                        keyDictionaries[index] = other.keyDictionaries[index]
                    }
                }
                mapping.append(unsafe recoded.withUnsafeBufferPointer { unsafe table.group($0, nullMask: other.table.nullMasks[group]) })
            }
        }
        for index in accumulators.indices {
            accumulators[index].grow(to: table.count)
            try accumulators[index].merge(other.accumulators[index], mapping: mapping)
        }
    }

    /// Group keys and aggregate values as vectors, one row per group.
    mutating func finish(context: EvaluationContext) -> (keys: [ColumnVector], aggregates: [ColumnVector], count: Int) {
        let groupCount = table.count
        let keyCount = table.keyCount
        var keys: [ColumnVector] = []
        for (index, expression) in query.groupKeys.enumerated() {
            var values = ContiguousArray<Int64>(repeating: 0, count: groupCount)
            var validity = ContiguousArray<Bool>(repeating: true, count: groupCount)
            for group in 0..<groupCount {
                values[group] = table.keys[group * keyCount + index]
                validity[group] = table.nullMasks[group] & (1 << UInt64(index)) == 0
            }
            let mask = validity.contains(false) ? validity : nil
            switch expression.type {
            case .double: keys.append(ColumnVector(.float64(ContiguousArray(values.map { Double(bitPattern: UInt64(bitPattern: $0)) })), validity: mask))
            case .varchar:
                let dictionary = keyDictionaries[index] ?? context.scratch
                if dictionary.count == 0 { _ = dictionary.code(for: "") }
                keys.append(ColumnVector(.string(ContiguousArray(values.map { Int32($0) }), dictionary), validity: mask))
            default: keys.append(ColumnVector(.int64(values), validity: mask))
            }
        }
        for index in accumulators.indices where valueSource[index] != index {
            accumulators[index].shareCollectedValues(of: accumulators[valueSource[index]])
        }
        let aggregates = accumulators.indices.map { accumulators[$0].finish(groupCount: groupCount, context: context) }
        return (keys, aggregates, groupCount)
    }
}
