public import CortexCore
import Synchronization

extension AnalyticsTable {
    /// Appends a batch of rows, one vector per schema column; durable (fsynced)
    /// and visible to scans when this returns.
    ///
    /// Blocks the calling thread until the group commit that carries the batch
    /// has flushed; many concurrent callers share one flush.
    ///
    /// - Returns: the batch's log sequence number.
    /// - Throws: `.invalidInput` naming the column for a wrong count, kind or a
    ///   null in a NOT NULL column; `.tooLarge` above the batch limit;
    ///   `.unavailable` when the log cannot be written (nothing is acknowledged).
    @discardableResult
    public func append(_ columns: [ColumnVector]) throws(CortexError) -> UInt64 {
        let rowCount = try validate(columns)
        if rowCount == 0 { return 0 }
        let recoded = recode(columns)
        let payload = RowBatchCodec.encode(recoded)
        return try committer.commit(.rows, payload) { lsn in
            let chunk = HotChunk(columns: recoded, lastLSN: lsn)
            self.state.withLock {
                $0.hot.append(chunk)
                $0.hotRowCount += chunk.rowCount
            }
        }
    }

    /// Checks counts, kinds and NOT NULL columns; returns the row count.
    func validate(_ columns: [ColumnVector], rowCountMax: Int = AnalyticsLimits.segmentRowCountMax) throws(CortexError) -> Int {
        guard columns.count == schema.columns.count else {
            throw .invalidInput("table \(schema.name) has \(schema.columns.count) columns; the batch has \(columns.count)")
        }
        let rowCount = columns[0].count
        guard rowCount <= rowCountMax else {
            throw .tooLarge("a batch holds at most \(AnalyticsLimits.segmentRowCountMax) rows; this one has \(rowCount)")
        }
        for (column, vector) in zip(schema.columns, columns) {
            guard vector.count == rowCount else {
                throw .invalidInput("column \(column.name) has \(vector.count) rows; the batch has \(rowCount)")
            }
            let kindMatches: Bool
            switch vector.values {
            case .int64: kindMatches = column.type.isIntegerLike
            case .float64: kindMatches = column.type == .float64
            case .string: kindMatches = column.type == .string
            }
            guard kindMatches else { throw .invalidInput("column \(column.name) expects \(column.type.rawValue) values") }
            if !column.isNullable, vector.nullCount > 0 {
                throw .invalidInput("column \(column.name) is NOT NULL; the batch has \(vector.nullCount) nulls in it")
            }
            if case .int64(let values) = vector.values {
                switch column.type {
                case .int32:
                    if let bad = values.first(where: { $0 < Int64(Int32.min) || $0 > Int64(Int32.max) }) {
                        throw .invalidInput("column \(column.name) is int32; \(bad) is out of range")
                    }
                case .bool:
                    if let bad = values.first(where: { $0 != 0 && $0 != 1 }) {
                        throw .invalidInput("column \(column.name) is bool; \(bad) is not 0 or 1")
                    }
                default: break
                }
            }
        }
        return rowCount
    }

    /// The batch with strings coded in the table's dictionaries.
    func recode(_ columns: [ColumnVector]) -> [ColumnVector] {
        columns.enumerated().map { index, vector in
            guard case .string(let codes, let source) = vector.values, let target = dictionaries[index], source !== target else {
                return vector
            }
            var map: [Int32: Int32] = [:]
            var recoded = ContiguousArray<Int32>()
            recoded.reserveCapacity(codes.count)
            for (row, code) in codes.enumerated() {
                if vector.isNull(row) {
                    recoded.append(0)
                    continue
                }
                if let mapped = map[code] {
                    recoded.append(mapped)
                } else {
                    let mapped = target.code(for: source.string(for: code))
                    map[code] = mapped
                    recoded.append(mapped)
                }
            }
            if recoded.contains(0), target.count == 0 { _ = target.code(for: "") }
            return ColumnVector(.string(recoded, target), validity: vector.validity)
        }
    }
}
