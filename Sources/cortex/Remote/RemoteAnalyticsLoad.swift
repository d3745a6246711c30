import CortexAnalytics
import CortexClient
import CortexCore
import CortexServer
import CortexWire
import Foundation
import Synchronization

/// `cortex load events|conversations --server`: the file parsed as a local load parses it, sent as
/// ANALYTICS_APPEND frames (docs/wire-protocol.md §4.11.1). The tenant is the API key's, so the file
/// must not set `tenant_id`.
struct RemoteAnalyticsLoad {
    let server: RemoteServer
    let table: String
    let file: String

    /// Rows parsed per batch before splitting to the server's limits.
    static let batchRowCount = 20_000

    struct Summary: Encodable {
        let table: String
        let rows: Int
        let seconds: Double
        let tenant: String
    }

    func run() async throws -> Summary {
        let schema = try reportingErrors { () throws(CortexError) -> TableSchema in
            guard file.hasSuffix(".csv") || file.hasSuffix(".jsonl") else {
                throw .invalidInput("--file must be a .csv or .jsonl file; got \(file)")
            }
            switch table {
            case "events": return TableSchema.events
            case "conversations": return TableSchema.conversations
            default: throw .invalidInput("--server loads events or conversations; got \(table)")
            }
        }
        let client = try await server.connect()
        let parser = BackgroundParse(file: file, schema: schema)
        do {
            let summary = try await send(parser.batches(), through: client, parser: parser)
            await client.close()
            return summary
        } catch {
            parser.stop()
            await client.close()
            throw error
        }
    }

    private func send(
        _ batches: AsyncThrowingStream<[AnalyticsColumnRows], any Error>, through client: CortexClient, parser: BackgroundParse
    ) async throws -> Summary {
        let progress = Progress(total: nil, unit: "rows")
        var sent = 0
        do {
            for try await batch in batches {
                parser.consumed()
                sent += try await reportingWireErrors { () async throws(WireError) in
                    try await client.appendFitting(table: table, batch: batch[...])
                }
                progress.update(done: sent)
            }
        } catch let error as CortexError {
            // A parse error of the file: one line, like a local load's.
            return try reportingErrors { () throws(CortexError) -> Summary in throw error }
        }
        progress.finish()
        return Summary(table: table, rows: sent, seconds: progress.elapsed, tenant: client.hello.tenantID)
    }
}

/// Runs the synchronous CSV / JSON Lines loader on its own thread and hands its batches, as wire
/// columns, to an async consumer, at most two batches ahead (the loader waits for the consumer).
final class BackgroundParse: Sendable {
    let file: String
    let schema: TableSchema
    private let permits = DispatchSemaphore(value: 2)
    private let stopped = Atomic<Bool>(false)

    init(file: String, schema: TableSchema) {
        self.file = file
        self.schema = schema
    }

    /// Makes the loader stop at its next batch (the consumer gave up).
    func stop() {
        stopped.store(true, ordering: .relaxed)
        permits.signal()
    }

    /// The consumer took a batch: the loader may parse one more.
    func consumed() {
        permits.signal()
    }

    /// Batches of rows in file order, one ``AnalyticsColumnRows`` per column the server takes; call
    /// ``consumed()`` for each. Parse errors end the stream with the loader's `CortexError`.
    func batches() -> AsyncThrowingStream<[AnalyticsColumnRows], any Error> {
        let (stream, continuation) = AsyncThrowingStream<[AnalyticsColumnRows], any Error>.makeStream()
        let thread = Thread { [self] in
            do throws(CortexError) {
                try load { columns in continuation.yield(columns) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        thread.start()
        return stream
    }

    private func load(_ deliver: @escaping ([AnalyticsColumnRows]) -> Void) throws(CortexError) {
        let readSchema = schema.withOptionalTenant
        let dictionaries = readSchema.columns.map { $0.type == .string ? StringDictionary() : nil }
        let body = { [self] (vectors: [ColumnVector]) throws(CortexError) in
            permits.wait()
            guard !stopped.load(ordering: .relaxed) else { throw .unavailable("stopped") }
            deliver(try Self.columns(vectors, schema: readSchema, file: file))
        }
        if file.hasSuffix(".jsonl") {
            _ = try JSONLinesLoader.load(path: file, schema: readSchema, dictionaries: dictionaries, batchRowCount: RemoteAnalyticsLoad.batchRowCount, body)
        } else {
            _ = try CSVLoader.load(path: file, schema: readSchema, dictionaries: dictionaries, batchRowCount: RemoteAnalyticsLoad.batchRowCount, body)
        }
    }

    /// The loader's vectors as wire-typed values per column; the tenant column must be empty (the server sets it).
    static func columns(_ vectors: [ColumnVector], schema: TableSchema, file: String) throws(CortexError) -> [AnalyticsColumnRows] {
        var columns: [AnalyticsColumnRows] = []
        for (index, (column, vector)) in zip(schema.columns, vectors).enumerated() {
            if index == schema.tenantColumn {
                guard vector.nullCount == vector.count else {
                    throw .invalidInput("\(file): \(column.name) is set by the server from the API key; leave it out of a --server load")
                }
                continue
            }
            let type = WireAnalytics.wireType(column.type)
            let values = (0..<vector.count).map { row -> AnalyticsValue in
                guard !vector.isNull(row) else { return .null }
                switch vector.values {
                case .float64(let doubles): return .float64(doubles[row])
                case .string(let codes, let dictionary): return .string(dictionary.string(for: codes[row]))
                case .int64(let integers):
                    switch type {
                    // In range: the loader checked int32 columns.
                    case .int32: return .int32(Int32(truncatingIfNeeded: integers[row]))
                    case .bool: return .bool(integers[row] != 0)
                    case .timestamp: return .timestamp(integers[row])
                    default: return .int64(integers[row])
                    }
                }
            }
            columns.append(AnalyticsColumnRows(name: column.name, type: type, values: values))
        }
        return columns
    }
}

/// One column of a parsed batch, one value per row, before it is cut into frames.
struct AnalyticsColumnRows: Sendable {
    let name: String
    let type: AnalyticsType
    let values: [AnalyticsValue]
}

extension CortexClient {
    /// Appends the rows of `batch` (columns of equal length), splitting while a frame would exceed
    /// the server's row or frame limit; returns the rows appended. Every call that returns is durable.
    func appendFitting(table: String, batch: ArraySlice<AnalyticsColumnRows>) async throws(WireError) -> Int {
        try await appendFitting(table: table, columns: Array(batch), rows: 0..<(batch.first?.values.count ?? 0))
    }

    private func appendFitting(table: String, columns: [AnalyticsColumnRows], rows: Range<Int>) async throws(WireError) -> Int {
        guard !rows.isEmpty else { return 0 }
        let batch = AnalyticsBatch(
            rowCount: rows.count, columns: columns.map { AnalyticsColumn(name: $0.name, type: $0.type, values: Array($0.values[rows])) })
        let payloadByteCount = WireRequest.analyticsAppend(AnalyticsAppendRequest(table: table, batch: batch)).encodedPayload().count
        let fits = rows.count <= hello.limits.analyticsRowCountMax && payloadByteCount <= hello.limits.framePayloadByteCountMax
        guard !fits, rows.count > 1 else { return try await appendAnalytics(table: table, batch: batch) }
        let middle = rows.lowerBound + rows.count / 2
        let first = try await appendFitting(table: table, columns: columns, rows: rows.lowerBound..<middle)
        return first + (try await appendFitting(table: table, columns: columns, rows: middle..<rows.upperBound))
    }
}
