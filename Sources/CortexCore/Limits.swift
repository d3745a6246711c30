/// Every limit Cortex enforces, in one place (STYLE.md §8).
///
/// A limit that input can hit produces a `CortexError` naming the limit and
/// the actual value; the numbers here are the ones documented in docs/.
public enum Limits {
    /// Longest tenant id, in bytes (ids are folder names).
    public static let tenantIDByteCountMax = 64

    /// LMDB's compile-time key limit (`mdb_env_get_maxkeysize`, 511 for the Debian build).
    public static let keyByteCountMax = 511

    /// Largest single value written through a typed table (LMDB itself allows ~4 GiB).
    public static let valueByteCountMax = 64 << 20

    /// Named databases (tables) per environment.
    public static let tablesPerEnvironmentMax: UInt32 = 128

    /// Concurrent read transactions per environment (LMDB reader slots).
    public static let readersPerEnvironmentMax: UInt32 = 510

    /// Outbox topic names, in bytes.
    public static let outboxTopicByteCountMax = 128

    /// Largest outbox event payload, in bytes.
    public static let outboxPayloadByteCountMax = 1 << 20

    /// Most events one outbox claim may return.
    public static let outboxClaimCountMax = 1_000

    // MARK: Wire protocol (docs/wire-protocol.md §6)

    /// Longest API key accepted in a wire handshake, in bytes.
    public static let wireAPIKeyByteCountMax = 256

    /// Largest wire frame payload, in bytes (16 MiB: a 1,000-record batch of 1,536-dimension vectors fits).
    public static let wireFramePayloadByteCountMax = 16 << 20

    /// Most records in one wire UPSERT, ids in one GET/DELETE, records one GET returns.
    public static let wireBatchCountMax = 10_000

    /// Requests one wire connection may have in flight before the server stops reading it.
    public static let wireInFlightRequestCountMax = 64

    /// Time a client has to complete the wire handshake after connecting.
    public static let wireHandshakeTimeout: Duration = .seconds(10)

    /// Default idle timeout of a wire connection (`server.wire_idle_timeout_seconds`).
    public static let wireIdleTimeoutDefault: Duration = .seconds(300)

    /// Most rows in one wire ANALYTICS_APPEND (an 11-column events batch of this size is about 5 MiB).
    public static let wireAnalyticsRowCountMax = 100_000

    /// Most columns in one wire ANALYTICS_APPEND (the analytics engine's own table limit).
    public static let wireAnalyticsColumnCountMax = 256

    /// Longest SQL text of a wire ANALYTICS_SQL, in bytes (the analytics engine's own limit).
    public static let wireAnalyticsSQLByteCountMax = 64 << 10

    /// Most rows of an ANALYTICS_SQL result (the analytics engine's own result limit).
    public static let wireAnalyticsResultRowCountMax = 1_000_000

    /// Most bind parameters of a wire ANALYTICS_SQL.
    public static let wireAnalyticsParameterCountMax = 256

    // MARK: HTTP API (docs/operations.md §4, docs/openapi.yaml)

    /// Default of `server.http_body_max_bytes`, the largest HTTP request body (32 MiB).
    public static let httpBodyByteCountMaxDefault = 32 << 20

    /// Values `server.http_body_max_bytes` may take (1 KiB … 1 GiB).
    public static let httpBodyByteCountMaxRange = 1 << 10 ... 1 << 30

    /// Largest body of the account and API-key routes (`/api/v1/auth/…`, `/api/v1/api-keys`), in bytes; not configurable.
    public static let httpAuthBodyByteCountMax = 16 << 10

    /// Most records in one HTTP upsert, ids in one get/delete, records one get returns (as on the wire).
    public static let httpBatchCountMax = 10_000

    // MARK: Accounts (docs/auth.md)

    /// Most invitations one tenant may have stored: pending ones, and used, revoked or expired ones until the sweep
    /// deletes them (30 days after their expiry). Bounds what one owner can make the system environment hold.
    public static let tenantInvitationCountMax = 10_000
}
