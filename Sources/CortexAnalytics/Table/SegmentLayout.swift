/// How rows are laid out in sealed segments: partitioned by time, then sorted
/// by tenant and the table's cluster columns (docs/analytics-format.md, "Layout").
///
/// Only tenant contiguity inside a segment is a correctness requirement (the
/// tenant directory relies on it); the cluster order is for compression and
/// locality and uses a packed key where the value ranges allow.
enum SegmentLayout {
    /// Rows grouped by time partition (`floor(time / width)`), ascending, each
    /// group's rows in input order; neighbouring partitions are combined while
    /// the group stays within `segmentRowCountMax` rows (a group is filed under
    /// its first partition).
    static func partition(_ columns: [ColumnVector], schema: TableSchema, width: Int64) -> [(Int64, [Int32])] {
        guard case .int64(let times) = columns[schema.timeColumn].values else { preconditionFailure("time column kind") }
        var groups: [Int64: [Int32]] = [:]
        var previous: Int64 = .min
        var current: [Int32] = []
        // Input usually arrives in time order: collect runs without hashing every row.
        for (row, time) in times.enumerated() {
            let partition = time >= 0 ? time / width : (time - width + 1) / width
            if partition != previous {
                if !current.isEmpty { groups[previous, default: []].append(contentsOf: current) }
                current = []
                previous = partition
            }
            current.append(Int32(row))
        }
        if !current.isEmpty { groups[previous, default: []].append(contentsOf: current) }
        // Neighbouring partitions share a segment while it stays within the row limit,
        // so a bulk load writes full segments instead of many small ones to merge later.
        var merged: [(Int64, [Int32])] = []
        for (partition, rows) in groups.sorted(by: { $0.key < $1.key }) {
            if let last = merged.last, last.1.count + rows.count <= AnalyticsLimits.segmentRowCountMax {
                merged[merged.count - 1].1.append(contentsOf: rows)
            } else {
                merged.append((partition, rows))
            }
        }
        return merged
    }

    /// The partition of the earliest row (a merged segment is filed under its first partition).
    static func partitionNumber(of columns: [ColumnVector], schema: TableSchema, width: Int64) -> Int64 {
        guard case .int64(let times) = columns[schema.timeColumn].values, let time = times.min() else { return 0 }
        return time >= 0 ? time / width : (time - width + 1) / width
    }

    private struct Key: Comparable {
        var high: UInt64
        var low: Int64
        var row: Int32
        static func < (a: Key, b: Key) -> Bool { (a.high, a.low, a.row) < (b.high, b.low, b.row) }
    }

    /// The columns of `rows`, sorted by (tenant, first cluster column, second cluster column, input order).
    static func sorted(_ columns: [ColumnVector], rows: [Int32], schema: TableSchema) -> [ColumnVector] {
        func ints(_ column: Int) -> ContiguousArray<Int64>? {
            guard case .int64(let values) = columns[column].values else { return nil }
            return values
        }
        guard let tenants = ints(schema.tenantColumn) else { preconditionFailure("tenant column kind") }
        let clusters = schema.clusterColumns.compactMap(ints)
        let first = clusters.first, second = clusters.dropFirst().first
        func range(_ values: ContiguousArray<Int64>) -> (Int64, UInt64) {
            var low = Int64.max, high = Int64.min
            for row in rows { low = min(low, values[Int(row)]); high = max(high, values[Int(row)]) }
            return (low, UInt64(bitPattern: high &- low))
        }
        let (tenantMin, tenantSpan) = range(tenants)
        let tenantBits = tenantSpan == 0 ? 0 : 64 - tenantSpan.leadingZeroBitCount
        var firstMin: Int64 = 0, firstBits = 0
        if let first {
            let (low, span) = range(first)
            firstMin = low
            firstBits = span == 0 ? 0 : 64 - span.leadingZeroBitCount
        }
        // Fast path: tenant, first cluster column and row index packed into one UInt64 and sorted as
        // plain integers (ties on the first cluster column keep input order, usually time order).
        let rowBits = rows.count <= 1 ? 1 : 64 - UInt64(rows.count - 1).leadingZeroBitCount
        if tenantBits + firstBits + rowBits <= 64 {
            var packed = [UInt64]()
            packed.reserveCapacity(rows.count)
            for (position, row) in rows.enumerated() {
                let index = Int(row)
                var key = UInt64(bitPattern: tenants[index] &- tenantMin)
                if let first { key = key << UInt64(firstBits) | UInt64(bitPattern: first[index] &- firstMin) }
                packed.append(key << UInt64(rowBits) | UInt64(position))
            }
            // Positions ascend in input order, so a stable sort by the key bits above them is the
            // whole order (ties keep input order).
            RadixSort.sort(&packed, lowBit: rowBits, bitCount: tenantBits + firstBits)
            let mask: UInt64 = rowBits == 64 ? ~0 : (1 << UInt64(rowBits)) - 1
            let order = ContiguousArray(packed.map { rows[Int($0 & mask)] })
            return columns.map { $0.gathering(order) }
        }
        let packs = first != nil && tenantBits + firstBits <= 63
        var keys = [Key]()
        keys.reserveCapacity(rows.count)
        for row in rows {
            let index = Int(row)
            let tenant = UInt64(bitPattern: tenants[index] &- tenantMin)
            if packs, let first {
                let high = tenant << UInt64(firstBits) | UInt64(bitPattern: first[index] &- firstMin)
                keys.append(Key(high: high, low: second?[index] ?? 0, row: row))
            } else {
                keys.append(Key(high: tenant, low: first?[index] ?? 0, row: row))
            }
        }
        keys.sort()
        let order = ContiguousArray(keys.map(\.row))
        return columns.map { $0.gathering(order) }
    }
}
