import CortexClient
import CortexVector
import CortexWire
import Foundation

/// `cortex bench vector --server`: builds a scratch collection on a running server over the wire
/// protocol, sweeps ef with `threads` concurrent connections, and drops the collection; or, with
/// `existingCollection`, only queries that collection (which must hold `data.base` under ids "0"…).
struct RemoteVectorBench {
    let server: RemoteServer
    let data: BenchDataset
    let spec: CollectionSpec
    let existingCollection: String?
    let batchSize: Int
    let threads: Int
    /// Passes over the query set per ef.
    let passes: Int

    func run(efs: [Int], report: BenchReport) async throws {
        let clients = try await connect(count: max(1, threads))
        do {
            if let existingCollection {
                for ef in efs { report.search(ef: ef, result: try await search(clients, collection: existingCollection, ef: ef)) }
            } else {
                try await buildSearchAndDrop(clients, efs: efs, report: report)
            }
        } catch {
            for client in clients { await client.close() }
            throw error
        }
        for client in clients { await client.close() }
    }

    private func buildSearchAndDrop(_ clients: [CortexClient], efs: [Int], report: BenchReport) async throws {
        let main = clients[0]
        _ = try await reportingWireErrors { () async throws(WireError) in try await main.createCollection(spec) }
        let started = monotonicSeconds()
        for start in stride(from: 0, to: data.base.count, by: batchSize) {
            let end = min(start + batchSize, data.base.count)
            let records = (start..<end).map { VectorRecord(id: String($0), vector: data.base[$0]) }
            _ = try await reportingWireErrors { () async throws(WireError) in try await main.upsertFitting(collection: spec.name, records: records) }
            if !report.json { FileHandle.standardError.write(Data("\rbuilt \(end)/\(data.base.count)".utf8)) }
        }
        if !report.json { FileHandle.standardError.write(Data("\n".utf8)) }
        report.remoteBuild(seconds: monotonicSeconds() - started, vectors: data.base.count, connections: clients.count)
        for ef in efs { report.search(ef: ef, result: try await search(clients, collection: spec.name, ef: ef)) }
        try await reportingWireErrors { () async throws(WireError) in try await main.dropCollection(spec.name) }
    }

    private func connect(count: Int) async throws -> [CortexClient] {
        var clients: [CortexClient] = []
        for _ in 0..<count { clients.append(try await server.connect()) }
        return clients
    }

    /// Each connection answers a contiguous slice of `passes` × the queries, one request at a time;
    /// qps is queries per wall-clock second over all connections.
    private func search(_ clients: [CortexClient], collection name: String, ef: Int) async throws -> SearchResult {
        for query in data.queries.prefix(50) {
            _ = try await reportingWireErrors { () async throws(WireError) in try await clients[0].query(collection: name, vector: query, k: 10, ef: ef) }
        }
        let queries = data.queries
        let total = queries.count * passes
        let started = monotonicSeconds()
        let answers = try await withThrowingTaskGroup(of: [(index: Int, ids: [Int], seconds: Double)].self) { group in
            for (worker, client) in clients.enumerated() {
                let range = (worker * total / clients.count)..<((worker + 1) * total / clients.count)
                group.addTask {
                    var answers: [(index: Int, ids: [Int], seconds: Double)] = []
                    for position in range {
                        let index = position % queries.count
                        let queryStarted = monotonicSeconds()
                        let hits = try await client.query(collection: name, vector: queries[index], k: 10, ef: ef)
                        answers.append((index, hits.compactMap { Int($0.record.id) }, monotonicSeconds() - queryStarted))
                    }
                    return answers
                }
            }
            var all: [(index: Int, ids: [Int], seconds: Double)] = []
            for try await answers in group { all += answers }
            return all
        }
        let wall = monotonicSeconds() - started
        var recallSum = 0.0
        for answer in answers {
            let truth = Set(data.groundTruth[answer.index].prefix(10).map(Int.init))
            recallSum += Double(Set(answer.ids).intersection(truth).count) / 10
        }
        let latencies = answers.map(\.seconds).sorted()
        let qps = Double(total) / wall
        return SearchResult(
            recall: recallSum / Double(total), qps: qps, qpsWall: qps,
            p50: latencies[latencies.count / 2] * 1000, p99: latencies[min(latencies.count - 1, latencies.count * 99 / 100)] * 1000)
    }
}

extension BenchReport {
    /// The build line of a remote run: time and size only (the server's memory layout is not visible over the wire).
    func remoteBuild(seconds: Double, vectors: Int, connections: Int) {
        if json {
            emit(["phase": "build", "build_s": round3(seconds), "vectors": vectors, "server": true, "connections": connections])
        } else {
            print(String(format: "build %.2f s for %d vectors over the wire; searching with %d connection(s)", seconds, vectors, connections))
        }
    }
}
