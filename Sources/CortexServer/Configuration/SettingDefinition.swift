import Configuration
import CortexCore
import Foundation

/// One configuration key: its type, default, whether it is secret, and its
/// documentation (docs/operations.md is generated from the same words).
struct SettingDefinition: Sendable {
    enum Kind: Sendable {
        case string, int, bool

        var configType: ConfigType {
            switch self {
            case .string: .string
            case .int: .int
            case .bool: .bool
            }
        }

        var noun: String {
            switch self {
            case .string: "a string"
            case .int: "an integer"
            case .bool: "a boolean (true/false)"
            }
        }
    }

    /// Dotted key, as in the JSON file (`server.http_port` ↔ `{"server": {"http_port": …}}`).
    let key: String
    let kind: Kind
    /// nil: unset unless configured.
    let defaultValue: ConfigContent?
    let isSecret: Bool
    /// The command-line flag that sets this key, if any.
    let flag: String?
    let summary: String

    init(
        _ key: String, _ kind: Kind, default defaultValue: ConfigContent?, secret: Bool = false,
        flag: String? = nil, _ summary: String
    ) {
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.isSecret = secret
        self.flag = flag
        self.summary = summary
    }

    /// `CORTEX_` + the key in upper case with dots as underscores.
    var environmentVariable: String {
        "CORTEX_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    var absoluteKey: AbsoluteConfigKey { AbsoluteConfigKey(key.split(separator: ".").map(String.init)) }
}

/// Every configuration key Cortex reads. Adding a setting starts here.
enum SettingCatalog {
    static let all: [SettingDefinition] = [
        .init("server.host", .string, default: .string("127.0.0.1"), flag: "--host", "Address the HTTP and wire listeners bind to."),
        .init("server.http_port", .int, default: .int(8080), flag: "--http-port", "HTTP port; 0 picks a free port (logged at start)."),
        .init("server.wire_port", .int, default: .int(7070), flag: "--wire-port", "Binary wire-protocol port; 0 picks a free port (logged at start)."),
        .init("server.wire_idle_timeout_seconds", .int, default: .int(300), "A wire connection with nothing in flight and no bytes for this long is closed."),
        .init("server.wire_threads", .int, default: .int(0), "Threads running wire requests' storage work (the HTTP API gets a pool of the same size); 0 = one per core."),
        .init("server.cors_origins", .string, default: .string(""), "Origins (scheme://host[:port], comma-separated; * for any) whose pages may call the API from a browser, e.g. the chat widget's sites; empty: none."),
        .init("server.http_body_max_bytes", .int, default: .int(Limits.httpBodyByteCountMaxDefault), "Largest HTTP request body in bytes (1024-1073741824); larger bodies get 413."),
        .init("storage.data_directory", .string, default: .string("./data"), flag: "--data", "The data folder."),
        .init("storage.map_size_initial_bytes", .int, default: .int(64 << 20), "LMDB map size of a new environment (virtual memory, not disk)."),
        .init("storage.map_size_max_bytes", .int, default: .int(256 << 30), "Largest map an environment may grow to."),
        .init("storage.tenants_open_max", .int, default: .int(256), "Tenant environments kept open at once."),
        .init("storage.tenant_idle_seconds", .int, default: .int(300), "A tenant environment unused this long is closed."),
        .init("storage.writer_threads", .int, default: .int(8), "Threads running write transactions for all environments."),
        .init("log.level", .string, default: .string("info"), "trace, debug, info, notice, warning, error or critical."),
        .init("log.format", .string, default: .string("text"), "text or json (one object per line)."),
        .init("embed.provider", .string, default: .string("local"), "Embedding provider: local (the model in embed.model_dir; the hashing fallback, logged, when none is installed), hashing, or openai (embed.openai_*)."),
        .init("embed.model_dir", .string, default: nil, "Model folder (config.json, vocab.txt, model.safetensors); unset: $CORTEX_MODELS_DIR/all-MiniLM-L6-v2, else models/all-MiniLM-L6-v2 (tools/setup fills it)."),
        .init("embed.threads", .int, default: .int(1), "Encoder threads per embedding request (1-64)."),
        .init("embed.concurrent_requests", .int, default: .int(2), "Embedding requests that run at once (1-64); more wait."),
        .init("embed.openai_base_url", .string, default: nil, "With embed.provider = openai: the service's API root, without /embeddings (https://api.openai.com/v1, http://127.0.0.1:11434/v1)."),
        .init("embed.openai_api_key", .string, default: nil, secret: true, "With embed.provider = openai: its API key (sent as a bearer token; local servers need none)."),
        .init("embed.openai_model", .string, default: nil, "With embed.provider = openai: the model name the service knows."),
        .init("embed.openai_dimensions", .int, default: .int(0), "With embed.provider = openai: the vectors' dimension, sent as `dimensions`; 0 = ask the service once at start."),
        .init("backup.target", .string, default: .string("./backups"),
              "Where snapshots and the shipped change log go: a folder path, file:///absolute/path or s3://bucket/prefix; none turns backups off (the change log is then discarded)."),
        .init("backup.endpoint", .string, default: nil, "S3-compatible endpoint for an s3:// backup.target, e.g. http://127.0.0.1:9000 (credentials: AWS_* variables)."),
        .init("backup.ship_interval_ms", .int, default: .int(5_000),
              "How often new change records are shipped to backup.target (100-3600000): the recovery point objective."),
        .init("backup.snapshot_interval_seconds", .int, default: .int(86_400), "How often the server takes a full snapshot; 0: only when asked (POST /api/v1/admin/snapshots)."),
        .init("backup.snapshot_keep", .int, default: .int(7), "Scheduled snapshots keep this many newest ones (and the log they need); older ones are pruned."),
        .init("metrics.bearer_token", .string, default: nil, secret: true, "If set, /metrics requires this bearer token."),
        .init("auth.bcrypt_cost", .int, default: .int(12), "bcrypt cost (log2 rounds) of new password hashes; 12 takes about 250 ms per hash."),
        .init("auth.access_token_ttl_seconds", .int, default: .int(900), "Lifetime of an access token (JWT)."),
        .init("auth.refresh_token_ttl_seconds", .int, default: .int(30 * 86_400), "Lifetime of a refresh token; each refresh issues a new one."),
        .init("auth.jwt_keys", .string, default: nil, secret: true,
              "Access-token keys, kid:secret entries separated by commas (secret ≥ 32 bytes); unset: a random key per process."),
        .init("auth.jwt_signing_key_id", .string, default: nil, "The kid of auth.jwt_keys that signs new tokens; unset: the first."),
        .init("auth.login_failures_per_account_max", .int, default: .int(5), "Failed logins per account within the window before logins to it get 429."),
        .init("auth.login_failures_per_address_max", .int, default: .int(20), "Failed logins per client address within the window before its logins get 429."),
        .init("auth.login_failure_window_seconds", .int, default: .int(900), "The window of the two login-failure limits."),
        .init("auth.invitation_ttl_seconds", .int, default: .int(7 * 86_400), "How long a tenant invitation's token can be accepted."),
        .init("rate_limit.requests_per_second", .int, default: .int(100), "Requests per second each API key or user may make to /api/v1 and the wire protocol together (token-bucket refill)."),
        .init("rate_limit.burst", .int, default: .int(200), "Requests each API key or user may make at once (token-bucket size)."),
        .init("rate_limit.anonymous_requests_per_minute", .int, default: .int(60),
              "Register, login and refresh requests per minute from one client address."),
    ]

    static let byKey: [String: SettingDefinition] = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })
}
