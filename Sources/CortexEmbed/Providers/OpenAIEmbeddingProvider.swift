public import CortexCore

/// An ``EmbeddingProvider`` backed by any OpenAI-compatible `POST {baseURL}/embeddings`
/// endpoint (OpenAI, Ollama, vLLM, the llama.cpp server) over libcurl.
///
/// The dimension must be known before the first request: pass it to
/// ``init(configuration:dimension:)``, or let ``connect(_:)`` learn it from a one-text probe
/// (which also checks the URL, key and model at start-up). Every response is checked against
/// it. Larger `embed` calls are split into requests of `batchSize` texts, sent one after
/// another; the vectors come back in input order, L2-normalised here whatever the service does.
///
/// Thread safety: `Sendable`; HTTP runs on the client's own queue (``OpenAIEmbeddingClient``).
public final class OpenAIEmbeddingProvider: EmbeddingProvider {
    public let configuration: OpenAIEmbeddingConfiguration
    public let dimension: Int
    private let client: OpenAIEmbeddingClient

    /// A provider whose vectors have `dimension` floats; no request is sent. Throws
    /// `.invalidInput` for a configuration that fails `validate()`, a `dimension` outside
    /// 1...``OpenAIEmbeddingConfiguration/dimensionsMax``, or one that differs from `configuration.dimensions`.
    public init(configuration: OpenAIEmbeddingConfiguration, dimension: Int) throws(CortexError) {
        try configuration.validate()
        guard (1...OpenAIEmbeddingConfiguration.dimensionsMax).contains(dimension) else {
            throw .invalidInput("embedding dimension \(dimension) must be in 1...\(OpenAIEmbeddingConfiguration.dimensionsMax)")
        }
        if let configured = configuration.dimensions, configured != dimension {
            throw .invalidInput("embedding dimension \(dimension) differs from the configured dimensions \(configured)")
        }
        self.configuration = configuration
        self.dimension = dimension
        client = OpenAIEmbeddingClient(configuration: configuration)
    }

    /// Embeds one short text to learn the dimension (and to fail early on a wrong URL, key or
    /// model), then returns the provider. Throws what `embed` throws.
    public static func connect(_ configuration: OpenAIEmbeddingConfiguration) async throws(CortexError) -> OpenAIEmbeddingProvider {
        try configuration.validate()
        let probe = OpenAIEmbeddingClient(configuration: configuration)
        let vectors = try await probe.embed(batch: ["dimension probe"], dimension: configuration.dimensions).vectors
        return try OpenAIEmbeddingProvider(configuration: configuration, dimension: vectors[0].count)
    }

    public var modelName: String { configuration.model }
    public var summary: String { "OpenAI-compatible \(configuration.model) at \(configuration.redactedEndpoint) (\(dimension) dimensions)" }

    /// An estimate, since the service counts tokens only while embedding: UTF-8 bytes / 4,
    /// rounded up, per text (OpenAI's rule of thumb for English). ``embedReportingUsage(_:)``
    /// returns the service's own count.
    public func tokenCount(_ texts: [String]) -> Int {
        texts.reduce(0) { $0 + ($1.utf8.count + 3) / 4 }
    }

    public func embed(_ texts: [String]) async throws(CortexError) -> [[Float]] {
        try await embedReportingUsage(texts).vectors
    }

    /// As `embed`, and the service's `usage.prompt_tokens` summed over the requests (nil when
    /// any response lacked it, as some servers omit usage).
    public func embedReportingUsage(_ texts: [String]) async throws(CortexError) -> (vectors: [[Float]], promptTokenCount: Int?) {
        try EmbeddingLimits.check(texts)
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        var promptTokenCount: Int? = 0
        var start = 0
        while start < texts.count {
            let end = min(start + configuration.batchSize, texts.count)
            let batch = try await client.embed(batch: Array(texts[start..<end]), dimension: dimension)
            vectors += batch.vectors
            promptTokenCount = promptTokenCount.flatMap { total in batch.promptTokenCount.map { total + $0 } }
            start = end
        }
        return (vectors, promptTokenCount)
    }
}
