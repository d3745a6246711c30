public import CortexCore
import Dispatch
import Synchronization

/// Runs SQL SELECTs over a catalog of tables (docs/analytics-execution.md).
///
/// A query is bound, its WHERE's simple conjuncts become zone-map bounds, the
/// scan's units are spread over `threadCount` threads (each with its own hash
/// aggregation or row buffer, merged at the end), then HAVING, ORDER BY and
/// LIMIT/OFFSET run on the result. A tenant-scoped query passes its tenant to
/// the scan, which delivers no other tenant's row whatever the text says.
///
/// Thread: `execute` blocks the calling thread (and uses Dispatch worker
/// threads); call it off Swift's cooperative pool.
public struct QueryEngine: Sendable {
    public let catalog: any TableCatalog
    public let threadCount: Int

    /// Scans estimated below this many rows run on one thread.
    public let parallelRowCountMin: Int

    public init(catalog: any TableCatalog, threadCount: Int = 2, parallelRowCountMin: Int = 65_536) {
        self.catalog = catalog
        self.threadCount = max(1, threadCount)
        self.parallelRowCountMin = parallelRowCountMin
    }

    /// Parses and runs `sql`.
    public func execute(sql: String, parameters: [String: Value] = [:], scope: QueryScope, now: Int64) throws(CortexError) -> QueryResult {
        try execute(try SQLParser.parseSelect(sql), parameters: parameters, scope: scope, now: now)
    }

    /// Binds and runs `statement`; `now` (epoch ms) is what now() returns.
    ///
    /// - Throws: `.invalidInput` with the position for unknown names, type
    ///   errors, overflow; `.notFound` for an unknown table; `.tooLarge` past
    ///   the group or result-row limits; `.corrupt` for damaged stored data.
    public func execute(_ statement: SelectStatement, parameters: [String: Value] = [:], scope: QueryScope, now: Int64)
        throws(CortexError) -> QueryResult
    {
        guard let table = catalog.table(named: statement.from.name) else {
            throw .notFound("\(statement.from.position): unknown table '\(statement.from.name)'")
        }
        var binder = Binder(schema: table.schema, reference: statement.from, parameters: parameters, now: now)
        let query = try binder.bind(statement, table: table)
        let context = EvaluationContext()
        let evaluator = Evaluator(context: context)
        var tenant: Int64?
        if case .tenant(let scoped) = scope { tenant = scoped }
        let request = ScanRequest(tenant: tenant, ranges: query.filter.map { Self.ranges(from: $0, schema: table.schema) } ?? [])
        let units = try table.scanUnits(for: request)
        let rows: [[Value]]
        if query.isAggregate {
            var aggregator = try scanAggregating(units, request: request, query: query, evaluator: evaluator)
            rows = try finishAggregate(&aggregator, query: query, evaluator: evaluator, context: context)
        } else {
            rows = try scanCollecting(units, request: request, query: query, evaluator: evaluator)
        }
        let columns = zip(query.outputNames, query.outputs).map { ResultColumn(name: $0, type: $1.type.name) }
        return QueryResult(columns: columns, rows: rows)
    }

    // MARK: Scanning

