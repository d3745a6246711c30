import CortexCore
import Dispatch

/// Sends one batch of texts to an OpenAI-compatible embeddings endpoint, retrying transient
/// failures (``OpenAIWire/verdict(for:service:hasKey:)``) with capped exponential backoff.
///
/// Thread safety: `Sendable`. Each HTTP exchange runs on `queue`, admitted
/// `concurrentRequestMax` at a time, never on the cooperative pool; backoff waits are
/// `Task.sleep`, so they hold no thread either.
struct OpenAIEmbeddingClient: Sendable {
    let configuration: OpenAIEmbeddingConfiguration
    private let queue = DispatchQueue(label: "cortex.embed.openai", attributes: .concurrent)
    private let admission: DispatchSemaphore

    /// Precondition: `configuration` passed `validate()`.
    init(configuration: OpenAIEmbeddingConfiguration) {
        self.configuration = configuration
        admission = DispatchSemaphore(value: configuration.concurrentRequestMax)
    }

    /// How messages name the service: its endpoint without credentials.
    var service: String { "embedding service \(configuration.redactedEndpoint)" }

    /// The normalised vectors of `texts` (1...batchSize of them) in order, and the service's
    /// prompt token count. `dimension` nil accepts the length of the first vector (a probe).
    /// Throws as ``OpenAIWire/verdict(for:service:hasKey:)`` and
    /// ``OpenAIWire/decodeResponse(_:count:dimension:service:)`` say, `.unavailable` naming the
    /// last failure once `attemptCountMax` attempts failed, and `.unavailable` when cancelled.
    func embed(batch texts: [String], dimension: Int?) async throws(CortexError) -> (vectors: [[Float]], promptTokenCount: Int?) {
        precondition((1...configuration.batchSize).contains(texts.count))
        var headers: [(name: String, value: String)] = []
        if let apiKey = configuration.apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
        let post = HTTPPost(
            url: configuration.endpoint, headers: headers,
            body: OpenAIWire.requestBody(texts: texts, model: configuration.model, dimensions: configuration.dimensions),
            timeout: configuration.timeout, connectTimeout: configuration.connectTimeout,
            responseByteCountMax: OpenAIEmbeddingConfiguration.responseByteCountMax)
        var lastFailure = ""
        for attempt in 1...configuration.attemptCountMax {
            if Task.isCancelled { throw .unavailable("\(service): request cancelled") }
            let outcome = try await exchange(post)
            switch OpenAIWire.verdict(for: outcome, service: service, hasKey: configuration.apiKey != nil) {
            case .success(let body):
                return try OpenAIWire.decodeResponse(body, count: texts.count, dimension: dimension, service: service)
            case .fail(let error):
                throw error
            case .retry(let failure, let retryAfter):
                lastFailure = failure
                if attempt == configuration.attemptCountMax { continue }
                let delay = OpenAIWire.delay(beforeRetry: attempt, retryAfter: retryAfter,
                                             jitter: Double.random(in: 0..<1), configuration: configuration)
                do { try await Task.sleep(for: delay) } catch {
                    throw .unavailable("\(service): request cancelled while waiting to retry after \(failure)")
                }
            }
        }
        throw .unavailable("\(service) failed after \(configuration.attemptCountMax) attempts; last failure: \(lastFailure)")
    }

    /// One exchange on `queue`, waiting for admission there.
    private func exchange(_ post: HTTPPost) async throws(CortexError) -> HTTPPost.Outcome {
        let admission = self.admission
        let result: Result<HTTPPost.Outcome, CortexError> = await withCheckedContinuation { continuation in
            queue.async {
                admission.wait()
                defer { admission.signal() }
                continuation.resume(returning: Result { () throws(CortexError) in try post.perform() })
            }
        }
        return try result.get()
    }
}
