import CortexCore

/// What expressions are evaluated over: `rowCount` rows whose columns,
/// aggregate results and group keys come as vectors.
final class EvaluationInput {
    let rowCount: Int
    private let fetch: (Int) throws(CortexError) -> ColumnVector
    private var cache: [Int: ColumnVector] = [:]
    let aggregates: [ColumnVector]
    let groupKeys: [ColumnVector]

    init(rowCount: Int, aggregates: [ColumnVector] = [], groupKeys: [ColumnVector] = [], fetch: @escaping (Int) throws(CortexError) -> ColumnVector) {
        self.rowCount = rowCount
        self.fetch = fetch
        self.aggregates = aggregates
        self.groupKeys = groupKeys
    }

    func column(_ index: Int) throws(CortexError) -> ColumnVector {
        if let cached = cache[index] { return cached }
        let vector = try fetch(index)
        cache[index] = vector
        return vector
    }

    /// The rows of a scanned block; with `selection`, only those rows (in order).
    static func block(_ block: any ColumnBlock, selection: ContiguousArray<Int32>?) -> EvaluationInput {
        EvaluationInput(rowCount: selection?.count ?? block.rowCount) { (index: Int) throws(CortexError) -> ColumnVector in
            let vector = try block.column(index)
            guard let selection else { return vector }
            return vector.gathering(selection)
        }
    }
}

/// Shared state of one query's evaluation: the dictionary of strings made by
/// expressions, and `now`.
final class EvaluationContext: Sendable {
    /// Strings produced by expressions (strftime, lower, ||, casts) are coded here.
    let scratch = StringDictionary()

    init() {}
}
