/// The workload of the analytics crash test, shared by its child process and
/// the test that checks what survived (so both agree on every row).
public enum AnalyticsCrashWorkload {
    public static let rowsPerBatch = 50

    public static let schema: TableSchema = try! TableSchema(
        name: "crash",
        columns: [
            ColumnSchema("tenant_id", .int64, nullable: false), ColumnSchema("ts", .timestamp, nullable: false),
            ColumnSchema("batch", .int64, nullable: false), ColumnSchema("row", .int32, nullable: false), ColumnSchema("label", .string),
        ],
        tenantColumn: "tenant_id", timeColumn: "ts", clusterColumns: ["ts"])

    /// Small seals and narrow partitions, so a kill often lands in a seal or merge.
    public static var options: AnalyticsTableOptions {
        var options = AnalyticsTableOptions()
        options.sealRowCount = 3_000
        options.partitionMilliseconds = 20_000
        return options
    }

    /// Batch `batch`: tenant = batch % 5, ts = batch·100 + row, label "b<batch % 7>" (null for row % 9 == 0).
    public static func batch(_ batch: Int64) -> [ColumnVector] {
        let rows = 0..<rowsPerBatch
        let dictionary = StringDictionary()
        return [
            ColumnVector(.int64(ContiguousArray(rows.map { _ in batch % 5 }))),
            ColumnVector(.int64(ContiguousArray(rows.map { batch * 100 + Int64($0) }))),
            ColumnVector(.int64(ContiguousArray(rows.map { _ in batch }))),
            ColumnVector(.int64(ContiguousArray(rows.map { Int64($0) }))),
            ColumnVector(
                .string(ContiguousArray(rows.map { _ in dictionary.code(for: "b\(batch % 7)") }), dictionary),
                validity: ContiguousArray(rows.map { $0 % 9 != 0 })),
        ]
    }
}
