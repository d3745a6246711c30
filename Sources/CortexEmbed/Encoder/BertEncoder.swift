import CEmbedKernels
import COpenBLAS

/// The BERT forward pass over a batch of token sequences, ending in mean pooling and L2
/// normalisation (the sentence embedding of sentence-transformers models).
///
/// Sequences are packed back to back (no padding): every dense layer is one OpenBLAS `sgemm`
/// over all the batch's tokens, and attention runs per sequence and head over exactly that
/// sequence's tokens, which is what the padding mask computes, without the padded work.
/// Element-wise steps (bias + GELU, bias + residual + layer norm, softmax) are the
/// ``CEmbedKernels`` kernels.
///
/// Thread safety: immutable; several threads may encode at once, each with its own workspace.
struct BertEncoder: Sendable {
    let weights: BertWeights
    var configuration: BertConfiguration { weights.configuration }

    /// Encodes `sequences` (ids `< vocabularySize`, lengths 1...positionCount, total tokens
    /// <= workspace capacity) and writes one L2-normalised embedding per sequence:
    /// `output[s * hiddenSize ..< (s + 1) * hiddenSize]`.
    func embed(_ sequences: ArraySlice<[Int32]>, workspace: EncoderWorkspace, output: UnsafeMutablePointer<Float>) {
        let hidden = configuration.hiddenSize
        let tokenCount = sequences.reduce(0) { $0 + $1.count }
        precondition(tokenCount <= workspace.tokenCapacity, "batch of \(tokenCount) tokens exceeds the workspace")
        unsafe embedTokens(sequences, into: workspace.hidden)
        for layer in weights.layers {
            runLayer(layer, sequences: sequences, tokenCount: tokenCount, workspace: workspace)
        }
        var row = 0
        for (index, sequence) in sequences.enumerated() {
            unsafe meanPoolAndNormalize(workspace.hidden + row * hidden, rowCount: sequence.count, into: output + index * hidden)
            row += sequence.count
        }
    }

    /// hidden[t] = layer_norm(word[id] + position[p] + tokenType[0]), p = position within its sequence.
    private func embedTokens(_ sequences: ArraySlice<[Int32]>, into destination: UnsafeMutablePointer<Float>) {
        let hidden = configuration.hiddenSize
        let words = unsafe weights.wordEmbeddings.baseAddress!
        let positions = unsafe weights.positionEmbeddings.baseAddress!
        let tokenType = unsafe weights.tokenTypeEmbeddings.baseAddress!
        var row = 0
        for sequence in sequences {
            precondition(sequence.count <= configuration.positionCount, "sequence of \(sequence.count) tokens exceeds the model's positions")
            for (position, id) in sequence.enumerated() {
                precondition(id >= 0 && Int(id) < configuration.vocabularySize, "token id \(id) outside the vocabulary")
                // In bounds: id < vocabularySize and position < positionCount were just checked;
                // the tables are [count][hidden] (BertWeights checked their shapes).
                let target = unsafe destination + row * hidden
                let word = unsafe words + Int(id) * hidden
                let place = unsafe positions + position * hidden
                for column in 0..<hidden {
                    unsafe target[column] = word[column] + place[column] + tokenType[column]
                }
                row += 1
            }
        }
        unsafe ce_bias_residual_layer_norm(destination, hidden, nil, nil, weights.embeddingNormGamma.baseAddress,
                                           weights.embeddingNormBeta.baseAddress, row, hidden, configuration.layerNormEpsilon)
    }

