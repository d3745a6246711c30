import CortexCore

/// The running state of one aggregate for every group (struct of arrays).
struct Accumulator {
    let spec: AggregateSpec
    private(set) var counts: [Int64] = []
    private var intSums: [Int64] = []
    private var doubleSums: [Double] = []
    private var intExtremes: [Int64] = []
    private var doubleExtremes: [Double] = []
    private var stringExtremes: [String?] = []
    private var distinct: [DistinctSet] = []
    /// Quantiles: each group's values.
    private var collectedInts: [[Int64]] = []
    private var collectedDoubles: [[Double]] = []
    private var sketches: [HyperLogLog] = []
    private var histograms: [LogHistogram] = []
    /// Whether the input is floating point (decided by the argument's type).
    let isDouble: Bool

    init(_ spec: AggregateSpec) {
        self.spec = spec
        isDouble = spec.argument?.type == .double
    }

    mutating func grow(to groupCount: Int) {
        let extra = groupCount - counts.count
        guard extra > 0 else { return }
        counts.append(contentsOf: repeatElement(0, count: extra))
        switch spec.function {
        case .sum, .avg:
            if isDouble { doubleSums.append(contentsOf: repeatElement(0, count: extra)) } else { intSums.append(contentsOf: repeatElement(0, count: extra)) }
        case .min, .max:
            if spec.type == .varchar {
                stringExtremes.append(contentsOf: repeatElement(nil, count: extra))
            } else if isDouble {
                doubleExtremes.append(contentsOf: repeatElement(0, count: extra))
            } else {
                intExtremes.append(contentsOf: repeatElement(0, count: extra))
            }
        case .countDistinct: distinct.append(contentsOf: (0..<extra).map { _ in DistinctSet() })
        case .quantileDisc, .quantileCont:
            if isDouble { collectedDoubles.append(contentsOf: repeatElement([], count: extra)) } else { collectedInts.append(contentsOf: repeatElement([], count: extra)) }
        case .approxCountDistinct: sketches.append(contentsOf: repeatElement(HyperLogLog(), count: extra))
        case .approxQuantile: histograms.append(contentsOf: repeatElement(LogHistogram(), count: extra))
        case .countStar, .count: break
        }
    }

    /// count(DISTINCT) over one kind of values; `identity` as ``identity(_:_:)`` maps them.
    private mutating func updateDistinct<T>(
        groups: ContiguousArray<Int32>, values: ContiguousArray<T>, validity: ContiguousArray<Bool>?, identity: (T) -> Int64
    ) {
        precondition(values.count == groups.count && (validity?.count ?? groups.count) == groups.count, "distinct: lengths differ")
        unsafe counts.withUnsafeMutableBufferPointer { counts in
            unsafe groups.withUnsafeBufferPointer { groups in
                unsafe values.withUnsafeBufferPointer { values in
                    unsafe distinct.withUnsafeBufferPointer { distinct in
                        // Sorted data repeats a (group, value) pair in runs (a conversation's events): insert a run once.
                        var previous: (group: Int32, value: Int64) = (-1, 0)
                        for row in 0..<groups.count where validity?[row] ?? true {
                            // In bounds: values and groups hold groups.count elements; every group index is
                            // below the group count, which `grow` sized counts and distinct to.
                            let group = unsafe groups[row], value = identity(unsafe values[row])
                            unsafe counts[Int(group)] += 1
                            if previous.group == group, previous.value == value { continue }
                            unsafe distinct[Int(group)].insert(value)
                            previous = (group, value)
                        }
                    }
                }
            }
        }
    }

    /// A hashable identity of a value for DISTINCT and sketches (doubles by normalised bit pattern).
    @inline(__always)
    static func identity(_ vector: ColumnVector, _ row: Int) -> Int64 {
        switch vector.values {
        case .int64(let values): return values[row]
        case .float64(let values): return doubleIdentity(values[row])
        case .string(let codes, _): return Int64(codes[row])
        }
    }

    /// A double's identity: -0 as 0, every NaN as one NaN.
    @inline(__always)
    static func doubleIdentity(_ value: Double) -> Int64 {
        Int64(bitPattern: value == 0 ? 0 : value.isNaN ? Double.nan.bitPattern : value.bitPattern)
    }

