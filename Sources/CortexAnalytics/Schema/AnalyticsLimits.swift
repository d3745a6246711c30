/// Bounds of the analytics store, in one place (STYLE.md §8).
public enum AnalyticsLimits {
    /// Columns per table.
    public static let columnCountMax = 256
    /// Rows per block: the unit of encoding, zone maps and decoding.
    public static let blockRowCount = 2048
    /// Rows at which the hot buffer seals into a segment.
    public static let segmentRowCountMax = 1 << 20
    /// Bytes of SQL text accepted by the parser.
    public static let sqlByteCountMax = 64 * 1024
    /// Nesting depth of expressions (parentheses, operators) the parser accepts.
    public static let expressionDepthMax = 128
    /// Distinct values one string column may hold in a table dictionary.
    public static let dictionaryEntryCountMax = 1 << 24
    /// Bytes of one string value.
    public static let stringByteCountMax = 64 * 1024
    /// Rows a query may return.
    public static let resultRowCountMax = 1_000_000
    /// Groups a hash aggregation may hold in memory before it fails with `.tooLarge`.
    public static let groupCountMax = 4_000_000
}
