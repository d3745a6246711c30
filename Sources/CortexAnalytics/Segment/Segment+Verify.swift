public import CortexCore

extension Segment {
    /// Checks every chunk checksum and decodes every block of every column, comparing each
    /// block's values with its footer zone map (null count, min, max) and string codes with the
    /// dictionary. For tests, fuzzers and `cortex admin verify`.
    ///
    /// - Throws: `.corrupt` naming the segment, column and block of the first failure.
    /// - Cost: decompresses and decodes the whole segment once.
    public func verify() throws(CortexError) {
        let values = UnsafeMutablePointer<Int64>.allocate(capacity: AnalyticsLimits.blockRowCount)
        let validity = UnsafeMutablePointer<Bool>.allocate(capacity: AnalyticsLimits.blockRowCount)
        defer {
            unsafe values.deallocate()
            unsafe validity.deallocate()
        }
        for column in schema.columns.indices {
            let chunk = try chunk(column)
            let type = schema.columns[column].type
            for block in 0..<blockCount {
                try unsafe decodeBlock(column: column, block: block, chunk: chunk, values: values, validity: validity)
                let rowCount = footer.rowCount(ofBlock: block)
                // In bounds: decodeBlock filled rowCount values and flags.
                let actual = unsafe ZoneMap.of(values, validity: validity, range: 0..<rowCount, isFloat: type == .float64)
                let context = "\(name): column \(schema.columns[column].name) block \(block)"
                guard actual == zoneMap(column: column, block: block) else {
                    throw .corrupt("\(context): values disagree with the footer's zone map")
                }
                if type == .string, !actual.isAllNull {
                    let entryCount = Int64(dictionary(column: column)?.count ?? 0)
                    guard actual.minInt >= 0, actual.maxInt < entryCount else {
                        throw .corrupt("\(context): code outside the \(entryCount)-entry dictionary")
                    }
                }
            }
        }
        try verifyTenantColumn()
    }

    /// The tenant column must agree with the tenant directory.
    private func verifyTenantColumn() throws(CortexError) {
        let column = try decode(column: schema.tenantColumn, rows: 0..<rowCount)
        guard case .int64(let tenantValues) = column.values else { preconditionFailure("tenant column is integer-like") }
        for entry in footer.tenants {
            let rows = entry.rowStart..<(entry.rowStart + entry.rowCount)
            guard tenantValues[rows].allSatisfy({ $0 == entry.tenant }) else {
                throw .corrupt("\(name): tenant column disagrees with the tenant directory for tenant \(entry.tenant)")
            }
        }
    }
}
