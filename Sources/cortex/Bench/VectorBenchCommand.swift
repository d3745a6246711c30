import ArgumentParser
import CortexCore
import CortexStorage
import CortexVector
import CortexWire
import Foundation
// timespec's fields resolve to CoreFoundation's copy of the C declaration once
// JWTKit (through CortexApp) is in the module graph; MemberImportVisibility needs the import.
#if canImport(CoreFoundation)
import CoreFoundation
#endif

/// `cortex bench vector`: build a fresh collection from a TEXMEX dataset and sweep ef.
struct VectorBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vector",
        abstract: "Build a collection from DIR/base.fvecs and measure recall@10, QPS and latency per ef.",
        discussion: """
            DIR holds base.fvecs, query.fvecs and groundtruth.ivecs (exact top-100, 0-based ids into base). \
            With --server HOST:PORT --api-key K (scopes ingest and query) the collection is built on a running \
            server over the wire protocol, queried by --threads concurrent connections, and dropped afterwards \
            (--collection NAME queries an existing collection instead, e.g. one loaded through another API); \
            qps is then queries per wall-clock second and latencies include the network round trip.
            """)

    @Option(name: .long, help: "Dataset folder.") var dataset: String
    @Option(name: .long, help: "l2, ip or cosine.") var metric = "cosine"
    @Option(name: .long, help: "HNSW links per node.") var m = 16
    @Option(name: .customLong("ef-construction"), help: "Candidate list while building.") var efConstruction = 200
    @Option(name: .long, help: "Comma-separated ef values to sweep.") var ef = "16,32,64,128,256,512"
    @Option(name: .customLong("batch"), help: "Records per write transaction while building.") var batchSize = 10_000
    @Option(name: .long, help: "Navigation representation: int8 or none (default: int8 from 64 dimensions).") var quantization: String?
    @Option(name: .customLong("pq-m"), help: "Navigate on product-quantization codes of this many bytes (must divide the dimension).") var pqM: Int?
    @Option(name: .long, help: "Query threads; with more than one, qps is queries per wall-clock second.") var threads = 1
    @Option(name: .customLong("max-queries"), help: "Use at most this many queries.") var maxQueries: Int?
    @Option(name: .customLong("filter-selectivity"), help: "Also measure filtered queries: comma-separated percentages (e.g. 1,10,50); records get metadata bucket = row % 100 and the filter is bucket < p.")
    var filterSelectivity: String?
    @Option(name: .customLong("filter-ef"), help: "ef for the filtered queries.") var filterEF = 64
    @Option(name: .long, help: "After the sweep, delete this percentage of the vectors (a seeded random choice), insert them again, and sweep the same ef values once more (\"phase\":\"churn\" lines).")
    var churn: Int?
    @Flag(name: .long, help: "One JSON object per line (build: phase, build_s, bytes_per_vector_memory, bytes_per_vector_disk; search: phase, ef, recall@10, qps, p50_ms, p99_ms).") var json = false
    @Flag(name: .long, help: "Also report build CPU seconds, wall-clock QPS and the reopen + first-query time (extra JSON keys and a \"reopen\" line).") var extended = false
    @Option(name: .long, help: "Benchmark a running server at HOST:PORT over the wire protocol instead of an in-process collection.") var server: String?
    @Option(name: .customLong("api-key"), help: "API key for --server (scopes ingest and query).") var apiKey: String?
    @Option(name: .long, help: "With --server: query this existing collection (built from the same base.fvecs, ids \"0\"…) instead of building and dropping a scratch one; the key needs only the query scope.")
    var collection: String?
    @Option(name: .long, help: "With --server: answer the query set this many times per ef (qps and latencies cover all passes).") var passes = 1
    @Flag(name: .customLong("no-change-log"), help: "Open the throwaway store without a change log (no change record per write transaction), to measure what the log costs on ingest.")
    var noChangeLog = false

    func run() async throws {
        let metric = try reportingErrors { () throws(CortexError) in try Metric(parsing: self.metric) }
        let efs = ef.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !efs.isEmpty else { throw ValidationError("--ef needs at least one integer") }
        let data = try reportingErrors { () throws(CortexError) in try BenchDataset(folder: dataset, maxQueries: maxQueries) }
        guard server != nil || (collection == nil && passes == 1) else { throw ValidationError("--collection and --passes need --server") }
        guard passes >= 1 else { throw ValidationError("--passes must be at least 1") }
        if let server {
            guard filterSelectivity == nil, !extended, !noChangeLog else {
                throw ValidationError("--filter-selectivity, --extended and --no-change-log are not available with --server")
            }
            try await runRemote(RemoteServer(address: server, apiKey: apiKey), data: data, metric: metric, efs: efs)
            return
        }
        let folder = FileManager.default.temporaryDirectory.path + "/cortex-bench-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let options = StorageOptions(
            dataDirectory: folder + "/data",
            environment: EnvironmentOptions(mapByteCountInitial: 1 << 30, mapByteCountMax: 1 << 40, keepsChangeLog: !noChangeLog))
        let engine = try reportingErrors { () throws(CortexError) in try StorageEngine(options: options) }
        let tenant = try reportingErrors { () throws(CortexError) in try TenantID("bench") }
        _ = try reportingErrors { () throws(CortexError) in try engine.createTenant(tenant) }
        let environment = try reportingErrors { () throws(CortexError) in
            try engine.withTenantSync(tenant) { (environment: Environment) -> Environment in environment }
        }
        let store = try reportingErrors { () throws(CortexError) in try VectorStore(environment: environment) }
        var navigation: VectorQuantization?
        if let quantization {
            guard let parsed = VectorQuantization(rawValue: quantization) else { throw ValidationError("--quantization must be int8 or none") }
            navigation = parsed
        }
        let configuration = CollectionConfiguration(
            name: "bench", dimension: data.dimension, metric: metric, m: m, efConstruction: efConstruction, quantization: navigation,
            pqSubquantizers: pqM)
        let collection = try reportingErrors { () throws(CortexError) in try store.create(configuration) }

        let build = try buildCollection(collection, data: data)
        let statistics = environment.statistics()
        let report = BenchReport(json: json, extended: extended)
        report.build(
            seconds: build.wall, cpuSeconds: build.cpu, vectors: data.base.count, changeLog: !noChangeLog,
            memoryBytesPerVector: collection.navigationBytesPerVector,
            diskBytesPerVector: Double(statistics.fileByteCount) / Double(data.base.count))
        for efValue in efs {
            let result = try search(collection, data: data, ef: efValue)
            report.search(ef: efValue, result: result)
        }
        if let churn {
            guard (1...100).contains(churn) else { throw ValidationError("--churn needs a percentage 1-100") }
            let seconds = try churnCollection(collection, data: data, percent: churn)
            for efValue in efs {
                report.churn(percent: churn, seconds: seconds, ef: efValue, result: try search(collection, data: data, ef: efValue))
            }
        }
        if let filterSelectivity {
            let percents = filterSelectivity.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !percents.isEmpty, percents.allSatisfy({ (1...100).contains($0) }) else {
                throw ValidationError("--filter-selectivity needs percentages 1-100")
            }
            let truth = FilteredGroundTruth.compute(data: data, metric: metric, percents: percents)
            for percent in percents {
                report.filtered(percent: percent, ef: filterEF, result: try searchFiltered(collection, data: data, percent: percent, truth: truth[percent]!))
            }
        }
        engine.close()
        if extended { report.reopen(milliseconds: try reopenAndQuery(options: options, query: data.queries[0])) }
    }

    private func runRemote(_ server: RemoteServer, data: BenchDataset, metric: Metric, efs: [Int]) async throws {
        var quantizationCode = WireQuantization.serverDefault
        if let quantization {
            guard let parsed = VectorQuantization(rawValue: quantization) else { throw ValidationError("--quantization must be int8 or none") }
            quantizationCode = parsed == .int8 ? .int8 : .none
        }
        let spec = CollectionSpec(
            name: "bench-\(UUID().uuidString.prefix(8).lowercased())", dimension: data.dimension, metric: WireMetric(metric),
            quantization: quantizationCode, m: m, efConstruction: efConstruction, pqSubquantizers: pqM ?? 0)
        try await RemoteVectorBench(
            server: server, data: data, spec: spec, existingCollection: collection, batchSize: batchSize, threads: threads, passes: passes
        ).run(efs: efs, report: BenchReport(json: json, extended: false))
    }

    /// Filtered queries (`bucket < percent`) at `filterEF`, scored against exact filtered ground truth.
    private func searchFiltered(_ collection: VectorCollection, data: BenchDataset, percent: Int, truth: [[Int]]) throws -> SearchResult {
        let filter = try reportingErrors { () throws(CortexError) -> RecordFilter in
            RecordFilter(metadata: try MetadataFilter.parse(.object(["bucket": .object(["$lt": .int(Int64(percent))])])))
        }
        // First query evaluates and caches the filter; it is not timed, like the warm-up of the plain sweep.
        _ = try reportingErrors { () throws(CortexError) in try collection.query(data.queries[0], k: 10, ef: filterEF, filter: filter) }
        var latencies: [Double] = []
        var recallSum = 0.0
        let cpuStart = threadCPUSeconds()
        let wallStart = monotonicSeconds()
        for (index, query) in data.queries.enumerated() {
            let started = monotonicSeconds()
            let hits = try reportingErrors { () throws(CortexError) in try collection.query(query, k: 10, ef: filterEF, filter: filter) }
            latencies.append(monotonicSeconds() - started)
            recallSum += Double(Set(hits.compactMap { Int($0.id) }).intersection(truth[index]).count) / 10
        }
        let cpu = threadCPUSeconds() - cpuStart
        let wall = monotonicSeconds() - wallStart
        latencies.sort()
        return SearchResult(
            recall: recallSum / Double(data.queries.count), qps: Double(data.queries.count) / cpu, qpsWall: Double(data.queries.count) / wall,
            p50: latencies[latencies.count / 2] * 1000, p99: latencies[min(latencies.count - 1, latencies.count * 99 / 100)] * 1000)
    }

    /// Opens the closed data folder again and answers one query: the cold-start cost a restarted server pays.
    private func reopenAndQuery(options: StorageOptions, query: [Float]) throws -> Double {
        let started = monotonicSeconds()
        try reportingErrors { () throws(CortexError) in
            let engine = try StorageEngine(options: options)
            defer { engine.close() }
            _ = try engine.withTenantSync(try TenantID("bench")) { (environment: Environment) throws(CortexError) -> [SearchHit] in
                try VectorStore(environment: environment).collection(named: "bench").query(query, k: 10)
            }
        }
        return (monotonicSeconds() - started) * 1000
    }

    /// Deletes `percent` % of the rows (seeded shuffle) in batches, then upserts them again; returns the wall seconds.
    private func churnCollection(_ collection: VectorCollection, data: BenchDataset, percent: Int) throws -> Double {
        var generator = SplitMixGenerator(seed: 0xC40A2)
        let chosen = Array(data.base.indices.shuffled(using: &generator).prefix(data.base.count * percent / 100))
        let start = monotonicSeconds()
        for batchStart in stride(from: 0, to: chosen.count, by: batchSize) {
            let ids = chosen[batchStart..<min(batchStart + batchSize, chosen.count)].map { String($0) }
            _ = try reportingErrors { () throws(CortexError) in try collection.deleteSync(ids: ids) }
        }
        for batchStart in stride(from: 0, to: chosen.count, by: batchSize) {
            let rows = chosen[batchStart..<min(batchStart + batchSize, chosen.count)]
            let withBuckets = filterSelectivity != nil
            let batch = rows.map {
                VectorRecord(id: String($0), vector: data.base[$0], metadata: withBuckets ? ["bucket": .int(Int64($0 % 100))] : nil)
            }
            _ = try reportingErrors { () throws(CortexError) in try collection.upsertSync(batch) }
        }
        return monotonicSeconds() - start
    }

    private func buildCollection(_ collection: VectorCollection, data: BenchDataset) throws -> (wall: Double, cpu: Double) {
        let wallStart = monotonicSeconds()
        let cpuStart = threadCPUSeconds()
        for start in stride(from: 0, to: data.base.count, by: batchSize) {
            let end = min(start + batchSize, data.base.count)
            let withBuckets = filterSelectivity != nil
            let batch = (start..<end).map {
                VectorRecord(id: String($0), vector: data.base[$0], metadata: withBuckets ? ["bucket": .int(Int64($0 % 100))] : nil)
            }
            _ = try reportingErrors { () throws(CortexError) in try collection.upsertSync(batch) }
            if !json { FileHandle.standardError.write(Data("\rbuilt \(end)/\(data.base.count)".utf8)) }
        }
        if !json { FileHandle.standardError.write(Data("\n".utf8)) }
        return (monotonicSeconds() - wallStart, threadCPUSeconds() - cpuStart)
    }

    private func search(_ collection: VectorCollection, data: BenchDataset, ef: Int) throws -> SearchResult {
        var latencies = [Double](repeating: 0, count: data.queries.count)
        var hits = [[Int]](repeating: [], count: data.queries.count)
        // Warm-up pass so page faults and pointer resolution are not timed.
        for query in data.queries.prefix(50) { _ = try reportingErrors { () throws(CortexError) in try collection.query(query, k: 10, ef: ef) } }
        let cpuStart = threadCPUSeconds()
        let wallStart = monotonicSeconds()
        let threadCount = max(1, threads)
        let failures = Failures()
        latencies.withUnsafeMutableBufferPointer { latencyBuffer in
            hits.withUnsafeMutableBufferPointer { hitBuffer in
                let latencyOut = SendableBuffer(latencyBuffer)
                let hitOut = SendableBuffer(hitBuffer)
                // Each thread answers a contiguous slice and writes only its own indices.
                DispatchQueue.concurrentPerform(iterations: threadCount) { thread in
                    let count = data.queries.count
                    for index in (thread * count / threadCount)..<((thread + 1) * count / threadCount) {
                        let started = monotonicSeconds()
                        do throws(CortexError) {
                            let found = try collection.query(data.queries[index], k: 10, ef: ef)
                            latencyOut.buffer[index] = monotonicSeconds() - started
                            hitOut.buffer[index] = found.compactMap { Int($0.id) }
                        } catch {
                            failures.record(error)
                        }
                    }
                }
            }
        }
        if let error = failures.first { try reportingErrors { () throws(CortexError) in throw error } }
        let wall = monotonicSeconds() - wallStart
        // One thread: queries per CPU-second of that thread (steady on a shared machine).
        let cpu = threadCount == 1 ? threadCPUSeconds() - cpuStart : wall
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

/// A buffer handed to worker threads that write disjoint indices.
struct SendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}

