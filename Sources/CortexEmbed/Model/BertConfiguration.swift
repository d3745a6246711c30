public import CortexCore
import Foundation

/// The shape of a BERT encoder, read from the model folder's `config.json` (Hugging Face names).
public struct BertConfiguration: Sendable, Equatable {
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var vocabularySize: Int
    public var positionCount: Int
    public var tokenTypeCount: Int
    public var layerNormEpsilon: Float

    /// Dimensions per attention head.
    public var headSize: Int { hiddenSize / headCount }

    /// The largest sizes Cortex accepts from a config file: they bound every buffer it allocates.
    public static let hiddenSizeMax = 4_096
    public static let layerCountMax = 48
    public static let intermediateSizeMax = 16_384
    public static let positionCountMax = 8_192
    public static let vocabularySizeMax = 1_000_000

    public init(hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int, vocabularySize: Int,
                positionCount: Int, tokenTypeCount: Int, layerNormEpsilon: Float) {
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.vocabularySize = vocabularySize
        self.positionCount = positionCount
        self.tokenTypeCount = tokenTypeCount
        self.layerNormEpsilon = layerNormEpsilon
    }

    private struct File: Decodable {
        var hidden_size: Int
        var num_hidden_layers: Int
        var num_attention_heads: Int
        var intermediate_size: Int
        var vocab_size: Int
        var max_position_embeddings: Int
        var type_vocab_size: Int?
        var layer_norm_eps: Double?
        var hidden_act: String?
        var position_embedding_type: String?
    }

    /// Reads and checks `config.json`. Throws `.unavailable` when it cannot be read and
    /// `.corrupt` when it is not a BERT configuration Cortex can run (absolute positions, GELU,
    /// sizes within the limits above, hidden size divisible by the head count).
    public init(contentsOf path: String) throws(CortexError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unavailable("cannot read \(path): \(error.localizedDescription)")
        }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch {
            throw .corrupt("\(path): not a BERT config.json (needs hidden_size, num_hidden_layers, num_attention_heads, intermediate_size, vocab_size, max_position_embeddings)")
        }
        guard (file.hidden_act ?? "gelu") == "gelu" else {
            throw .corrupt("\(path): hidden_act \(file.hidden_act ?? "") is not supported (only gelu)")
        }
        guard (file.position_embedding_type ?? "absolute") == "absolute" else {
            throw .corrupt("\(path): position_embedding_type \(file.position_embedding_type ?? "") is not supported (only absolute)")
        }
        self.init(hiddenSize: file.hidden_size, layerCount: file.num_hidden_layers, headCount: file.num_attention_heads,
                  intermediateSize: file.intermediate_size, vocabularySize: file.vocab_size,
                  positionCount: file.max_position_embeddings, tokenTypeCount: file.type_vocab_size ?? 2,
                  layerNormEpsilon: Float(file.layer_norm_eps ?? 1e-12))
        try validate(source: path)
    }

    func validate(source: String) throws(CortexError) {
        func check(_ name: String, _ value: Int, _ range: ClosedRange<Int>) throws(CortexError) {
            guard range.contains(value) else { throw .corrupt("\(source): \(name) \(value) is outside \(range.lowerBound)...\(range.upperBound)") }
        }
        try check("hidden_size", hiddenSize, 1...Self.hiddenSizeMax)
        try check("num_hidden_layers", layerCount, 1...Self.layerCountMax)
        try check("num_attention_heads", headCount, 1...hiddenSize)
        try check("intermediate_size", intermediateSize, 1...Self.intermediateSizeMax)
        try check("vocab_size", vocabularySize, 5...Self.vocabularySizeMax)
        try check("max_position_embeddings", positionCount, 2...Self.positionCountMax)
        try check("type_vocab_size", tokenTypeCount, 1...16)
        guard hiddenSize % headCount == 0 else {
            throw .corrupt("\(source): hidden_size \(hiddenSize) is not divisible by num_attention_heads \(headCount)")
        }
        guard layerNormEpsilon.isFinite, layerNormEpsilon >= 0 else { throw .corrupt("\(source): layer_norm_eps must be a non-negative number") }
    }
}