    /// Adds rows to their groups (`groups[row]`); `vector` is the evaluated argument.
    ///
    /// `runStarts`: where each run of rows with one group starts, given when runs are long (data
    /// sorted by the keys); then count, sum and avg fold each run in registers and touch the
    /// group's state once per run.
    mutating func update(groups: ContiguousArray<Int32>, vector: ColumnVector?, runStarts: ContiguousArray<Int32>? = nil) throws(CortexError) {
        if let runStarts, try updateByRuns(groups: groups, runStarts: runStarts, vector: vector) { return }
        if spec.function == .countStar {
            unsafe counts.withUnsafeMutableBufferPointer { counts in
                // In bounds: every group index is below the group count, which `grow` sized `counts` to.
                for group in groups { unsafe counts[Int(group)] += 1 }
            }
            return
        }
        guard let vector else { preconditionFailure("aggregate without argument") }
        let hasNulls = vector.validity != nil
        switch spec.function {
        case .count:
            unsafe counts.withUnsafeMutableBufferPointer { counts in
                // In bounds: as for count(*).
                for (row, group) in groups.enumerated() where !hasNulls || !vector.isNull(row) { unsafe counts[Int(group)] += 1 }
            }
        case .sum, .avg:
            switch vector.values {
            case .float64(let values):
                precondition(values.count == groups.count, "\(values.count) values for \(groups.count) rows")
                unsafe counts.withUnsafeMutableBufferPointer { counts in
                    unsafe doubleSums.withUnsafeMutableBufferPointer { sums in
                        unsafe values.withUnsafeBufferPointer { values in
                            unsafe groups.withUnsafeBufferPointer { groups in
                                guard let validity = vector.validity else {
                                    // In bounds: group indexes are below the group count both state arrays
                                    // were grown to; values and groups hold one element per row.
                                    for row in 0..<values.count {
                                        let group = Int(unsafe groups[row])
                                        unsafe sums[group] += values[row]
                                        unsafe counts[group] += 1
                                    }
                                    return
                                }
                                unsafe validity.withUnsafeBufferPointer { valid in
                                    // In bounds: as above; a vector's validity holds one flag per row.
                                    for row in 0..<values.count where unsafe valid[row] {
                                        let group = Int(unsafe groups[row])
                                        unsafe sums[group] += values[row]
                                        unsafe counts[group] += 1
                                    }
                                }
                            }
                        }
                    }
                }
            case .int64(let values):
                precondition(values.count == groups.count, "\(values.count) values for \(groups.count) rows")
                var overflow = false
                unsafe counts.withUnsafeMutableBufferPointer { counts in
                    unsafe intSums.withUnsafeMutableBufferPointer { sums in
                        unsafe values.withUnsafeBufferPointer { values in
                            unsafe groups.withUnsafeBufferPointer { groups in
                                guard let validity = vector.validity else {
                                    // In bounds: as for doubles.
                                    for row in 0..<values.count {
                                        let group = Int(unsafe groups[row])
                                        let (sum, flag) = unsafe sums[group].addingReportingOverflow(values[row])
                                        unsafe sums[group] = sum
                                        overflow = overflow || flag
                                        unsafe counts[group] += 1
                                    }
                                    return
                                }
                                unsafe validity.withUnsafeBufferPointer { valid in
                                    // In bounds: as for doubles.
                                    for row in 0..<values.count where unsafe valid[row] {
                                        let group = Int(unsafe groups[row])
                                        let (sum, flag) = unsafe sums[group].addingReportingOverflow(values[row])
                                        unsafe sums[group] = sum
                                        overflow = overflow || flag
                                        unsafe counts[group] += 1
                                    }
                                }
                            }
                        }
                    }
                }
                if overflow { throw .invalidInput("integer overflow in \(spec.function == .sum ? "sum" : "avg")") }
            case .string: preconditionFailure("binder rejects sums of text")
            }
        case .min, .max:
            updateExtremes(groups: groups, vector: vector)
        case .countDistinct:
            switch vector.values {
            case .int64(let values): updateDistinct(groups: groups, values: values, validity: vector.validity) { $0 }
            case .string(let codes, _): updateDistinct(groups: groups, values: codes, validity: vector.validity) { Int64($0) }
            case .float64(let values): updateDistinct(groups: groups, values: values, validity: vector.validity, identity: Self.doubleIdentity)
            }
        case .quantileDisc, .quantileCont:
            switch vector.values {
            case .float64(let values):
                Self.collect(values, groups: groups, validity: vector.validity, into: &collectedDoubles)
            case .int64(let values):
                Self.collect(values, groups: groups, validity: vector.validity, into: &collectedInts)
            case .string: preconditionFailure("binder rejects quantiles of text")
            }
        case .approxCountDistinct:
            for (row, group) in groups.enumerated() where !hasNulls || !vector.isNull(row) {
                sketches[Int(group)].insert(Self.identity(vector, row))
                counts[Int(group)] += 1
            }
        case .approxQuantile:
            let values = Evaluator.asDoubles(vector)
            for (row, group) in groups.enumerated() where !hasNulls || !vector.isNull(row) {
                histograms[Int(group)].insert(values[row])
                counts[Int(group)] += 1
            }
        case .countStar: break
        }
    }

