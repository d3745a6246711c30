public import CortexApp
public import CortexStorage
public import Logging

/// Per-credential and per-address request limits (`rate_limit.*`).
public struct RateLimitSettings: Sendable, Equatable {
    /// Token-bucket refill per API key or user.
    public var requestsPerSecond: Int
    /// Token-bucket size per API key or user.
    public var burst: Int
    /// Register, login and refresh requests per minute per client address (bucket size and refill).
    public var anonymousRequestsPerMinute: Int
}

/// Snapshots and change-log shipping (`backup.*`).
public struct BackupSettings: Sendable, Equatable {
    /// `file:///…` or `s3://…`; nil when backups are off.
    public var target: String?
    public var endpoint: String?
    public var shipInterval: Duration
    /// nil: snapshots only when asked.
    public var snapshotInterval: Duration?
    public var snapshotKeep: Int

    public init(target: String? = nil, endpoint: String? = nil, shipInterval: Duration = .seconds(5), snapshotInterval: Duration? = nil, snapshotKeep: Int = 7) {
        self.target = target
        self.endpoint = endpoint
        self.shipInterval = shipInterval
        self.snapshotInterval = snapshotInterval
        self.snapshotKeep = snapshotKeep
    }
}

/// Everything `cortex-server` needs to start, resolved and validated.
public struct ServerSettings: Sendable, Equatable {
    public enum LogFormat: String, Sendable, CaseIterable {
        /// One human-readable line per event.
        case text
        /// One JSON object per line, for log shippers.
        case json
    }

    public var host: String
    /// HTTP port; 0 lets the kernel choose (the chosen port is logged).
    public var httpPort: Int
    /// Binary wire-protocol port; 0 lets the kernel choose.
    public var wirePort: Int
    /// A wire connection with nothing in flight and no bytes for this long is closed.
    public var wireIdleTimeout: Duration
    /// Threads for wire requests' storage work; 0 means one per core.
    public var wireThreadCount: Int
    /// Largest HTTP request body, in bytes; larger bodies get 413.
    public var httpBodyByteCountMax: Int
    public var storage: StorageOptions
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    /// When set, `/metrics` requires `Authorization: Bearer <token>`.
    public var metricsBearerToken: String?
    /// How often idle tenant environments are closed.
    public var idleSweepInterval: Duration
    public var auth: AuthOptions
    public var rateLimit: RateLimitSettings
    /// Which embedding provider the server runs (docs/embeddings.md).
    public var embedding: EmbeddingSettings
    /// Origins allowed to call the API from a browser (`server.cors_origins`; `*` = any).
    public var corsOrigins: [String] = []
    /// Snapshots and change-log shipping.
    public var backup = BackupSettings()

    public init(
        host: String, httpPort: Int, wirePort: Int, wireIdleTimeout: Duration, wireThreadCount: Int, httpBodyByteCountMax: Int, storage: StorageOptions, logLevel: Logger.Level,
        logFormat: LogFormat, metricsBearerToken: String?, idleSweepInterval: Duration, auth: AuthOptions, rateLimit: RateLimitSettings,
        embedding: EmbeddingSettings = .init()
    ) {
        self.host = host
        self.httpPort = httpPort
        self.wirePort = wirePort
        self.wireIdleTimeout = wireIdleTimeout
        self.wireThreadCount = wireThreadCount
        self.httpBodyByteCountMax = httpBodyByteCountMax
        self.storage = storage
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.metricsBearerToken = metricsBearerToken
        self.idleSweepInterval = idleSweepInterval
        self.auth = auth
        self.rateLimit = rateLimit
        self.embedding = embedding
    }
}

/// The `embed.*` settings.
public struct EmbeddingSettings: Sendable, Equatable {
    public enum Provider: String, Sendable, CaseIterable {
        /// The local model (all-MiniLM-L6-v2 unless `embed.model_dir` says otherwise); the hashing
        /// fallback, announced in the log, when no model is installed.
        case local
        /// Feature hashing only (tests, or machines that should not load a model).
        case hashing
        /// An OpenAI-compatible `/embeddings` service (`embed.openai_*`).
        case openai
    }

    public var provider: Provider
    /// The model folder; nil: `$CORTEX_MODELS_DIR/all-MiniLM-L6-v2`, else `models/` (see `ModelLocator`).
    public var modelDirectory: String?
    /// Encoder threads per request.
    public var threadCount: Int
    /// Requests that encode at once; more wait their turn.
    public var concurrentRequestMax: Int
    /// The service of `provider = openai`: its API root, key (secret), model and, when known, dimension.
    public var openAIBaseURL: String?
    public var openAIKey: String?
    public var openAIModel: String?
    public var openAIDimensions: Int?

    public init(
        provider: Provider = .local, modelDirectory: String? = nil, threadCount: Int = 1, concurrentRequestMax: Int = 2,
        openAIBaseURL: String? = nil, openAIKey: String? = nil, openAIModel: String? = nil, openAIDimensions: Int? = nil
    ) {
        self.provider = provider
        self.modelDirectory = modelDirectory
        self.threadCount = threadCount
        self.concurrentRequestMax = concurrentRequestMax
        self.openAIBaseURL = openAIBaseURL
        self.openAIKey = openAIKey
        self.openAIModel = openAIModel
        self.openAIDimensions = openAIDimensions
    }
}