    /// Runs `consume` for every block that survives the filter, on up to `threadCount` threads, each with its own state.
    ///
    /// `skip`: asked before a block is filtered, with the thread's state; true drops the block
    /// unread (a top-N that already holds better rows than the block's zone maps allow).
    func scan<State>(
        _ units: [any ScanUnit], request: ScanRequest, query: BoundQuery, evaluator: Evaluator, makeState: () -> State,
        skip: ((inout State, any ColumnBlock) -> Bool)? = nil, consume: @escaping (inout State, EvaluationInput) throws(CortexError) -> Void
    ) throws(CortexError) -> [State] {
        // Small scans stay on the calling thread: waking a second thread costs more than it saves.
        let estimatedRows = units.reduce(0) { $0 + $1.rowCountEstimate }
        let threads = estimatedRows < parallelRowCountMin ? 1 : min(threadCount, max(units.count, 1))
        let next = Mutex(0)
        let failure = Mutex<CortexError?>(nil)
        var states = (0..<threads).map { _ in makeState() }
        unsafe states.withUnsafeMutableBufferPointer { buffer in
            let shared = unsafe UnsafeSendable(buffer)
            let plan = query.filter.map { FilterPlan($0, schema: query.table.schema) }
        let work = { (thread: Int) in
                while failure.withLock({ $0 == nil }) {
                    let index = next.withLock { value -> Int in
                        defer { value += 1 }
                        return value
                    }
                    guard index < units.count else { return }
                    do throws(CortexError) {
                        try units[index].forEachBlock(request) { (block: any ColumnBlock) throws(CortexError) in
                            // In bounds: each thread touches only its own state slot.
                            if let skip, skip(&(unsafe shared.value[thread]), block) { return }
                            guard let input = try Self.filtered(block, plan: plan, evaluator: evaluator) else { return }
                            try consume(&(unsafe shared.value[thread]), input)
                        }
                    } catch {
                        failure.withLock { $0 = $0 ?? error }
                    }
                }
            }
            if threads == 1 {
                work(0)
            } else {
                // Each iteration runs on its own thread with its own state slot; the shared pieces are
                // the unit list (read-only), the unit counter and the failure slot (both behind mutexes).
                let shareable = UnsafeSendable(work)
                DispatchQueue.concurrentPerform(iterations: threads) { shareable.value($0) }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return states
    }

    /// The block's rows that pass WHERE (nil when none do): the filter's columns
    /// are decoded first (only those of terms the zone maps do not already decide);
    /// the rest only for blocks with survivors.
    static func filtered(_ block: any ColumnBlock, plan: FilterPlan?, evaluator: Evaluator) throws(CortexError) -> EvaluationInput? {
        guard let plan else { return EvaluationInput.block(block, selection: nil) }
        return try plan.select(block, evaluator: evaluator)
    }

    private func scanAggregating(_ units: [any ScanUnit], request: ScanRequest, query: BoundQuery, evaluator: Evaluator)
        throws(CortexError) -> Aggregator
    {
        var states = try scan(units, request: request, query: query, evaluator: evaluator, makeState: { Aggregator(query: query, evaluator: evaluator) }) {
            (state: inout Aggregator, input: EvaluationInput) throws(CortexError) in
            try state.consume(input)
        }
        var result = states.removeFirst()
        for other in states { try result.merge(other) }
        return result
    }

    private func finishAggregate(_ aggregator: inout Aggregator, query: BoundQuery, evaluator: Evaluator, context: EvaluationContext)
        throws(CortexError) -> [[Value]]
    {
        if query.groupKeys.isEmpty, aggregator.table.count == 0 {
            // An aggregate over no rows still yields one row (count 0, others NULL).
            _ = unsafe [Int64]().withUnsafeBufferPointer { unsafe aggregator.table.group($0, nullMask: 0) }
        }
        let (keys, aggregates, count) = aggregator.finish(context: context)
        var input = EvaluationInput(rowCount: count, aggregates: aggregates, groupKeys: keys) { (index: Int) throws(CortexError) -> ColumnVector in
            preconditionFailure("column \(index) read after aggregation; the binder maps columns to group keys")
        }
        var selection: ContiguousArray<Int32>?
        if let having = query.having {
            let mask = try evaluator.evaluate(having, input)
            let flags = evaluator.ints(mask)
            selection = ContiguousArray((0..<count).filter { flags[$0] != 0 && !mask.isNull($0) }.map(Int32.init))
            let kept = selection!
            input = EvaluationInput(
                rowCount: kept.count, aggregates: aggregates.map { $0.gathering(kept) }, groupKeys: keys.map { $0.gathering(kept) }
            ) { (index: Int) throws(CortexError) -> ColumnVector in
                preconditionFailure("column \(index) read after aggregation")
            }
        }
        return try project(input, query: query, evaluator: evaluator)
    }

    /// Evaluates outputs and sort keys over `input`, sorts, applies OFFSET/LIMIT.
    private func project(_ input: EvaluationInput, query: BoundQuery, evaluator: Evaluator) throws(CortexError) -> [[Value]] {
        let outputs = try query.outputs.map { (expression: BoundExpression) throws(CortexError) in try evaluator.evaluate(expression, input) }
        let sortKeys = try query.orderBy.map { (item) throws(CortexError) in try evaluator.evaluate(item.expression, input) }
        var order = Array(0..<input.rowCount)
        if !query.orderBy.isEmpty, let sorted = Self.topRows(sortKeys, query.orderBy, keep: input.rowCount) {
            order = sorted
        } else if !query.orderBy.isEmpty {
            let keyValues = zip(sortKeys, query.orderBy).map { vector, item in (0..<input.rowCount).map { Self.value(vector, $0, item.expression.type) } }
            order.sort { a, b in Self.precedes(keyValues, a, b, query.orderBy) }
        }
        let start = min(query.offset, order.count)
        let end = query.limit.map { min(start + $0, order.count) } ?? order.count
        guard end - start <= AnalyticsLimits.resultRowCountMax else {
            throw .tooLarge("the result has \(end - start) rows; the limit is \(AnalyticsLimits.resultRowCountMax) (add LIMIT)")
        }
        // Column by column (one switch on the vector's kind per column, not per value), then rows.
        let rows = order[start..<end]
        let columns = zip(outputs, query.outputs).map { Self.values($0, rows: rows, $1.type) }
        return (0..<rows.count).map { index in columns.map { $0[index] } }
    }

    /// ``value(_:_:_:)`` for each of `rows`.
    static func values(_ vector: ColumnVector, rows: ArraySlice<Int>, _ type: SQLType) -> [Value] {
        var result: [Value] = []
        result.reserveCapacity(rows.count)
        switch (vector.values, type) {
        case (.int64(let values), .bigint), (.int64(let values), .integer):
            for row in rows { result.append(vector.isNull(row) ? .null : .int(values[row])) }
        case (.int64(let values), .timestamp):
            for row in rows { result.append(vector.isNull(row) ? .null : .timestamp(values[row])) }
        case (.float64(let values), .double):
            for row in rows { result.append(vector.isNull(row) ? .null : .double(values[row])) }
        default:
            for row in rows { result.append(value(vector, row, type)) }
        }
        return result
    }

    // MARK: Values and ordering

    static func value(_ vector: ColumnVector, _ row: Int, _ type: SQLType) -> Value {
        if vector.isNull(row) { return .null }
        switch vector.values {
        case .float64(let values): return type == .double ? .double(values[row]) : .int(Int64(values[row]))
        case .string(let codes, let dictionary): return .string(dictionary.string(for: codes[row]))
        case .int64(let values):
            switch type {
            case .boolean: return .bool(values[row] != 0)
            case .timestamp: return .timestamp(values[row])
            case .double: return .double(Double(values[row]))
            case .null: return .null
            default: return .int(values[row])
            }
        }
    }

    /// Orders values of one type: numbers numerically, text byte-wise, false < true.
    static func compare(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case (.int(let x), .int(let y)), (.timestamp(let x), .timestamp(let y)): return x < y ? -1 : x > y ? 1 : 0
        case (.double(let x), .double(let y)): return x < y ? -1 : x > y ? 1 : (x.isNaN ? (y.isNaN ? 0 : 1) : (y.isNaN ? -1 : 0))
        case (.int(let x), .double(let y)): return compare(.double(Double(x)), .double(y))
        case (.double(let x), .int(let y)): return compare(.double(x), .double(Double(y)))
        case (.string(let x), .string(let y)): return x == y ? 0 : x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        default: return 0
        }
    }

    /// Whether row `a` sorts before row `b`, given each sort key's values by row (`columns[key][row]`).
    static func precedes(_ columns: [[Value]], _ a: Int, _ b: Int, _ order: [(expression: BoundExpression, descending: Bool, nullsFirst: Bool)])
        -> Bool
    {
        for (index, item) in order.enumerated() {
            if let before = orders(columns[index][a], columns[index][b], descending: item.descending, nullsFirst: item.nullsFirst) { return before }
        }
        return false
    }

    /// Whether key tuple `a` sorts before `b`.
    static func precedes(_ a: [Value], _ b: [Value], _ order: [(expression: BoundExpression, descending: Bool, nullsFirst: Bool)]) -> Bool {
        for (index, item) in order.enumerated() {
            if let before = orders(a[index], b[index], descending: item.descending, nullsFirst: item.nullsFirst) { return before }
        }
        return false
    }

    /// One sort key: whether `x` goes before `y`, or nil when they tie.
    private static func orders(_ x: Value, _ y: Value, descending: Bool, nullsFirst: Bool) -> Bool? {
        if x == .null || y == .null {
            if x == .null && y == .null { return nil }
            return (x == .null) == nullsFirst
        }
        let result = compare(x, y)
        if result == 0 { return nil }
        return descending ? result > 0 : result < 0
    }
}
