import ArgumentParser
import CortexCore
import CortexStorage
import CortexVector
import Foundation

/// `cortex bench vector`: build a fresh collection from a TEXMEX dataset and sweep ef.
struct VectorBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vector",
        abstract: "Build a collection from DIR/base.fvecs and measure recall@10, QPS and latency per ef.",
        discussion: "DIR holds base.fvecs, query.fvecs and groundtruth.ivecs (exact top-100, 0-based ids into base).")

    @Option(name: .long, help: "Dataset folder.") var dataset: String
    @Option(name: .long, help: "l2, ip or cosine.") var metric = "cosine"
    @Option(name: .long, help: "HNSW links per node.") var m = 16
    @Option(name: .customLong("ef-construction"), help: "Candidate list while building.") var efConstruction = 200
    @Option(name: .long, help: "Comma-separated ef values to sweep.") var ef = "16,32,64,128,256,512"
    @Option(name: .customLong("batch"), help: "Records per write transaction while building.") var batchSize = 10_000
    @Option(name: .long, help: "Query threads.") var threads = 1
    @Option(name: .customLong("max-queries"), help: "Use at most this many queries.") var maxQueries: Int?
    @Flag(name: .long, help: "One JSON object per line.") var json = false

    func run() async throws {
        let metric = try reportingErrors { () throws(CortexError) in try Metric(parsing: self.metric) }
        let efs = ef.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !efs.isEmpty else { throw ValidationError("--ef needs at least one integer") }
        let data = try reportingErrors { () throws(CortexError) in try BenchDataset(folder: dataset, maxQueries: maxQueries) }
        let folder = FileManager.default.temporaryDirectory.path + "/cortex-bench-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let engine = try reportingErrors { () throws(CortexError) in
            try StorageEngine(options: StorageOptions(
                dataDirectory: folder + "/data",
                environment: EnvironmentOptions(mapByteCountInitial: 1 << 30, mapByteCountMax: 1 << 40)))
        }
        defer { engine.close() }
        let tenant = try reportingErrors { () throws(CortexError) in try TenantID("bench") }
        _ = try reportingErrors { () throws(CortexError) in try engine.createTenant(tenant) }
        let environment = try reportingErrors { () throws(CortexError) in
            try engine.withTenantSync(tenant) { (environment: Environment) -> Environment in environment }
        }
        let store = try reportingErrors { () throws(CortexError) in try VectorStore(environment: environment) }
        let configuration = CollectionConfiguration(
            name: "bench", dimension: data.dimension, metric: metric, m: m, efConstruction: efConstruction)
        let collection = try reportingErrors { () throws(CortexError) in try store.create(configuration) }

        let build = try buildCollection(collection, data: data)
        let statistics = environment.statistics()
        let report = BenchReport(json: json)
        report.build(
            seconds: build.wall, cpuSeconds: build.cpu, vectors: data.base.count,
            memoryBytesPerVector: Double(4 * data.dimension + 8 + 8 * m) + build.upperBytesPerVector,
            diskBytesPerVector: Double(statistics.fileByteCount) / Double(data.base.count))
        for efValue in efs {
            let result = try search(collection, data: data, ef: efValue)
            report.search(ef: efValue, result: result)
        }
    }

    private func buildCollection(_ collection: VectorCollection, data: BenchDataset) throws -> (wall: Double, cpu: Double, upperBytesPerVector: Double) {
        let wallStart = monotonicSeconds()
        let cpuStart = threadCPUSeconds()
        for start in stride(from: 0, to: data.base.count, by: batchSize) {
            let end = min(start + batchSize, data.base.count)
            let batch = (start..<end).map { VectorRecord(id: String($0), vector: data.base[$0]) }
            _ = try reportingErrors { () throws(CortexError) in try collection.upsertSync(batch) }
            if !json { FileHandle.standardError.write(Data("\rbuilt \(end)/\(data.base.count)".utf8)) }
        }
        if !json { FileHandle.standardError.write(Data("\n".utf8)) }
        // Nodes above level 0 are about 1/(m−1) of all; each keeps m links per level.
        let upper = Double(4 + 4 * m) / Double(m - 1)
        return (monotonicSeconds() - wallStart, threadCPUSeconds() - cpuStart, upper)
    }

    private func search(_ collection: VectorCollection, data: BenchDataset, ef: Int) throws -> SearchResult {
        var latencies = [Double](repeating: 0, count: data.queries.count)
        var hits = [[Int]](repeating: [], count: data.queries.count)
        // Warm-up pass so page faults and pointer resolution are not timed.
        for query in data.queries.prefix(50) { _ = try reportingErrors { () throws(CortexError) in try collection.query(query, k: 10, ef: ef) } }
        let cpuStart = threadCPUSeconds()
        let wallStart = monotonicSeconds()
        for (index, query) in data.queries.enumerated() {
            let started = monotonicSeconds()
            let found = try reportingErrors { () throws(CortexError) in try collection.query(query, k: 10, ef: ef) }
            latencies[index] = monotonicSeconds() - started
            hits[index] = found.compactMap { Int($0.id) }
        }
        let wall = monotonicSeconds() - wallStart
        let cpu = threadCPUSeconds() - cpuStart
        var recallSum = 0.0
        for (index, found) in hits.enumerated() {
            let truth = Set(data.groundTruth[index].prefix(10).map(Int.init))
            recallSum += Double(Set(found).intersection(truth).count) / 10
        }
        latencies.sort()
        return SearchResult(
            recall: recallSum / Double(data.queries.count), qps: Double(data.queries.count) / cpu,
            qpsWall: Double(data.queries.count) / wall,
            p50: latencies[latencies.count / 2] * 1000, p99: latencies[min(latencies.count - 1, latencies.count * 99 / 100)] * 1000)
    }
}

