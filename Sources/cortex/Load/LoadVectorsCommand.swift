import ArgumentParser
import CortexCore
import CortexStorage
import CortexVector
import Foundation

/// `cortex load vectors`: upsert every record of a file into a collection, in large transactions.
struct LoadVectorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vectors",
        abstract: "Load .fvecs, .npy or .jsonl vectors into a collection (upsert by id; re-running is safe).",
        discussion: """
            .fvecs and .npy rows get ids "0", "1", …; .jsonl lines are {"id", "vector", "metadata"?, "document"?}. \
            The tenant and the collection are created when missing (the collection with --metric, --m, \
            --ef-construction, --pq-m and the file's dimension). Each batch is one transaction: when a "loaded N" \
            line is printed, those records are durable. With --server HOST:PORT --api-key K the records go to a \
            running server over the wire protocol instead (the tenant is the key's; --data is not used; batches \
            larger than the server's frame or batch limit are split).
            """)

    @Option(name: .long, help: "Data folder.") var data = "./data"
    @Option(name: .long, help: "Tenant id (with --server: optional, must be the key's tenant).") var tenant: String?
    @Option(name: .long, help: "Collection name.") var collection: String
    @Option(name: .long, help: "Input file (.fvecs, .npy, .jsonl).") var file: String
    @Option(name: .long, help: "l2, ip or cosine (new collections).") var metric = "cosine"
    @Option(name: .long, help: "HNSW links per node (new collections).") var m = 16
    @Option(name: .customLong("ef-construction"), help: "Candidate list while building (new collections).") var efConstruction = 200
    @Option(name: .customLong("pq-m"), help: "Navigate on product-quantization codes of this many bytes (new collections; must divide the dimension).") var pqM: Int?
    @Option(name: .long, help: "Records per transaction.") var batch = 5_000
    @Option(name: .long, help: "Load into a running server at HOST:PORT (wire protocol) instead of --data.") var server: String?
    @Option(name: .customLong("api-key"), help: "API key for --server (scope ingest).") var apiKey: String?
    @Flag(name: .long, help: "Print the summary as JSON.") var json = false

    func run() async throws {
        let metric = try reportingErrors { () throws(CortexError) -> Metric in
            guard (1...VectorLimits.batchCountMax).contains(batch) else {
                throw .invalidInput("--batch must be 1-\(VectorLimits.batchCountMax); got \(batch)")
            }
            return try Metric(parsing: self.metric)
        }
        let summary: LoadSummary
        if let server {
            summary = try await RemoteLoad(
                server: try RemoteServer(address: server, apiKey: apiKey), tenant: tenant, collection: collection, file: file,
                metric: metric, m: m, efConstruction: efConstruction, pqM: pqM, batch: batch).run()
        } else {
            guard let tenant else { throw ValidationError("--tenant is required without --server") }
            summary = try reportingErrors { () throws(CortexError) -> LoadSummary in try load(tenant: tenant, metric: metric) }
        }
        let target = server.map { "\($0)/" } ?? "\(tenant ?? "")/"
        if json {
            try printJSON(summary)
        } else {
            print(String(format: "loaded %d records (%d new, %d updated) into %@%@ in %.1f s (%.0f records/s)",
                         summary.records, summary.inserted, summary.updated, target, collection, summary.seconds,
                         Double(summary.records) / max(summary.seconds, 1e-9)))
        }
    }

    struct LoadSummary: Encodable {
        let records: Int
        let inserted: Int
        let updated: Int
        let seconds: Double
        let collectionCount: Int
        enum CodingKeys: String, CodingKey {
            case records, inserted, updated, seconds
            case collectionCount = "collection_count"
        }
    }

    private func load(tenant: String, metric: Metric) throws(CortexError) -> LoadSummary {
        let tenantID = try TenantID(tenant)
        let reader = try VectorFileReader(path: file)
        let engine = try StorageEngine(options: StorageOptions(dataDirectory: data))
        defer { engine.close() }
        if try engine.tenant(tenantID) == nil { try engine.createTenant(tenantID) }
        return try engine.withTenantSync(tenantID) { (environment: Environment) throws(CortexError) -> LoadSummary in
            let store = try VectorStore(environment: environment)
            let progress = Progress(total: reader.rowCount)
            var target: VectorCollection?
            do throws(CortexError) {
                target = try store.collection(named: collection)
            } catch where error.code == .notFound {
                target = nil
            }
            var inserted = 0
            var updated = 0
            var records = 0
            while true {
                let batchRecords = try reader.next(batch)
                guard !batchRecords.isEmpty else { break }
                if target == nil {
                    // Created on the first batch: its dimension comes from the file.
                    let dimension = batchRecords[0].vector.count
                    if let odd = batchRecords.firstIndex(where: { $0.vector.count != dimension }) {
                        throw .invalidInput(
                            "record \(odd) ('\(batchRecords[odd].id)') has \(batchRecords[odd].vector.count) dimensions; the first has \(dimension)")
                    }
                    target = try store.create(CollectionConfiguration(
                        name: collection, dimension: dimension, metric: metric, m: m, efConstruction: efConstruction,
                        pqSubquantizers: pqM))
                }
                let result = try target!.upsertSync(batchRecords)
                inserted += result.inserted
                updated += result.updated
                records += batchRecords.count
                progress.update(done: records)
            }
            progress.finish()
            return LoadSummary(
                records: records, inserted: inserted, updated: updated, seconds: progress.elapsed,
                collectionCount: try target?.count() ?? 0)
        }
    }
}
