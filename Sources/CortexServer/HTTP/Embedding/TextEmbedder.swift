import CortexCore
import CortexEmbed
import CortexVector

/// The server's embedding provider as the HTTP routes use it: model-name checks for
/// collections that embed their texts, and filling in the vectors of records sent as text.
struct TextEmbedder: Sendable {
    let provider: any EmbeddingProvider

    /// Completes a configuration that names an embedding model: it must be this server's model,
    /// and the dimension (0 = not given) becomes, or must equal, the model's.
    func resolve(_ configuration: CollectionConfiguration) throws(CortexError) -> CollectionConfiguration {
        guard let model = configuration.embeddingModel else { return configuration }
        try checkModel(model)
        var resolved = configuration
        if resolved.dimension == 0 { resolved.dimension = provider.dimension }
        guard resolved.dimension == provider.dimension else {
            throw .invalidInput("dimension \(resolved.dimension) does not match embedding model \(model), which makes \(provider.dimension)-dimensional vectors")
        }
        try resolved.validate()
        return resolved
    }

    /// Throws unless `model` is the model this server embeds with.
    func checkModel(_ model: String) throws(CortexError) {
        guard model == provider.modelName else {
            throw .invalidInput("embedding model \(model.prefix(128)) is not available; this server embeds with \(provider.modelName)")
        }
    }

    /// The vectors of `texts` for `collection`, which must name this server's model.
    func embed(_ texts: [String], for collection: CollectionConfiguration) async throws(CortexError) -> [[Float]] {
        guard let model = collection.embeddingModel else {
            throw .invalidInput("collection \(collection.name) has no embedding model, so records and queries must carry vectors")
        }
        try checkModel(model)
        return try await provider.embed(texts)
    }

    /// Fills the empty vectors of `records` (sent with a document only) by embedding their documents.
    func complete(_ records: [VectorRecord], for collection: CollectionConfiguration) async throws(CortexError) -> [VectorRecord] {
        let missing = records.indices.filter { records[$0].vector.isEmpty }
        guard !missing.isEmpty else { return records }
        var completed = records
        for start in stride(from: 0, to: missing.count, by: EmbeddingLimits.textCountMax) {
            let chunk = Array(missing[start..<min(start + EmbeddingLimits.textCountMax, missing.count)])
            // Records without a vector have a document: VectorRequests.records refuses any other.
            let vectors = try await embed(chunk.map { records[$0].document ?? "" }, for: collection)
            for (index, vector) in zip(chunk, vectors) { completed[index].vector = vector }
        }
        return completed
    }
}
