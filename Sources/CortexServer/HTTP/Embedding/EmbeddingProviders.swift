import CortexCore
import CortexEmbed
import Logging

/// Builds the server's embedding provider from `embed.*` and says in the log which one runs.
enum EmbeddingProviders {
    static func make(_ settings: EmbeddingSettings, logger: Logger) async throws(CortexError) -> any EmbeddingProvider {
        let provider: any EmbeddingProvider
        switch settings.provider {
        case .hashing:
            provider = HashingProvider()
        case .openai:
            guard let baseURL = settings.openAIBaseURL, let model = settings.openAIModel else {
                throw .invalidInput("embed.provider = openai needs embed.openai_base_url and embed.openai_model")
            }
            let configuration = OpenAIEmbeddingConfiguration(
                baseURL: baseURL, apiKey: settings.openAIKey, model: model, dimensions: settings.openAIDimensions,
                concurrentRequestMax: settings.concurrentRequestMax)
            // With a configured dimension nothing is sent at start; without one, one short text
            // learns it (and checks the URL, key and model before the server takes requests).
            if let dimension = settings.openAIDimensions {
                provider = try OpenAIEmbeddingProvider(configuration: configuration, dimension: dimension)
            } else {
                provider = try await OpenAIEmbeddingProvider.connect(configuration)
            }
        case .local:
            if let directory = ModelLocator.modelDirectory(explicit: settings.modelDirectory) {
                // A model that is present but damaged stops the start: silently falling back would
                // change every vector the server makes.
                let encoder = try SentenceEncoder(directory: directory)
                provider = LocalModelProvider(encoder: encoder, threadCount: settings.threadCount,
                                              concurrentRequestMax: settings.concurrentRequestMax)
            } else {
                provider = HashingProvider()
                logger.warning("no embedding model installed; using the hashing fallback (run tools/setup to fetch all-MiniLM-L6-v2, or set embed.model_dir)",
                               metadata: ["looked_in": "\(settings.modelDirectory ?? "$CORTEX_MODELS_DIR, ./models, the checkout's models/")"])
            }
        }
        logger.notice("embedding provider: \(provider.summary)")
        return provider
    }
}
