/// A run of values of one column, as execution sees them.
///
/// Integer-like columns (`int32`, `int64`, `bool` as 0/1, `timestamp`) are
/// `Int64`; `float64` is `Double`; strings are codes into a dictionary.
/// A null row's value slot holds 0 and is ignored.
public struct ColumnVector: Sendable {
    public enum Values: Sendable {
        case int64(ContiguousArray<Int64>)
        case float64(ContiguousArray<Double>)
        /// Codes into the dictionary; every code is valid in it.
        case string(ContiguousArray<Int32>, StringDictionary)
    }

    public var values: Values
    /// `nil` when no row is null; otherwise `validity[i] == false` marks row `i` null.
    public var validity: ContiguousArray<Bool>?

    public init(_ values: Values, validity: ContiguousArray<Bool>? = nil) {
        self.values = values
        self.validity = validity
        if let validity { precondition(validity.count == count, "validity has \(validity.count) rows, values \(count)") }
    }

    public var count: Int {
        switch values {
        case .int64(let values): values.count
        case .float64(let values): values.count
        case .string(let codes, _): codes.count
        }
    }

    /// Whether row `index` is null.
    @inline(__always)
    public func isNull(_ index: Int) -> Bool { validity.map { !$0[index] } ?? false }

    /// The number of null rows.
    public var nullCount: Int { validity.map { $0.count { !$0 } } ?? 0 }
}
