public import CortexCore

/// How to reach an OpenAI-compatible `POST {baseURL}/embeddings` endpoint (OpenAI, Ollama,
/// vLLM, the llama.cpp server) and how hard to try. Checked by ``validate()``.
public struct OpenAIEmbeddingConfiguration: Sendable {
    /// The API root without `/embeddings`: `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`.
    public var baseURL: String
    /// Sent as `Authorization: Bearer <apiKey>` when set; never logged or put in an error.
    public var apiKey: String?
    /// The service's model name (`text-embedding-3-small`, `nomic-embed-text`).
    public var model: String
    /// Sent as `dimensions` when set (OpenAI's text-embedding-3 models shorten their vectors;
    /// other services may reject the field). Every response must have this many floats per vector.
    public var dimensions: Int?
    /// Texts per HTTP request; a larger `embed` call is split into several requests.
    public var batchSize: Int
    /// One HTTP exchange, connect included.
    public var timeout: Duration
    public var connectTimeout: Duration
    /// Attempts per request (1 = no retry) on connection errors, timeouts, HTTP 408, 429 and 5xx.
    public var attemptCountMax: Int
    /// The delay before the first retry; it doubles per retry up to `retryDelayMax`, and each
    /// wait is drawn uniformly from its upper half (jitter, so clients that failed together
    /// do not retry together).
    public var retryDelay: Duration
    public var retryDelayMax: Duration
    /// A 429's `Retry-After` seconds are honoured up to this; without the header the backoff applies.
    public var retryAfterMax: Duration
    /// Requests in flight at once per provider; more wait their turn, off the cooperative pool.
    public var concurrentRequestMax: Int

    /// Largest `dimensions` accepted (OpenAI's largest model has 3,072).
    public static let dimensionsMax = 65_536
    /// Response bodies above this abort the request: 2,048 texts × 3,072 floats as JSON text
    /// is about 50 MiB.
    public static let responseByteCountMax = 64 << 20
    /// Characters of a service's error message kept in a `CortexError`.
    public static let serviceMessageCharacterCountMax = 300

    public init(
        baseURL: String, apiKey: String? = nil, model: String, dimensions: Int? = nil, batchSize: Int = 256,
        timeout: Duration = .seconds(60), connectTimeout: Duration = .seconds(10),
        attemptCountMax: Int = 4, retryDelay: Duration = .milliseconds(500), retryDelayMax: Duration = .seconds(8),
        retryAfterMax: Duration = .seconds(30), concurrentRequestMax: Int = 4
    ) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
        self.dimensions = dimensions
        self.batchSize = batchSize
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.attemptCountMax = attemptCountMax
        self.retryDelay = retryDelay
        self.retryDelayMax = retryDelayMax
        self.retryAfterMax = retryAfterMax
        self.concurrentRequestMax = concurrentRequestMax
    }

    /// The endpoint: `baseURL` without trailing slashes, then `/embeddings`.
    public var endpoint: String {
        var base = Substring(baseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        return base + "/embeddings"
    }

    /// `endpoint` without user info (`user:password@`), for messages and logs.
    public var redactedEndpoint: String {
        let url = Substring(endpoint)
        guard let schemeEnd = url.firstRange(of: "://") else { return String(url) }
        let authorityEnd = url[schemeEnd.upperBound...].firstIndex(of: "/") ?? url.endIndex
        guard let at = url[schemeEnd.upperBound..<authorityEnd].lastIndex(of: "@") else { return String(url) }
        return String(url[..<schemeEnd.upperBound] + url[url.index(after: at)...])
    }

    /// Throws `.invalidInput` naming the first field out of range.
    public func validate() throws(CortexError) {
        guard baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://") else {
            throw .invalidInput("embedding base URL must start with http:// or https://")
        }
        guard !baseURL.contains("?"), !baseURL.contains("#") else {
            throw .invalidInput("embedding base URL must not have a query or fragment (/embeddings is appended to it)")
        }
        guard !model.isEmpty else { throw .invalidInput("embedding model name is empty") }
        if let dimensions, !(1...Self.dimensionsMax).contains(dimensions) {
            throw .invalidInput("embedding dimensions \(dimensions) must be in 1...\(Self.dimensionsMax)")
        }
        guard (1...EmbeddingLimits.textCountMax).contains(batchSize) else {
            throw .invalidInput("embedding batch size \(batchSize) must be in 1...\(EmbeddingLimits.textCountMax)")
        }
        guard timeout > .zero, connectTimeout > .zero else { throw .invalidInput("embedding timeouts must be positive") }
        guard (1...20).contains(attemptCountMax) else {
            throw .invalidInput("embedding attempt count \(attemptCountMax) must be in 1...20")
        }
        guard retryDelay >= .zero, retryDelayMax >= retryDelay, retryAfterMax >= .zero else {
            throw .invalidInput("embedding retry delays must satisfy 0 <= retryDelay <= retryDelayMax and retryAfterMax >= 0")
        }
        guard concurrentRequestMax >= 1 else {
            throw .invalidInput("embedding concurrent request limit \(concurrentRequestMax) must be at least 1")
        }
    }
}
