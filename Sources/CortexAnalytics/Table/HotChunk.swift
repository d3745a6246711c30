import CortexCore

/// Rows committed to the append log but not yet sealed into a segment, as
/// immutable column vectors (strings coded in the table's dictionaries).
///
/// A chunk never changes after it is made, so a scan holding one is unaffected
/// by later appends and seals.
final class HotChunk: Sendable {
    let columns: [ColumnVector]
    let rowCount: Int
    /// The LSN of the last log record whose rows this chunk holds.
    let lastLSN: UInt64
    /// Per column, the smallest and largest non-null value of an integer-like column (min > max
    /// when every row is null); nil for float and text columns. A scan skips the chunk when a
    /// WHERE bound excludes them, as block zone maps let it skip sealed rows.
    let bounds: [(min: Int64, max: Int64)?]

    init(columns: [ColumnVector], lastLSN: UInt64) {
        self.columns = columns
        self.rowCount = columns.first?.count ?? 0
        self.lastLSN = lastLSN
        bounds = columns.map(Self.bounds)
    }

    private static func bounds(_ column: ColumnVector) -> (min: Int64, max: Int64)? {
        guard case .int64(let values) = column.values else { return nil }
        var low = Int64.max, high = Int64.min
        if let validity = column.validity {
            for (value, valid) in zip(values, validity) where valid {
                low = min(low, value)
                high = max(high, value)
            }
        } else {
            for value in values {
                low = min(low, value)
                high = max(high, value)
            }
        }
        return (low, high)
    }

    /// Whether a bound of `request` on an integer-like column excludes every row of the chunk.
    func isExcluded(by request: ScanRequest) -> Bool {
        request.ranges.contains { range in
            // Only a null-rejecting bound may skip on the non-null values' extremes.
            guard range.rejectsNull, let bounds = bounds[range.column] else { return false }
            return bounds.max < range.lower || bounds.min > range.upper
        }
    }

    /// This chunk without the rows of `tenant` (nil when nothing is left).
    func removing(tenant: Int64, tenantColumn: Int) -> HotChunk? {
        guard case .int64(let tenants) = columns[tenantColumn].values else { preconditionFailure("tenant column is not integer-like") }
        let keep = ContiguousArray(tenants.indices.filter { tenants[$0] != tenant }.map(Int32.init))
        if keep.count == rowCount { return self }
        if keep.isEmpty { return nil }
        return HotChunk(columns: columns.map { $0.gathering(keep) }, lastLSN: lastLSN)
    }
}

/// A block of already-decoded rows (hot chunks, re-sliced segment rows).
final class MaterializedBlock: ColumnBlock {
    let columns: [ColumnVector]
    let rowCount: Int

    init(columns: [ColumnVector], rowCount: Int) {
        self.columns = columns
        self.rowCount = rowCount
    }

    func column(_ index: Int) throws(CortexError) -> ColumnVector { columns[index] }

    func integerBounds(_ index: Int) -> (min: Int64, max: Int64)? { nil }
}

/// Scans hot chunks: every row, or one tenant's rows gathered per chunk.
struct HotScanUnit: ScanUnit {
    let chunks: [HotChunk]
    let tenantColumn: Int

    var rowCountEstimate: Int { chunks.reduce(0) { $0 + $1.rowCount } }

    func forEachBlock(_ request: ScanRequest, _ body: (any ColumnBlock) throws(CortexError) -> Void) throws(CortexError) {
        // A top-level `tenant_id = n` in WHERE narrows hot rows the way scoping does (segments use
        // their tenant directories for it): only that tenant's rows are handed on to the filter.
        let tenantBound = request.ranges.first { $0.column == tenantColumn && $0.lower == $0.upper }?.lower
        if let scoped = request.tenant, let tenantBound, scoped != tenantBound { return }
        for chunk in chunks {
            if chunk.isExcluded(by: request) { continue }
            if let tenant = request.tenant ?? tenantBound {
                guard case .int64(let tenants) = chunk.columns[tenantColumn].values else { preconditionFailure("tenant column kind") }
                let rows = ContiguousArray(tenants.indices.filter { tenants[$0] == tenant }.map(Int32.init))
                if rows.isEmpty { continue }
                try body(MaterializedBlock(columns: chunk.columns.map { $0.gathering(rows) }, rowCount: rows.count))
            } else {
                var start = 0
                while start < chunk.rowCount {
                    let end = min(start + AnalyticsLimits.blockRowCount, chunk.rowCount)
                    let columns = start == 0 && end == chunk.rowCount ? chunk.columns : chunk.columns.map { $0.slicing(start..<end) }
                    try body(MaterializedBlock(columns: columns, rowCount: end - start))
                    start = end
                }
            }
        }
    }
}
