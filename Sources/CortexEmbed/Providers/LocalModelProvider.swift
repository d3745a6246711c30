public import CortexCore
import Foundation

/// The local model as an ``EmbeddingProvider``: requests run on a small dedicated queue pool
/// (never on the cooperative pool), each on `threadCount` encoder threads.
///
/// Thread safety: `Sendable`; concurrent requests share the model's mapped weights and are
/// admitted `concurrentRequestMax` at a time so CPU work cannot pile up without bound.
public final class LocalModelProvider: EmbeddingProvider {
    public let encoder: SentenceEncoder
    public let modelName: String
    /// Encoder threads per request.
    public let threadCount: Int
    /// Runs requests, `concurrentRequestMax` at a time; waiting requests hold no thread.
    private let queue: OperationQueue

    /// `threadCount` encoder threads per request; at most `concurrentRequestMax` requests encode
    /// at once (more wait their turn, off the cooperative pool).
    public init(encoder: SentenceEncoder, modelName: String = ModelLocator.defaultModelName,
                threadCount: Int = 1, concurrentRequestMax: Int = 2) {
        precondition(threadCount >= 1 && concurrentRequestMax >= 1)
        self.encoder = encoder
        self.modelName = modelName
        self.threadCount = threadCount
        queue = OperationQueue()
        queue.name = "cortex.embed.local"
        queue.maxConcurrentOperationCount = concurrentRequestMax
    }

    public var dimension: Int { encoder.dimension }
    public var summary: String { "local \(modelName) from \(encoder.directory) (\(SentenceEncoder.kernelDescription))" }

    public func tokenCount(_ texts: [String]) -> Int {
        encoder.tokenize(texts).reduce(0) { $0 + $1.count }
    }

    public func embed(_ texts: [String]) async throws(CortexError) -> [[Float]] {
        try EmbeddingLimits.check(texts)
        if texts.isEmpty { return [] }
        let encoder = self.encoder, threads = threadCount
        return await withCheckedContinuation { continuation in
            queue.addOperation {
                continuation.resume(returning: encoder.embed(texts, threadCount: threads))
            }
        }
    }
}
