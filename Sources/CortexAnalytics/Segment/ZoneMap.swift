/// A zone map: what a range of rows holds.
///
/// For integer-like columns `minInt`/`maxInt`; float64: `minDouble`/`maxDouble`; string:
/// `minInt`/`maxInt` are codes in the segment's dictionary, which is sorted byte-wise so code
/// order = string order. All-null ranges have `nullCount == rowCount` and min/max 0.
/// Float64 bounds ignore NaN (a range holding only NaN and nulls has min `+inf`, max `-inf`);
/// -0.0 and 0.0 compare equal, so either may be the bound.
public struct ZoneMap: Sendable, Equatable {
    /// Rows in the range.
    public let rowCount: Int
    /// Null rows in the range.
    public let nullCount: Int
    /// Smallest non-null value (integer-like and string columns), else 0.
    public let minInt: Int64
    /// Largest non-null value (integer-like and string columns), else 0.
    public let maxInt: Int64
    /// Smallest non-null, non-NaN value (float64 columns), else 0.
    public let minDouble: Double
    /// Largest non-null, non-NaN value (float64 columns), else 0.
    public let maxDouble: Double

    /// A zone map with explicit fields.
    public init(rowCount: Int, nullCount: Int, minInt: Int64 = 0, maxInt: Int64 = 0, minDouble: Double = 0, maxDouble: Double = 0) {
        self.rowCount = rowCount
        self.nullCount = nullCount
        self.minInt = minInt
        self.maxInt = maxInt
        self.minDouble = minDouble
        self.maxDouble = maxDouble
    }

    /// Whether every row is null (min/max are then meaningless).
    public var isAllNull: Bool { nullCount == rowCount }

    /// The zone map of the rows of both `self` and `other`.
    func merged(with other: ZoneMap, isFloat: Bool) -> ZoneMap {
        if other.isAllNull { return ZoneMap(rowCount: rowCount + other.rowCount, nullCount: nullCount + other.nullCount,
            minInt: minInt, maxInt: maxInt, minDouble: minDouble, maxDouble: maxDouble) }
        if isAllNull { return ZoneMap(rowCount: rowCount + other.rowCount, nullCount: nullCount + other.nullCount,
            minInt: other.minInt, maxInt: other.maxInt, minDouble: other.minDouble, maxDouble: other.maxDouble) }
        return ZoneMap(
            rowCount: rowCount + other.rowCount, nullCount: nullCount + other.nullCount,
            minInt: isFloat ? 0 : min(minInt, other.minInt), maxInt: isFloat ? 0 : max(maxInt, other.maxInt),
            minDouble: isFloat ? min(minDouble, other.minDouble) : 0, maxDouble: isFloat ? max(maxDouble, other.maxDouble) : 0)
    }

    /// The zone map of `values[range]` with null flags `validity` (nil: no nulls).
    static func of(
        _ values: UnsafePointer<Int64>, validity: UnsafePointer<Bool>?, range: Range<Int>, isFloat: Bool
    ) -> ZoneMap {
        var nulls = 0
        var low = Int64.max, high = Int64.min
        var lowDouble = Double.infinity, highDouble = -Double.infinity
        for row in range {
            // In bounds: the caller's buffers cover `range`.
            if let validity = unsafe validity, unsafe !validity[row] {
                nulls += 1
                continue
            }
            let value = unsafe values[row]
            if isFloat {
                let double = Double(bitPattern: UInt64(bitPattern: value))
                if double.isNaN { continue }
                lowDouble = min(lowDouble, double)
                highDouble = max(highDouble, double)
            } else {
                low = min(low, value)
                high = max(high, value)
            }
        }
        if nulls == range.count { return ZoneMap(rowCount: range.count, nullCount: nulls) }
        return isFloat
            ? ZoneMap(rowCount: range.count, nullCount: nulls, minDouble: lowDouble, maxDouble: highDouble)
            : ZoneMap(rowCount: range.count, nullCount: nulls, minInt: low, maxInt: high)
    }
}
