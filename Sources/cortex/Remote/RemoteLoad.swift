import CortexClient
import CortexCore
import CortexVector
import CortexWire

/// `cortex load vectors --server`: the same batches as a local load, sent as UPSERT frames.
struct RemoteLoad {
    let server: RemoteServer
    let tenant: String?
    let collection: String
    let file: String
    let metric: Metric
    let m: Int
    let efConstruction: Int
    let pqM: Int?
    let batch: Int

    func run() async throws -> LoadVectorsCommand.LoadSummary {
        let reader = try reportingErrors { () throws(CortexError) in try VectorFileReader(path: file) }
        let client = try await server.connect()
        do {
            let summary = try await load(reader, client: client)
            await client.close()
            return summary
        } catch {
            await client.close()
            throw error
        }
    }

    private func load(_ reader: VectorFileReader, client: CortexClient) async throws -> LoadVectorsCommand.LoadSummary {
        if let tenant, tenant != client.hello.tenantID {
            try reportingErrors { () throws(CortexError) in
                throw .invalidInput("--tenant \(tenant) does not match the API key's tenant \(client.hello.tenantID)")
            }
        }
        let progress = Progress(total: reader.rowCount)
        var target: CollectionInfo?
        var summary = (records: 0, inserted: 0, updated: 0)
        while true {
            let records = try reportingErrors { () throws(CortexError) in try reader.next(batch) }
            guard !records.isEmpty else { break }
            if target == nil {
                let spec = CollectionSpec(
                    name: collection, dimension: records[0].vector.count, metric: WireMetric(metric), m: m, efConstruction: efConstruction,
                    pqSubquantizers: pqM ?? 0)
                target = try await reportingWireErrors { () async throws(WireError) in try await client.ensureCollection(spec) }
            }
            let result = try await reportingWireErrors { () async throws(WireError) in
                try await client.upsertFitting(collection: collection, records: records)
            }
            summary.records += records.count
            summary.inserted += result.inserted
            summary.updated += result.updated
            progress.update(done: summary.records)
        }
        progress.finish()
        let count = target == nil ? 0 : try await reportingWireErrors { () async throws(WireError) in try await client.count(collection: collection) }
        return LoadVectorsCommand.LoadSummary(
            records: summary.records, inserted: summary.inserted, updated: summary.updated, seconds: progress.elapsed,
            collectionCount: Int(count))
    }
}
