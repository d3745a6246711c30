public import CortexWire

/// One method per operation of docs/wire-protocol.md §4.
extension CortexClient {
    /// Round trip with an echo of `bytes`.
    public func ping(_ bytes: [UInt8] = []) async throws(WireError) -> [UInt8] {
        guard case .pong(let echoed) = try await send(.ping(bytes)) else { throw unexpected(.ping) }
        return echoed
    }

    public func createCollection(_ spec: CollectionSpec) async throws(WireError) -> CollectionInfo {
        guard case .collection(let info) = try await send(.collectionCreate(spec)) else { throw unexpected(.collectionCreate) }
        return info
    }

    public func collectionInfo(_ name: String) async throws(WireError) -> CollectionInfo {
        guard case .collection(let info) = try await send(.collectionInfo(name: name)) else { throw unexpected(.collectionInfo) }
        return info
    }

    public func listCollections() async throws(WireError) -> [CollectionInfo] {
        guard case .collections(let infos) = try await send(.collectionList) else { throw unexpected(.collectionList) }
        return infos
    }

    public func dropCollection(_ name: String) async throws(WireError) {
        guard case .dropped = try await send(.collectionDrop(name: name)) else { throw unexpected(.collectionDrop) }
    }

    /// Inserts or replaces `records` (each needs a vector) in one transaction.
    public func upsert(collection: String, records: [WireRecord]) async throws(WireError) -> (inserted: Int, updated: Int) {
        guard case .upserted(let inserted, let updated) = try await send(.upsert(UpsertRequest(collection: collection, records: records))) else {
            throw unexpected(.upsert)
        }
        return (inserted, updated)
    }

    /// The nearest records, closest first.
    public func query(_ request: QueryRequest) async throws(WireError) -> [WireHit] {
        guard case .hits(_, let hits) = try await send(.query(request)) else { throw unexpected(.query) }
        return hits
    }

    /// The `k` nearest records to `vector`, ids and distances only.
    public func query(collection: String, vector: [Float], k: Int, ef: Int = 0) async throws(WireError) -> [WireHit] {
        try await query(QueryRequest(collection: collection, vector: vector, k: k, ef: ef))
    }

    public func get(_ request: GetRequest) async throws(WireError) -> [WireRecord] {
        guard case .records(_, let records) = try await send(.get(request)) else { throw unexpected(.get) }
        return records
    }

    /// Records by id (missing ids are skipped), in the order asked.
    public func get(collection: String, ids: [String], include: IncludeFields = .all) async throws(WireError) -> [WireRecord] {
        try await get(GetRequest(collection: collection, ids: ids, include: include))
    }

    /// Deletes by ids or by filters; returns how many records were removed.
    public func delete(_ request: DeleteRequest) async throws(WireError) -> UInt64 {
        guard case .deleted(let count) = try await send(.delete(request)) else { throw unexpected(.delete) }
        return count
    }

    public func delete(collection: String, ids: [String]) async throws(WireError) -> UInt64 {
        try await delete(DeleteRequest(collection: collection, ids: ids))
    }

    public func count(collection: String) async throws(WireError) -> UInt64 {
        guard case .count(let count) = try await send(.count(collection: collection)) else { throw unexpected(.count) }
        return count
    }

    /// Appends `batch` to the analytics table `table` (`events` or `conversations`) as the key's
    /// tenant, all rows or none; returns the number of rows appended. Needs the `ingest` scope.
    ///
    /// Each column must be one of the table's, with its exact type (§4.11.1); leave `tenant_id` out.
    /// At most `hello.limits.analyticsRowCountMax` rows and one frame (`framePayloadByteCountMax`).
    public func appendAnalytics(table: String, batch: AnalyticsBatch) async throws(WireError) -> Int {
        guard case .analyticsAppended(let count) = try await send(.analyticsAppend(AnalyticsAppendRequest(table: table, batch: batch))) else {
            throw unexpected(.analyticsAppend)
        }
        return Int(count)
    }

    /// Runs one SELECT over the key's tenant's analytics rows; `parameters` give the `$name` values
    /// (names without the `$`). The result comes column by column; ``AnalyticsBatch/rows`` turns it
    /// into rows. Needs the `query` scope.
    public func sql(_ sql: String, parameters: [String: AnalyticsValue] = [:]) async throws(WireError) -> AnalyticsBatch {
        // Sorted, so the same call always sends the same bytes.
        let ordered = parameters.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        guard case .analyticsResult(let result) = try await send(.analyticsSQL(AnalyticsSQLRequest(sql: sql, parameters: ordered))) else {
            throw unexpected(.analyticsSQL)
        }
        return result
    }

    private func unexpected(_ kind: RequestKind) -> WireError {
        WireError(.protocolError, "the server's answer to \(kind.name) has the wrong shape")
    }
}