    /// ``update(groups:vector:runStarts:)`` run by run for count(*), count, sum and avg;
    /// false (nothing done) for the other aggregates.
    private mutating func updateByRuns(groups: ContiguousArray<Int32>, runStarts: ContiguousArray<Int32>, vector: ColumnVector?) throws(CortexError) -> Bool {
        if spec.function == .countStar {
            unsafe counts.withUnsafeMutableBufferPointer { counts in
                unsafe groups.withUnsafeBufferPointer { groups in
                    // In bounds: every group index is below the group count, which `grow` sized `counts` to.
                    unsafe Self.forEachRun(groups, runStarts) { group, rows in unsafe counts[group] += Int64(rows.count) }
                }
            }
            return true
        }
        guard let vector else { preconditionFailure("aggregate without argument") }
        switch spec.function {
        case .count:
            let validity = vector.validity
            unsafe counts.withUnsafeMutableBufferPointer { counts in
                unsafe groups.withUnsafeBufferPointer { groups in
                    unsafe validity.withUnsafeBufferPointerIfPresent { valid in
                        // In bounds: as for count(*); `valid` has one flag per row.
                        unsafe Self.forEachRun(groups, runStarts) { group, rows in
                            var count = 0
                            if let valid = unsafe valid { for row in rows where unsafe valid[row] { count += 1 } } else { count = rows.count }
                            unsafe counts[group] += Int64(count)
                        }
                    }
                }
            }
        case .sum, .avg:
            switch vector.values {
            case .float64(let values):
                precondition(values.count == groups.count, "\(values.count) values for \(groups.count) rows")
                unsafe values.withUnsafeBufferPointer { values in
                    unsafe Self.accumulateRuns(groups: groups, runStarts: runStarts, validity: vector.validity, counts: &counts, sums: &doubleSums) { rows, valid in
                        var sum = 0.0, count = 0
                        if let valid = unsafe valid {
                            for row in rows where unsafe valid[row] {
                                sum += unsafe values[row]
                                count += 1
                            }
                        } else {
                            for row in rows { sum += unsafe values[row] }
                            count = rows.count
                        }
                        return (sum, count)
                    } add: { total, sum in
                        total += sum
                    }
                }
            case .int64(let values):
                precondition(values.count == groups.count, "\(values.count) values for \(groups.count) rows")
                var overflow = false
                unsafe values.withUnsafeBufferPointer { values in
                    // A run's sum in 128 bits cannot overflow (fewer than 2^64 rows); it must fit the
                    // group's 64-bit total when added, which is where an overflow is reported.
                    unsafe Self.accumulateRuns(groups: groups, runStarts: runStarts, validity: vector.validity, counts: &counts, sums: &intSums) { rows, valid in
                        var sum: Int128 = 0, count = 0
                        if let valid = unsafe valid {
                            for row in rows {
                                let set = unsafe valid[row]
                                sum &+= set ? Int128(unsafe values[row]) : 0
                                count += set ? 1 : 0
                            }
                        } else {
                            for row in rows { sum &+= Int128(unsafe values[row]) }
                            count = rows.count
                        }
                        return (sum, count)
                    } add: { (total: inout Int64, sum: Int128) in
                        let next = Int128(total) + sum
                        if let fitting = Int64(exactly: next) { total = fitting } else { overflow = true }
                    }
                }
                if overflow { throw .invalidInput("integer overflow in \(spec.function == .sum ? "sum" : "avg")") }
            case .string: preconditionFailure("binder rejects sums of text")
            }
        default:
            return false
        }
        return true
    }

