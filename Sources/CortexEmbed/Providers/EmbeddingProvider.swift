public import CortexCore

/// Something that turns texts into vectors: the local model (default), an OpenAI-compatible
/// HTTP service, or the hashing fallback used only when no model is installed.
///
/// Contract for every provider: `embed` returns exactly one vector per input text, in order,
/// each `dimension` floats, L2-normalised (norm 1, or all zeros for a text with no features);
/// it never blocks the cooperative thread pool (CPU work and network waits run elsewhere);
/// errors are `CortexError`s whose message names the provider and never carries a secret.
public protocol EmbeddingProvider: Sendable {
    /// The model name clients see (e.g. `all-MiniLM-L6-v2`).
    var modelName: String { get }
    /// Floats per vector.
    var dimension: Int { get }
    /// A short human description for logs (`local all-MiniLM-L6-v2 (OpenBLAS Cooperlake)`).
    var summary: String { get }
    /// Counts the tokens of `texts` as this provider's model sees them (for usage reports).
    func tokenCount(_ texts: [String]) -> Int
    /// One vector per text. Throws `.invalidInput` for more than ``EmbeddingLimits/textCountMax``
    /// texts or a text above ``EmbeddingLimits/textByteCountMax`` bytes, `.unavailable` when a
    /// remote service fails after its retries.
    func embed(_ texts: [String]) async throws(CortexError) -> [[Float]]
}

/// The limits every provider enforces on one request.
public enum EmbeddingLimits {
    /// Texts per request (OpenAI's own limit is 2,048 inputs).
    public static let textCountMax = 2_048
    /// Bytes of one text. The local model reads at most 256 tokens of it anyway; the limit
    /// bounds the tokenizer's work and memory per request.
    public static let textByteCountMax = 64 << 10

    /// Checks `texts` against the limits.
    public static func check(_ texts: [String]) throws(CortexError) {
        guard texts.count <= textCountMax else {
            throw .invalidInput("\(texts.count) texts in one request exceed the limit of \(textCountMax)")
        }
        if let index = texts.firstIndex(where: { $0.utf8.count > textByteCountMax }) {
            throw .invalidInput("text \(index) has \(texts[index].utf8.count) bytes; the limit is \(textByteCountMax)")
        }
    }
}
