import COpenBLAS
import CortexVector

/// Exact top-10 per query among rows with `row % 100 < percent`, for each percent,
/// by BLAS `sgemm` over blocks of base rows (scores = query · row, turned into
/// the metric's distance with the norms).
enum FilteredGroundTruth {
    static func compute(data: BenchDataset, metric: Metric, percents: [Int]) -> [Int: [[Int]]] {
        let dimension = data.dimension
        let queryCount = data.queries.count
        let queries = data.queries.flatMap { $0 }
        let queryNorms = data.queries.map { $0.reduce(Float(0)) { $0 + $1 * $1 } }
        var best: [Int: [[(Float, Int)]]] = [:]
        for percent in percents { best[percent] = Array(repeating: [], count: queryCount) }
        let blockSize = 4_096
        var scores = [Float](repeating: 0, count: queryCount * blockSize)
        for start in stride(from: 0, to: data.base.count, by: blockSize) {
            let rows = min(blockSize, data.base.count - start)
            let block = data.base[start..<(start + rows)].flatMap { $0 }
            let norms = data.base[start..<(start + rows)].map { $0.reduce(Float(0)) { $0 + $1 * $1 } }
            // scores[q][r] = queries[q] · block[r]
            queries.withUnsafeBufferPointer { q in
                block.withUnsafeBufferPointer { b in
                    scores.withUnsafeMutableBufferPointer { out in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(queryCount), Int32(rows), Int32(dimension),
                                    1, q.baseAddress, Int32(dimension), b.baseAddress, Int32(dimension), 0, out.baseAddress, Int32(rows))
                    }
                }
            }
            for query in 0..<queryCount {
                for row in 0..<rows {
                    let index = start + row
                    let dot = scores[query * rows + row]
                    let distance: Float
                    switch metric {
                    case .l2: distance = queryNorms[query] - 2 * dot + norms[row]
                    case .ip: distance = 1 - dot
                    case .cosine: distance = 1 - dot / (queryNorms[query] * norms[row]).squareRoot()
                    }
                    for percent in percents where index % 100 < percent {
                        insert((distance, index), into: &best[percent]![query])
                    }
                }
            }
        }
        return best.mapValues { perQuery in perQuery.map { $0.map(\.1) } }
    }

    /// Keeps the 10 smallest (distance, index) pairs, sorted.
    private static func insert(_ item: (Float, Int), into list: inout [(Float, Int)]) {
        if list.count == 10, let last = list.last, !(item.0 < last.0 || (item.0 == last.0 && item.1 < last.1)) { return }
        let position = list.firstIndex { item.0 < $0.0 || (item.0 == $0.0 && item.1 < $0.1) } ?? list.count
        list.insert(item, at: position)
        if list.count > 10 { list.removeLast() }
    }
}