    /// Calls `body` once per run of rows with the same group, in row order (`runStarts`: where
    /// each run starts, ascending from 0). A run's total is built in registers and stored once
    /// instead of a read-modify-write of the group's slot per row.
    @inline(__always)
    static func forEachRun(_ groups: UnsafeBufferPointer<Int32>, _ runStarts: ContiguousArray<Int32>, _ body: (Int, Range<Int>) -> Void) {
        for run in runStarts.indices {
            let start = Int(runStarts[run])
            let end = run + 1 < runStarts.count ? Int(runStarts[run + 1]) : groups.count
            body(Int(unsafe groups[start]), start..<end)
        }
    }

    /// Per run of one group: `total` folds the run's rows (`valid` is nil when no row is null)
    /// into a partial sum and count, and `add` adds the partial sum to the group's.
    @inline(__always)
    private static func accumulateRuns<Sum, Partial>(
        groups: ContiguousArray<Int32>, runStarts: ContiguousArray<Int32>, validity: ContiguousArray<Bool>?, counts: inout [Int64],
        sums: inout [Sum],
        total: (Range<Int>, UnsafeBufferPointer<Bool>?) -> (Partial, Int), add: (inout Sum, Partial) -> Void
    ) {
        unsafe counts.withUnsafeMutableBufferPointer { counts in
            unsafe sums.withUnsafeMutableBufferPointer { sums in
                unsafe groups.withUnsafeBufferPointer { groups in
                    unsafe validity.withUnsafeBufferPointerIfPresent { valid in
                        // In bounds: group indexes are below the group count `grow` sized both arrays to.
                        unsafe forEachRun(groups, runStarts) { group, rows in
                            let (sum, count) = unsafe total(rows, valid)
                            guard count > 0 else { return }
                            unsafe add(&sums[group], sum)
                            unsafe counts[group] += Int64(count)
                        }
                    }
                }
            }
        }
    }

    private mutating func updateExtremes(groups: ContiguousArray<Int32>, vector: ColumnVector) {
        let isMin = spec.function == .min
        switch vector.values {
        case .int64(let values):
            for (row, group) in groups.enumerated() where !vector.isNull(row) {
                let index = Int(group)
                if counts[index] == 0 || (isMin ? values[row] < intExtremes[index] : values[row] > intExtremes[index]) { intExtremes[index] = values[row] }
                counts[index] += 1
            }
        case .float64(let values):
            for (row, group) in groups.enumerated() where !vector.isNull(row) {
                let index = Int(group)
                if counts[index] == 0 || (isMin ? values[row] < doubleExtremes[index] : values[row] > doubleExtremes[index]) {
                    doubleExtremes[index] = values[row]
                }
                counts[index] += 1
            }
        case .string(let codes, let dictionary):
            for (row, group) in groups.enumerated() where !vector.isNull(row) {
                let index = Int(group)
                let text = dictionary.string(for: codes[row])
                if let current = stringExtremes[index] {
                    let less = text.utf8.lexicographicallyPrecedes(current.utf8)
                    if isMin ? less : current.utf8.lexicographicallyPrecedes(text.utf8) { stringExtremes[index] = text }
                } else {
                    stringExtremes[index] = text
                }
                counts[index] += 1
            }
        }
    }

    var doubleSumsValue: [Double] { doubleSums }
    func integerSums() -> [Int64] { intSums }
    func distinctCounts() -> [Int64] { distinct.map { Int64($0.count) } }
    func approximateDistinctCounts() -> [Int64] { sketches.map { $0.estimate } }
    func extremeInts() -> [Int64] { intExtremes }
    func extremeDoubles() -> [Double] { doubleExtremes }
    func extremeStrings() -> [String?] { stringExtremes }
    var histogramsValue: [LogHistogram] { histograms }