/// The first error any query thread hit.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var first: CortexError?
    func record(_ error: CortexError) {
        lock.lock()
        if first == nil { first = error }
        lock.unlock()
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
    let extended: Bool

    /// `changeLog`: whether the store kept a change log while building (`--no-change-log` turns it off).
    func build(
        seconds: Double, cpuSeconds: Double, vectors: Int, changeLog: Bool, memoryBytesPerVector: Double, diskBytesPerVector: Double
    ) {
        if json {
            var line: [String: Any] = ["phase": "build", "build_s": round3(seconds),
                                       "bytes_per_vector_memory": round1(memoryBytesPerVector), "bytes_per_vector_disk": round1(diskBytesPerVector)]
            if extended {
                line["build_cpu_s"] = round3(cpuSeconds)
                line["vectors"] = vectors
                line["change_log"] = changeLog
            }
            emit(line)
        } else {
            print(String(format: "build %.2f s (cpu %.2f s) for %d vectors%@; %.0f B/vector hot memory, %.0f B/vector on disk",
                         seconds, cpuSeconds, vectors, changeLog ? "" : " without change log", memoryBytesPerVector, diskBytesPerVector))
        }
    }

    func search(ef: Int, result: SearchResult) {
        if json {
            var line: [String: Any] = ["phase": "search", "ef": ef, "recall@10": round4(result.recall), "qps": round1(result.qps),
                                       "p50_ms": round4(result.p50), "p99_ms": round4(result.p99)]
            if extended { line["qps_wall"] = round1(result.qpsWall) }
            emit(line)
        } else {
            print(String(format: "ef %4d  recall@10 %.4f  qps %8.1f (wall %8.1f)  p50 %.3f ms  p99 %.3f ms",
                         ef, result.recall, result.qps, result.qpsWall, result.p50, result.p99))
        }
    }

    func churn(percent: Int, seconds: Double, ef: Int, result: SearchResult) {
        if json {
            emit(["phase": "churn", "churn_percent": percent, "churn_s": round3(seconds), "ef": ef, "recall@10": round4(result.recall),
                  "qps": round1(result.qps), "p50_ms": round4(result.p50), "p99_ms": round4(result.p99)])
        } else {
            print(String(format: "after churn %d%% (%.1f s)  ef %4d  recall@10 %.4f  qps %8.1f  p50 %.3f ms  p99 %.3f ms",
                         percent, seconds, ef, result.recall, result.qps, result.p50, result.p99))
        }
    }

    func filtered(percent: Int, ef: Int, result: SearchResult) {
        if json {
            emit(["phase": "filtered", "selectivity_percent": percent, "ef": ef, "recall@10": round4(result.recall),
                  "qps": round1(result.qps), "p50_ms": round4(result.p50), "p99_ms": round4(result.p99)])
        } else {
            print(String(format: "filtered %3d%%  ef %4d  recall@10 %.4f  qps %8.1f  p50 %.3f ms  p99 %.3f ms",
                         percent, ef, result.recall, result.qps, result.p50, result.p99))
        }
    }

    func reopen(milliseconds: Double) {
        if json {
            emit(["phase": "reopen", "first_query_ms": round3(milliseconds)])
        } else {
            print(String(format: "reopen + first query %.1f ms", milliseconds))
        }
    }

    func emit(_ object: [String: Any]) {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        print(String(decoding: data, as: UTF8.self))
    }

    func round1(_ value: Double) -> Double { (value * 10).rounded() / 10 }
    func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
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

/// SplitMix64: a small seeded generator, so a churn run deletes the same rows every time.
struct SplitMixGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