struct SearchResult {
    let recall: Double
    let qps: Double
    let qpsWall: Double
    let p50: Double
    let p99: Double
}

/// base/query/groundtruth of a TEXMEX dataset folder.
struct BenchDataset {
    let base: [[Float]]
    let queries: [[Float]]
    let groundTruth: [[Int32]]
    var dimension: Int { base[0].count }

    init(folder: String, maxQueries: Int?) throws(CortexError) {
        base = try TexmexReader.floatVectors(atPath: folder + "/base.fvecs")
        let allQueries = try TexmexReader.floatVectors(atPath: folder + "/query.fvecs")
        let truth = try TexmexReader.intVectors(atPath: folder + "/groundtruth.ivecs")
        guard allQueries.count == truth.count else {
            throw .invalidInput("\(folder): \(allQueries.count) queries but \(truth.count) ground-truth rows")
        }
        guard let first = base.first, allQueries.allSatisfy({ $0.count == first.count }) else {
            throw .invalidInput("\(folder): queries and base vectors differ in dimension")
        }
        let limit = min(maxQueries ?? allQueries.count, allQueries.count)
        queries = Array(allQueries.prefix(limit))
        groundTruth = Array(truth.prefix(limit))
    }
}

/// Prints build and search lines as text or JSON (one object per line, keys per the issue).
struct BenchReport {
    let json: Bool

    func build(seconds: Double, cpuSeconds: Double, vectors: Int, memoryBytesPerVector: Double, diskBytesPerVector: Double) {
        if json {
            emit(["phase": "build", "build_s": round3(seconds), "build_cpu_s": round3(cpuSeconds), "vectors": vectors,
                  "bytes_per_vector_memory": round1(memoryBytesPerVector), "bytes_per_vector_disk": round1(diskBytesPerVector)])
        } else {
            print(String(format: "build %.2f s (cpu %.2f s) for %d vectors; %.0f B/vector hot memory, %.0f B/vector on disk",
                         seconds, cpuSeconds, vectors, memoryBytesPerVector, diskBytesPerVector))
        }
    }

    func search(ef: Int, result: SearchResult) {
        if json {
            emit(["phase": "search", "ef": ef, "recall@10": round4(result.recall), "qps": round1(result.qps),
                  "qps_wall": round1(result.qpsWall), "p50_ms": round4(result.p50), "p99_ms": round4(result.p99)])
        } else {
            print(String(format: "ef %4d  recall@10 %.4f  qps %8.1f (wall %8.1f)  p50 %.3f ms  p99 %.3f ms",
                         ef, result.recall, result.qps, result.qpsWall, result.p50, result.p99))
        }
    }

    private func emit(_ object: [String: Any]) {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        print(String(decoding: data, as: UTF8.self))
    }

    private func round1(_ value: Double) -> Double { (value * 10).rounded() / 10 }
    private func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
    private func round4(_ value: Double) -> Double { (value * 10000).rounded() / 10000 }
}

func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func threadCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}
