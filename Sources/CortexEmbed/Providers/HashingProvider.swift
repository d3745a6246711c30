public import CortexCore

/// The fallback when no model is installed: feature hashing of words and word bigrams into
/// `dimension` buckets with ±1 signs (Weinberger et al. 2009), L2-normalised.
///
/// It captures shared vocabulary, not meaning: texts that share words land near each other,
/// paraphrases do not. The server announces in its log at start that it is using it.
/// Deterministic across processes and machines (FNV-1a on the lowercased UTF-8 words).
public struct HashingProvider: EmbeddingProvider {
    public let dimension: Int
    public var modelName: String { "cortex-hashing-\(dimension)" }
    public var summary: String { "hashing fallback (\(dimension) dimensions; no model installed)" }

    /// Precondition: `dimension >= 1`.
    public init(dimension: Int = 384) {
        precondition(dimension >= 1)
        self.dimension = dimension
    }

    public func tokenCount(_ texts: [String]) -> Int {
        texts.reduce(0) { $0 + Self.words($1).count }
    }

    public func embed(_ texts: [String]) async throws(CortexError) -> [[Float]] {
        try EmbeddingLimits.check(texts)
        return texts.map(vector)
    }

    /// The vector of one text.
    public func vector(_ text: String) -> [Float] {
        var vector = [Float](repeating: 0, count: dimension)
        let words = Self.words(text)
        var previous: UInt64?
        for word in words {
            let hash = Self.fnv1a(word, seed: 0xcbf2_9ce4_8422_2325)
            add(hash, to: &vector)
            if let previous { add(previous &* 0x0000_0100_0000_01B3 ^ hash, to: &vector) }
            previous = hash
        }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }

    private func add(_ hash: UInt64, to vector: inout [Float]) {
        vector[Int(hash % UInt64(dimension))] += (hash >> 63) == 0 ? 1 : -1
    }

    /// Lowercased runs of letters and digits.
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    static func fnv1a(_ word: String, seed: UInt64) -> UInt64 {
        var hash = seed
        for byte in word.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
