import CortexCore
import CortexStorage
import CortexTesting
import CortexVector

/// Seeded clustered data and brute-force ground truth for recall tests.
struct ClusteredData {
    let base: [[Float]]
    let queries: [[Float]]

    init(count: Int, queryCount: Int, dimension: Int, clusters: Int, random: inout SeededGenerator) {
        let centers = (0..<clusters).map { _ in (0..<dimension).map { _ in Float.random(in: -1...1, using: &random) } }
        func sample(_ random: inout SeededGenerator) -> [Float] {
            let center = centers.randomElement(using: &random)!
            return center.map { $0 + Float.random(in: -0.35...0.35, using: &random) }
        }
        base = (0..<count).map { _ in sample(&random) }
        queries = (0..<queryCount).map { _ in sample(&random) }
    }

    /// Exact top-k ids (indices into `base`) by `metric`, ties by lower index.
    func groundTruth(_ query: [Float], k: Int, metric: Metric, among allowed: Set<Int>? = nil) -> [Int] {
        func distance(_ vector: [Float]) -> Double {
            switch metric {
            case .l2:
                return zip(query, vector).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
            case .ip:
                return 1 - zip(query, vector).reduce(0.0) { $0 + Double($1.0 * $1.1) }
            case .cosine:
                let dot: Double = zip(query, vector).reduce(0.0) { $0 + Double($1.0 * $1.1) }
                let queryNorm: Double = query.reduce(0.0) { $0 + Double($1 * $1) }
                let vectorNorm: Double = vector.reduce(0.0) { $0 + Double($1 * $1) }
                return 1 - dot / (queryNorm * vectorNorm).squareRoot()
            }
        }
        let candidates = allowed.map { Array($0) } ?? Array(base.indices)
        let scored: [(index: Int, distance: Double)] = candidates.map { ($0, distance(base[$0])) }
        let sorted = scored.sorted { $0.distance < $1.distance || ($0.distance == $1.distance && $0.index < $1.index) }
        return sorted.prefix(k).map(\.index)
    }
}

/// A temporary engine with one tenant and its vector store.
struct VectorFixture {
    let engine: StorageEngine
    let directory: TemporaryDirectory
    let environment: Environment
    let store: VectorStore

    init() throws {
        directory = TemporaryDirectory("cortex-vector")
        engine = try StorageEngine(options: Engines.options(directory.child("data"), mapByteCountInitial: 8 << 20))
        let tenant = try TenantID("vectors")
        try engine.createTenant(tenant)
        environment = try engine.withTenantSync(tenant) { (environment: Environment) -> Environment in environment }
        store = try VectorStore(environment: environment)
    }
}

func recall(_ found: [String], _ expected: [Int]) -> Double {
    Double(Set(found).intersection(expected.map { "r\($0)" }).count) / Double(expected.count)
}
