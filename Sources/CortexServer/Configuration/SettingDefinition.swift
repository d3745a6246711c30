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
        .init("metrics.bearer_token", .string, default: nil, secret: true, "If set, /metrics requires this bearer token."),
    ]

    static let byKey: [String: SettingDefinition] = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })
}
