public import CortexCore

/// The parameters of a BERT encoder as views into a memory-mapped safetensors file: nothing is
/// copied, every process that loads the model shares the file's pages.
///
/// Tensor names follow Hugging Face's `BertModel` (`embeddings.word_embeddings.weight`,
/// `encoder.layer.N.attention.self.query.weight`, …), with or without a `bert.` prefix. Linear
/// weights are `[out][in]` (PyTorch's layout), so a layer computes `y = x·Wᵀ + b`.
///
/// `@unchecked Sendable`: the buffers point into `file`'s read-only mapping, which this object
/// keeps alive and nobody writes.
@safe public final class BertWeights: @unchecked Sendable {
    /// One transformer layer's parameters; matrices `[out][in]`, vectors `[n]`.
    @safe struct Layer {
        let query: UnsafeBufferPointer<Float>, queryBias: UnsafeBufferPointer<Float>
        let key: UnsafeBufferPointer<Float>, keyBias: UnsafeBufferPointer<Float>
        let value: UnsafeBufferPointer<Float>, valueBias: UnsafeBufferPointer<Float>
        let attentionOutput: UnsafeBufferPointer<Float>, attentionOutputBias: UnsafeBufferPointer<Float>
        let attentionNormGamma: UnsafeBufferPointer<Float>, attentionNormBeta: UnsafeBufferPointer<Float>
        let intermediate: UnsafeBufferPointer<Float>, intermediateBias: UnsafeBufferPointer<Float>
        let output: UnsafeBufferPointer<Float>, outputBias: UnsafeBufferPointer<Float>
        let outputNormGamma: UnsafeBufferPointer<Float>, outputNormBeta: UnsafeBufferPointer<Float>
    }

    public let configuration: BertConfiguration
    let file: SafeTensorsFile
    /// `[vocabularySize][hiddenSize]`, `[positionCount][hiddenSize]`, `[tokenTypeCount][hiddenSize]`.
    let wordEmbeddings: UnsafeBufferPointer<Float>
    let positionEmbeddings: UnsafeBufferPointer<Float>
    let tokenTypeEmbeddings: UnsafeBufferPointer<Float>
    let embeddingNormGamma: UnsafeBufferPointer<Float>
    let embeddingNormBeta: UnsafeBufferPointer<Float>
    let layers: [Layer]

    /// Checks that `file` holds every tensor `configuration` needs, as F32 with the right shape.
    /// Throws `.corrupt` naming the first tensor that is missing or mismatched.
    public init(file: SafeTensorsFile, configuration: BertConfiguration) throws(CortexError) {
        self.file = file
        self.configuration = configuration
        let prefix = file.tensors["embeddings.word_embeddings.weight"] == nil && file.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        let hidden = configuration.hiddenSize, inner = configuration.intermediateSize
        func tensor(_ name: String, _ shape: [Int]) throws(CortexError) -> UnsafeBufferPointer<Float> {
            try unsafe file.floats(prefix + name, shape: shape)
        }
        unsafe wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [configuration.vocabularySize, hidden])
        unsafe positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [configuration.positionCount, hidden])
        unsafe tokenTypeEmbeddings = try tensor("embeddings.token_type_embeddings.weight", [configuration.tokenTypeCount, hidden])
        unsafe embeddingNormGamma = try tensor("embeddings.LayerNorm.weight", [hidden])
        unsafe embeddingNormBeta = try tensor("embeddings.LayerNorm.bias", [hidden])
        var layers: [Layer] = []
        for index in 0..<configuration.layerCount {
            let name = "encoder.layer.\(index)."
            layers.append(unsafe Layer(
                query: try tensor(name + "attention.self.query.weight", [hidden, hidden]),
                queryBias: try tensor(name + "attention.self.query.bias", [hidden]),
                key: try tensor(name + "attention.self.key.weight", [hidden, hidden]),
                keyBias: try tensor(name + "attention.self.key.bias", [hidden]),
                value: try tensor(name + "attention.self.value.weight", [hidden, hidden]),
                valueBias: try tensor(name + "attention.self.value.bias", [hidden]),
                attentionOutput: try tensor(name + "attention.output.dense.weight", [hidden, hidden]),
                attentionOutputBias: try tensor(name + "attention.output.dense.bias", [hidden]),
                attentionNormGamma: try tensor(name + "attention.output.LayerNorm.weight", [hidden]),
                attentionNormBeta: try tensor(name + "attention.output.LayerNorm.bias", [hidden]),
                intermediate: try tensor(name + "intermediate.dense.weight", [inner, hidden]),
                intermediateBias: try tensor(name + "intermediate.dense.bias", [inner]),
                output: try tensor(name + "output.dense.weight", [hidden, inner]),
                outputBias: try tensor(name + "output.dense.bias", [hidden]),
                outputNormGamma: try tensor(name + "output.LayerNorm.weight", [hidden]),
                outputNormBeta: try tensor(name + "output.LayerNorm.bias", [hidden])))
        }
        self.layers = layers
    }
}
