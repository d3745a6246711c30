/// What a range of rows of one column holds: row and null counts and the
/// minimum and maximum value.
///
/// Integer-like columns use `minInt`/`maxInt`; float64 `minDouble`/`maxDouble`
/// (NaN is ignored); string columns `minInt`/`maxInt` as codes in the
/// segment's dictionary, which is sorted byte-wise so code order is string
/// order. When every row is null, min/max are meaningless.
public struct ZoneMap: Sendable, Equatable {
    public let rowCount: Int
    public let nullCount: Int
    public let minInt: Int64
    public let maxInt: Int64
    public let minDouble: Double
    public let maxDouble: Double

    public init(rowCount: Int, nullCount: Int, minInt: Int64, maxInt: Int64, minDouble: Double, maxDouble: Double) {
        self.rowCount = rowCount
        self.nullCount = nullCount
        self.minInt = minInt
        self.maxInt = maxInt
        self.minDouble = minDouble
        self.maxDouble = maxDouble
    }

    /// The zone map of `rows` of `values`.
    static func of(_ values: ColumnVector, rows: Range<Int>) -> ZoneMap {
        var nulls = 0
        var minInt = Int64.max, maxInt = Int64.min
        var minDouble = Double.infinity, maxDouble = -Double.infinity
        switch values.values {
        case .int64(let ints):
            for row in rows {
                if values.isNull(row) { nulls += 1; continue }
                minInt = min(minInt, ints[row])
                maxInt = max(maxInt, ints[row])
            }
        case .float64(let doubles):
            for row in rows {
                if values.isNull(row) { nulls += 1; continue }
                let value = doubles[row]
                if value.isNaN { continue }
                minDouble = min(minDouble, value)
                maxDouble = max(maxDouble, value)
            }
        case .string(let codes, _):
            for row in rows {
                if values.isNull(row) { nulls += 1; continue }
                minInt = min(minInt, Int64(codes[row]))
                maxInt = max(maxInt, Int64(codes[row]))
            }
        }
        return ZoneMap(rowCount: rows.count, nullCount: nulls, minInt: minInt, maxInt: maxInt, minDouble: minDouble, maxDouble: maxDouble)
    }

    /// The zone map covering both.
    func merged(with other: ZoneMap) -> ZoneMap {
        ZoneMap(
            rowCount: rowCount + other.rowCount, nullCount: nullCount + other.nullCount, minInt: min(minInt, other.minInt),
            maxInt: max(maxInt, other.maxInt), minDouble: min(minDouble, other.minDouble), maxDouble: max(maxDouble, other.maxDouble))
    }

    static let empty = ZoneMap(rowCount: 0, nullCount: 0, minInt: .max, maxInt: .min, minDouble: .infinity, maxDouble: -.infinity)
}