    /// Takes `source`'s collected values as its own (same argument; arrays shared until written).
    mutating func shareCollectedValues(of source: Accumulator) {
        collectedInts = source.collectedInts
        collectedDoubles = source.collectedDoubles
    }

    /// Each group's collected values (moved out: call once, when finishing).
    mutating func takeCollectedInts() -> [[Int64]] { defer { collectedInts = [] }; return collectedInts }
    mutating func takeCollectedDoubles() -> [[Double]] { defer { collectedDoubles = [] }; return collectedDoubles }

    /// Appends the non-null rows' values to their groups' arrays, a run of rows of one group at a
    /// time (sorted data puts a group's rows together): one bulk append per run, not one per row.
    private static func collect<T: BitwiseCopyable>(
        _ values: ContiguousArray<T>, groups: ContiguousArray<Int32>, validity: ContiguousArray<Bool>?, into collected: inout [[T]]
    ) {
        var values = values, groups = groups
        if let validity, validity.contains(false) {
            values = keeping(values, validity)
            groups = keeping(groups, validity)
        }
        var start = 0
        while start < groups.count {
            let group = groups[start]
            var end = start + 1
            while end < groups.count, groups[end] == group { end += 1 }
            collected[Int(group)].append(contentsOf: values[start..<end])
            start = end
        }
    }

    /// The elements whose flag is set, in order.
    private static func keeping<T: BitwiseCopyable>(_ values: ContiguousArray<T>, _ flags: ContiguousArray<Bool>) -> ContiguousArray<T> {
        precondition(values.count == flags.count, "\(flags.count) flags for \(values.count) values")
        return unsafe ContiguousArray(unsafeUninitializedCapacity: values.count) { out, count in
            var kept = 0
            unsafe values.withUnsafeBufferPointer { values in
                unsafe flags.withUnsafeBufferPointer { flags in
                    // In bounds: kept <= index < values.count == out.count == flags.count.
                    for index in 0..<values.count {
                        unsafe out[kept] = values[index]
                        kept &+= unsafe flags[index] ? 1 : 0
                    }
                }
            }
            count = kept
        }
    }

    /// Folds `other`'s groups into this one's; `mapping[g]` is the group here of other's group g.
    mutating func merge(_ other: Accumulator, mapping: [Int]) throws(CortexError) {
        for (from, to) in mapping.enumerated() {
            let otherCount = other.counts[from]
            switch spec.function {
            case .sum, .avg:
                if isDouble {
                    doubleSums[to] += other.doubleSums[from]
                } else {
                    let (sum, overflow) = intSums[to].addingReportingOverflow(other.intSums[from])
                    guard !overflow else { throw .invalidInput("integer overflow in sum") }
                    intSums[to] = sum
                }
            case .min, .max:
                guard otherCount > 0 else { continue }
                let isMin = spec.function == .min
                if spec.type == .varchar {
                    if let text = other.stringExtremes[from], let current = stringExtremes[to] {
                        if isMin ? text.utf8.lexicographicallyPrecedes(current.utf8) : current.utf8.lexicographicallyPrecedes(text.utf8) {
                            stringExtremes[to] = text
                        }
                    } else if stringExtremes[to] == nil {
                        stringExtremes[to] = other.stringExtremes[from]
                    }
                } else if isDouble {
                    let value = other.doubleExtremes[from]
                    if counts[to] == 0 || (isMin ? value < doubleExtremes[to] : value > doubleExtremes[to]) { doubleExtremes[to] = value }
                } else {
                    let value = other.intExtremes[from]
                    if counts[to] == 0 || (isMin ? value < intExtremes[to] : value > intExtremes[to]) { intExtremes[to] = value }
                }
            case .countDistinct: distinct[to].formUnion(other.distinct[from])
            case .quantileDisc, .quantileCont:
                if isDouble { collectedDoubles[to].append(contentsOf: other.collectedDoubles[from]) } else { collectedInts[to].append(contentsOf: other.collectedInts[from]) }
            case .approxCountDistinct: sketches[to].merge(other.sketches[from])
            case .approxQuantile: histograms[to].merge(other.histograms[from])
            case .countStar, .count: break
            }
            counts[to] += otherCount
        }
    }
}
