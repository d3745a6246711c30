import CortexWire

/// One valid request and response of every kind, for round-trip and truncation tests.
enum WireSamples {
    static let metadata = Array(#"{"lang":"en","n":3}"#.utf8)

    static let requests: [WireRequest] = [
        .ping(Array("hi".utf8)),
        .collectionCreate(CollectionSpec(name: "docs", dimension: 3, metric: .l2, quantization: .int8, m: 8, efConstruction: 100, efSearch: 32, pqSubquantizers: 0)),
        .collectionInfo(name: "docs"),
        .collectionList,
        .collectionDrop(name: "docs"),
        .upsert(UpsertRequest(collection: "docs", records: [
            WireRecord(id: "a", vector: [1, 2, 3], metadata: metadata, document: "héllo"),
            WireRecord(id: "b", vector: [-0.5, 0, .greatestFiniteMagnitude]),
        ])),
        .query(QueryRequest(collection: "docs", vector: [0.25, 0.5, 1], k: 10, ef: 64, include: [.metadata, .vector],
                            whereFilter: Array(#"{"lang":"en"}"#.utf8), whereDocument: Array(#"{"$contains":"x"}"#.utf8))),
        .get(GetRequest(collection: "docs", ids: ["a", "b", "c"], include: .all)),
        .get(GetRequest(collection: "docs", include: .document, whereFilter: Array(#"{"n":3}"#.utf8), offset: 5, limit: 20)),
        .delete(DeleteRequest(collection: "docs", ids: ["a"])),
        .delete(DeleteRequest(collection: "docs", whereDocument: Array(#"{"$contains":"x"}"#.utf8))),
        .count(collection: "docs"),
        .analyticsAppend(AnalyticsAppendRequest(table: "events", batch: eventBatch)),
        .analyticsSQL(AnalyticsSQLRequest(sql: "SELECT count(*) FROM events WHERE latency_ms >= $min AND channel = $channel", parameters: [
            (name: "min", value: .int64(120)), (name: "channel", value: .string("web")), (name: "none", value: .null),
            (name: "flag", value: .bool(true)), (name: "score", value: .float64(0.5)), (name: "at", value: .timestamp(1_767_225_600_000)),
            (name: "small", value: .int32(-7)),
        ])),
    ]

    /// Nine rows (one more than a bitmap byte) of every column type, with NULLs.
    static let eventBatch = AnalyticsBatch(rowCount: 9, columns: [
        AnalyticsColumn(name: "conversation_id", type: .int64, values: (0..<9).map { .int64(Int64($0) * 1_000_000_007) }),
        AnalyticsColumn(name: "ts", type: .timestamp, values: (0..<9).map { .timestamp(1_767_225_600_000 + Int64($0)) }),
        AnalyticsColumn(name: "event_type", type: .string, values: (0..<9).map { .string($0 % 2 == 0 ? "message" : "lead é") }),
        AnalyticsColumn(name: "latency_ms", type: .int32, values: (0..<9).map { $0 % 3 == 0 ? .null : .int32(Int32($0) * 10) }),
        AnalyticsColumn(name: "score", type: .float64, values: (0..<9).map { $0 == 8 ? .null : .float64(Double($0) / 4) }),
        AnalyticsColumn(name: "flag", type: .bool, values: (0..<9).map { $0 == 0 ? .null : .bool($0 % 2 == 0) }),
    ])

    static let info = CollectionInfo(
        spec: CollectionSpec(name: "docs", dimension: 3, metric: .cosine, quantization: .none, m: 16, efConstruction: 200, efSearch: 64, pqSubquantizers: 0),
        count: 1_000, createdAt: 1_764_000_000_000)

    static let responses: [(RequestKind, WireResponse)] = [
        (.ping, .pong(Array("hi".utf8))),
        (.collectionCreate, .collection(info)),
        (.collectionInfo, .collection(info)),
        (.collectionList, .collections([info, info])),
        (.collectionDrop, .dropped),
        (.upsert, .upserted(inserted: 7, updated: 2)),
        (.query, .hits(include: [.metadata, .document, .vector], [
            WireHit(record: WireRecord(id: "a", vector: [1, 2, 3], metadata: metadata, document: "doc"), distance: 0.5),
            WireHit(record: WireRecord(id: "b", vector: [0, 0, 1], metadata: nil, document: nil), distance: 1.25),
        ])),
        (.query, .hits(include: [], [WireHit(record: WireRecord(id: "z", vector: nil), distance: 0)])),
        (.get, .records(include: .metadata, [WireRecord(id: "a", vector: nil, metadata: metadata)])),
        (.delete, .deleted(3)),
        (.count, .count(1_000)),
        (.analyticsAppend, .analyticsAppended(9)),
        (.analyticsSQL, .analyticsResult(AnalyticsBatch(rowCount: 9, columns: eventBatch.columns + [
            AnalyticsColumn(name: "nothing", type: .null, values: [AnalyticsValue](repeating: .null, count: 9)),
        ]))),
        (.analyticsSQL, .analyticsResult(AnalyticsBatch(rowCount: 0, columns: [AnalyticsColumn(name: "n", type: .int64, values: [])]))),
    ]
}
