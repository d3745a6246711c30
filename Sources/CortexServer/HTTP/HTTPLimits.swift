/// Limits of the HTTP API (docs/operations.md, docs/openapi.yaml).
///
/// They sit beside the HTTP code rather than in `CortexCore/Limits.swift`
/// because only the server reads them; the vector engine's own limits
/// (dimension, k, ef, id length) stay in `VectorLimits`.
enum HTTPLimits {
    /// Default of `server.http_body_max_bytes`: the largest request body (32 MiB).
    static let bodyByteCountMaxDefault = 32 << 20
    /// Range `server.http_body_max_bytes` may be set to (1 KiB … 1 GiB).
    static let bodyByteCountMaxRange = 1 << 10 ... 1 << 30
    /// Most records in one upsert, ids in one get/delete, records one get returns (as on the wire).
    static let batchCountMax = 10_000
}
