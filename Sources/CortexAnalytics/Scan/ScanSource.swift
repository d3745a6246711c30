public import CortexCore

/// Bounds on one column that a scan may use to skip blocks (zone maps).
///
/// Bounds are hints: a scan may still return rows outside them, and the
/// executor always re-applies the full `WHERE`. Integer bounds apply to
/// integer-like columns; `strings` to string columns (equality / `IN`).
public struct ColumnRange: Sendable, Equatable {
    public let column: Int
    /// Inclusive lower bound of integer-like values (`Int64.min` = none).
    public var lower: Int64
    /// Inclusive upper bound of integer-like values (`Int64.max` = none).
    public var upper: Int64
    /// For string columns: the value must be one of these (`nil` = any).
    public var strings: Set<String>?
    /// Rows whose value is null can be skipped (the predicate is null-rejecting).
    public var rejectsNull: Bool

    public init(column: Int, lower: Int64 = .min, upper: Int64 = .max, strings: Set<String>? = nil, rejectsNull: Bool = true) {
        self.column = column
        self.lower = lower
        self.upper = upper
        self.strings = strings
        self.rejectsNull = rejectsNull
    }
}

/// What the executor asks of a table.
public struct ScanRequest: Sendable {
    /// Only this tenant's rows are ever delivered (`nil`: every tenant; platform
    /// administrators only). This is the enforcement point of tenant scoping.
    public var tenant: Int64?
    /// Conjunctive bounds for pruning; see ``ColumnRange``.
    public var ranges: [ColumnRange]

    public init(tenant: Int64?, ranges: [ColumnRange] = []) {
        self.tenant = tenant
        self.ranges = ranges
    }
}

/// A run of rows whose columns decode on first access (late materialisation):
/// the executor evaluates the filter's columns first and touches the others
/// only when some row passed.
///
/// Thread: one block is used by one thread at a time; it may be retained
/// (e.g. by a top-N heap) after the scan moves on.
public protocol ColumnBlock: AnyObject {
    /// Rows in the block (≥ 1).
    var rowCount: Int { get }
    /// Column `index` (schema order) for every row of the block.
    /// - Throws: `.corrupt` when stored bytes fail validation.
    func column(_ index: Int) throws(CortexError) -> ColumnVector
    /// Bounds that every row's value of integer-like column `index` lies in, when the block knows
    /// them without decoding and no row is null there; nil otherwise.
    func integerBounds(_ index: Int) -> (min: Int64, max: Int64)?
    /// The rows (ascending) whose string column `index` equals `text`, found without decoding the
    /// column's strings into codes when the block can; nil when it cannot (then the caller evaluates
    /// the comparison).
    func rows(whereString index: Int, equals text: String) throws(CortexError) -> ContiguousArray<Int32>?
}

extension ColumnBlock {
    public func rows(whereString index: Int, equals text: String) throws(CortexError) -> ContiguousArray<Int32>? { nil }
}

/// An independent part of a scan (a segment, the hot buffer); units may run on
/// different threads.
public protocol ScanUnit: Sendable {
    /// Rows the unit may deliver (an upper bound), for scheduling.
    var rowCountEstimate: Int { get }
    /// Calls `body` for each block that may hold matching rows, in storage order.
    func forEachBlock(_ request: ScanRequest, _ body: (any ColumnBlock) throws(CortexError) -> Void) throws(CortexError)
}

/// A table as the executor sees it.
public protocol ScanSource: Sendable {
    var schema: TableSchema { get }
    /// The units that together deliver every row matching `request` exactly once,
    /// as of one consistent moment (rows appended later are not seen).
    func scanUnits(for request: ScanRequest) throws(CortexError) -> [any ScanUnit]
}

/// Resolves table names for the executor.
public protocol TableCatalog: Sendable {
    /// The table called `name` (case-insensitive), if it exists.
    func table(named name: String) -> (any ScanSource)?
}