    private func runLayer(_ layer: BertWeights.Layer, sequences: ArraySlice<[Int32]>, tokenCount: Int, workspace: EncoderWorkspace) {
        let hidden = configuration.hiddenSize, inner = configuration.intermediateSize
        let epsilon = configuration.layerNormEpsilon
        unsafe linear(workspace.hidden, rows: tokenCount, inputs: hidden, weight: layer.query, bias: layer.queryBias, outputs: hidden, into: workspace.query)
        unsafe linear(workspace.hidden, rows: tokenCount, inputs: hidden, weight: layer.key, bias: layer.keyBias, outputs: hidden, into: workspace.key)
        unsafe linear(workspace.hidden, rows: tokenCount, inputs: hidden, weight: layer.value, bias: layer.valueBias, outputs: hidden, into: workspace.value)
        attend(sequences, workspace: workspace)
        // scratch = layer_norm(context·Woᵀ + bo + hidden): the attention block's output.
        unsafe linear(workspace.context, rows: tokenCount, inputs: hidden, weight: layer.attentionOutput, bias: nil, outputs: hidden, into: workspace.scratch)
        unsafe ce_bias_residual_layer_norm(workspace.scratch, hidden, layer.attentionOutputBias.baseAddress, workspace.hidden,
                                           layer.attentionNormGamma.baseAddress, layer.attentionNormBeta.baseAddress, tokenCount, hidden, epsilon)
        workspace.swapHidden()
        // intermediate = gelu(hidden·W1ᵀ + b1); scratch = layer_norm(intermediate·W2ᵀ + b2 + hidden).
        unsafe linear(workspace.hidden, rows: tokenCount, inputs: hidden, weight: layer.intermediate, bias: nil, outputs: inner, into: workspace.intermediate)
        unsafe ce_bias_gelu(workspace.intermediate, inner, layer.intermediateBias.baseAddress, tokenCount, inner)
        unsafe linear(workspace.intermediate, rows: tokenCount, inputs: inner, weight: layer.output, bias: nil, outputs: hidden, into: workspace.scratch)
        unsafe ce_bias_residual_layer_norm(workspace.scratch, hidden, layer.outputBias.baseAddress, workspace.hidden,
                                           layer.outputNormGamma.baseAddress, layer.outputNormBeta.baseAddress, tokenCount, hidden, epsilon)
        workspace.swapHidden()
    }

    /// Multi-head self-attention of each sequence over itself: for head h,
    /// context_h = softmax(Q_h K_hᵀ / √d) V_h, with Q_h the h-th `headSize` columns of `query`.
    private func attend(_ sequences: ArraySlice<[Int32]>, workspace: EncoderWorkspace) {
        let hidden = configuration.hiddenSize, headSize = configuration.headSize
        let scale = 1 / Float(headSize).squareRoot()
        var row = 0
        for sequence in sequences {
            let length = sequence.count
            precondition(length <= workspace.sequenceLengthMax)
            for head in 0..<configuration.headCount {
                // Row `row`, column `head * headSize` of each [token][hidden] matrix; ld = hidden.
                let offset = row * hidden + head * headSize
                unsafe cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(length), Int32(length), Int32(headSize),
                                   1, workspace.query + offset, Int32(hidden), workspace.key + offset, Int32(hidden),
                                   0, workspace.scores, Int32(length))
                unsafe ce_softmax_rows(workspace.scores, length, length, length, scale)
                unsafe cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(length), Int32(headSize), Int32(length),
                                   1, workspace.scores, Int32(length), workspace.value + offset, Int32(hidden),
                                   0, workspace.context + offset, Int32(hidden))
            }
            row += length
        }
    }

    /// y[rows][outputs] = x[rows][inputs] · weight[outputs][inputs]ᵀ (+ bias, when given).
    private func linear(_ x: UnsafePointer<Float>, rows: Int, inputs: Int, weight: UnsafeBufferPointer<Float>,
                        bias: UnsafeBufferPointer<Float>?, outputs: Int, into y: UnsafeMutablePointer<Float>) {
        var beta: Float = 0
        if let bias = unsafe bias {
            // Start every output row as the bias, then accumulate the product onto it (beta = 1).
            for index in 0..<rows {
                unsafe (y + index * outputs).update(from: bias.baseAddress!, count: outputs)
            }
            beta = 1
        }
        unsafe cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs),
                           1, x, Int32(inputs), weight.baseAddress, Int32(inputs), beta, y, Int32(outputs))
    }

    /// output = normalize(mean of the `rowCount` rows at `rows`), in double for the sums.
    private func meanPoolAndNormalize(_ rows: UnsafePointer<Float>, rowCount: Int, into output: UnsafeMutablePointer<Float>) {
        let hidden = configuration.hiddenSize
        var sums = [Double](repeating: 0, count: hidden)
        for index in 0..<rowCount {
            let source = unsafe rows + index * hidden
            for column in 0..<hidden { sums[column] += Double(unsafe source[column]) }
        }
        let norm = sums.reduce(0) { $0 + $1 * $1 }.squareRoot()
        // The mean's 1/rowCount cancels in the normalisation; an all-zero sum stays zero.
        let factor = norm > 0 ? 1 / norm : 0
        for column in 0..<hidden { unsafe output[column] = Float(sums[column] * factor) }
    }
}
