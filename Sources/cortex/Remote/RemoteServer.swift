import ArgumentParser
import CortexClient
import CortexCore
import CortexVector
import CortexWire
import Foundation

/// `--server HOST:PORT --api-key K`: where `load` and `bench` send their work instead of a local data folder.
struct RemoteServer {
    let host: String
    let port: Int
    let apiKey: String

    /// Parses `HOST:PORT` (the last colon separates the port, so `[::1]:7070` and `::1:7070` work).
    init(address: String, apiKey: String?) throws {
        guard let apiKey, !apiKey.isEmpty else { throw ValidationError("--server needs --api-key (mint one with `cortex admin keys create`)") }
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (1...65_535).contains(port) else {
            throw ValidationError("--server must be HOST:PORT; got '\(address)'")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--server must be HOST:PORT; got '\(address)'") }
        self.host = host
        self.port = port
        self.apiKey = apiKey
    }

    func connect() async throws -> CortexClient {
        try await reportingWireErrors { () async throws(WireError) in try await CortexClient.connect(host: host, port: port, apiKey: apiKey) }
    }
}

/// Runs `body`, mapping `WireError` to a one-line message and exit status 1.
func reportingWireErrors<T>(_ body: () async throws(WireError) -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        FileHandle.standardError.write(Data("cortex: server: \(error.message) (\(error.code.name))\n".utf8))
        throw ExitCode(1)
    }
}

extension CortexClient {
    /// Upserts `records`, splitting the batch while its frame would exceed the server's limits.
    /// Returns the summed counts; every call that returns is durable on the server.
    func upsertFitting(collection: String, records: [VectorRecord]) async throws(WireError) -> (inserted: Int, updated: Int) {
        let wire = records.map { record in
            WireRecord(
                id: record.id, vector: record.vector, metadata: record.metadata.map { Array(MetadataValue.jsonText($0).utf8) },
                document: record.document)
        }
        return try await upsertFitting(collection: collection, wire: wire[...])
    }

    private func upsertFitting(collection: String, wire: ArraySlice<WireRecord>) async throws(WireError) -> (inserted: Int, updated: Int) {
        let request = WireRequest.upsert(UpsertRequest(collection: collection, records: Array(wire)))
        let fits = wire.count <= hello.limits.batchCountMax && request.encodedPayload().count <= hello.limits.framePayloadByteCountMax
        guard !fits, wire.count > 1 else { return try await upsert(collection: collection, records: Array(wire)) }
        let middle = wire.startIndex + wire.count / 2
        let first = try await upsertFitting(collection: collection, wire: wire[..<middle])
        let second = try await upsertFitting(collection: collection, wire: wire[middle...])
        return (first.inserted + second.inserted, first.updated + second.updated)
    }

    /// The named collection, created with `spec` when it does not exist.
    func ensureCollection(_ spec: CollectionSpec) async throws(WireError) -> CollectionInfo {
        do {
            return try await collectionInfo(spec.name)
        } catch where error.code == .notFound {
            return try await createCollection(spec)
        }
    }
}

extension WireMetric {
    init(_ metric: Metric) {
        switch metric {
        case .l2: self = .l2
        case .ip: self = .ip
        case .cosine: self = .cosine
        }
    }
}
