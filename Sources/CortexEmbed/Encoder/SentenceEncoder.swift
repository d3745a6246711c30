public import CortexCore
import CEmbedKernels
import COpenBLAS
import Dispatch
import Foundation

/// A sentence-embedding model on this machine's CPU: BERT tokenizer + encoder + mean pooling +
/// L2 normalisation, loaded from a model folder (`config.json`, `vocab.txt`,
/// `model.safetensors`) whose weights stay memory-mapped.
///
/// ``embed(_:threadCount:)`` tokenizes, sorts the texts by length, packs them into batches of at
/// most ``batchTokenCountMax`` tokens and spreads the batches over `threadCount` threads (longest
/// batch first to the least loaded thread). Results come back in input order.
///
/// Thread safety: immutable; any number of callers may embed at once (each call allocates its
/// own scratch buffers). OpenBLAS is set to one thread per call: Cortex parallelises over
/// batches, which scales better than splitting each small matrix product.
public final class SentenceEncoder: Sendable {
    public let configuration: BertConfiguration
    public let tokenizer: BertTokenizer
    let encoder: BertEncoder
    /// The model folder it was loaded from.
    public let directory: String

    /// Tokens per batch: big enough for efficient matrix products, small enough that a batch's
    /// activations (≈ 16 KB per token for MiniLM) stay in the last-level cache.
    public static let batchTokenCountMax = 2_048
    /// Texts per call of ``embed(_:threadCount:)``.
    public static let textCountMax = 100_000

    /// The files a model folder must hold.
    public static let requiredFiles = ["config.json", "vocab.txt", "model.safetensors"]

    /// Loads the model in `directory`. `maxTokenCount` (default: 256, the length MiniLM was
    /// trained on, or the model's positions when it has fewer) truncates longer texts. Throws `.unavailable` when a file is missing or
    /// unreadable, `.corrupt` when a file is damaged or the files do not belong together.
    public init(directory: String, maxTokenCount: Int? = nil) throws(CortexError) {
        for name in Self.requiredFiles where !FileManager.default.fileExists(atPath: directory + "/" + name) {
            throw .unavailable("model folder \(directory) lacks \(name)")
        }
        let configuration = try BertConfiguration(contentsOf: directory + "/config.json")
        let vocabulary = try Vocabulary(contentsOf: directory + "/vocab.txt")
        guard vocabulary.tokens.count <= configuration.vocabularySize else {
            throw .corrupt("\(directory)/vocab.txt has \(vocabulary.tokens.count) tokens; config.json allows \(configuration.vocabularySize)")
        }
        let maxTokenCount = maxTokenCount ?? min(256, configuration.positionCount)
        guard (2...configuration.positionCount).contains(maxTokenCount) else {
            throw .invalidInput("maxTokenCount \(maxTokenCount) is outside 2...\(configuration.positionCount) (the model's positions)")
        }
        let file = try SafeTensorsFile(path: directory + "/model.safetensors")
        let weights = try BertWeights(file: file, configuration: configuration)
        self.configuration = configuration
        self.tokenizer = BertTokenizer(vocabulary: vocabulary, maxTokenCount: maxTokenCount)
        self.encoder = BertEncoder(weights: weights)
        self.directory = directory
    }

    /// Dimensions of every embedding.
    public var dimension: Int { configuration.hiddenSize }

    /// The BLAS kernel family OpenBLAS chose and the element-wise kernels' ISA, for logs and benchmarks.
    public static var kernelDescription: String {
        let core = unsafe openblas_get_corename().map { unsafe String(cString: $0) } ?? "unknown"
        return "OpenBLAS \(core), element-wise \(unsafe String(cString: ce_isa()))"
    }

    /// Embeddings of `texts` in order, each `dimension` floats with L2 norm 1 (an empty text
    /// still has `[CLS] [SEP]` and gets a real embedding). Blocks the calling thread; run it off
    /// the cooperative pool. Precondition: `texts.count <= textCountMax`, `threadCount >= 1`.
    public func embed(_ texts: [String], threadCount: Int = 1) -> [[Float]] {
        precondition(texts.count <= Self.textCountMax, "\(texts.count) texts exceed the limit of \(Self.textCountMax)")
        let sequences = tokenize(texts, threadCount: threadCount)
        return embed(tokenized: sequences, threadCount: threadCount)
    }

    /// Token ids of `texts` (what ``embed(_:threadCount:)`` feeds the encoder).
    public func tokenize(_ texts: [String], threadCount: Int = 1) -> [[Int32]] {
        var sequences = [[Int32]](repeating: [], count: texts.count)
        let workers = max(1, min(threadCount, texts.count / 64))
        if workers == 1 {
            for (index, text) in texts.enumerated() { sequences[index] = tokenizer.encode(text) }
            return sequences
        }
        unsafe sequences.withUnsafeMutableBufferPointer { buffer in
            let slots = unsafe UnsafeMutableSendableBuffer(buffer)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                // Each worker writes only the indices congruent to its number: disjoint slots.
                for index in stride(from: worker, to: texts.count, by: workers) {
                    unsafe slots.buffer[index] = tokenizer.encode(texts[index])
                }
            }
        }
        return sequences
    }

    /// Embeddings of already tokenized sequences (ids from ``tokenizer``, `[CLS]…[SEP]`).
    public func embed(tokenized sequences: [[Int32]], threadCount: Int = 1) -> [[Float]] {
        precondition(threadCount >= 1, "threadCount must be at least 1")
        guard !sequences.isEmpty else { return [] }
        for sequence in sequences {
            precondition((1...tokenizer.maxTokenCount).contains(sequence.count), "sequence of \(sequence.count) tokens")
        }
        openblas_set_num_threads(1)
        let order = sequences.indices.sorted { sequences[$0].count > sequences[$1].count }
        let batches = Self.batches(order.map { sequences[$0].count }, tokenBudget: max(Self.batchTokenCountMax, tokenizer.maxTokenCount))
        let assignment = Self.assign(batches, threadCount: min(threadCount, batches.count))
        let sorted = order.map { sequences[$0] }
        let dimension = self.dimension
        let output = UnsafeMutableBufferPointer<Float>.allocate(capacity: sequences.count * dimension)
        defer { unsafe output.deallocate() }
        let slots = unsafe UnsafeMutableSendableBuffer(output)
        DispatchQueue.concurrentPerform(iterations: assignment.count) { worker in
            let mine = assignment[worker]
            let capacity = mine.map { $0.tokenCount }.max() ?? 1
            let workspace = EncoderWorkspace(configuration: configuration, tokenCapacity: capacity,
                                             sequenceLengthMax: min(capacity, tokenizer.maxTokenCount))
            for batch in mine {
                // Batches cover disjoint ranges of `sorted`, so workers write disjoint rows.
                unsafe encoder.embed(sorted[batch.range], workspace: workspace, output: slots.buffer.baseAddress! + batch.range.lowerBound * dimension)
            }
        }
        var result = [[Float]](repeating: [], count: sequences.count)
        for (position, index) in order.enumerated() {
            result[index] = unsafe Array(output[position * dimension ..< (position + 1) * dimension])
        }
        return result
    }

    struct Batch: Equatable {
        var range: Range<Int>
        var tokenCount: Int
    }

    /// Consecutive runs of `lengths` with at most `tokenBudget` tokens each (a run holds at least one).
    static func batches(_ lengths: [Int], tokenBudget: Int) -> [Batch] {
        var batches: [Batch] = []
        var start = 0, tokens = 0
        for (index, length) in lengths.enumerated() {
            if index > start, tokens + length > tokenBudget {
                batches.append(Batch(range: start..<index, tokenCount: tokens))
                start = index
                tokens = 0
            }
            tokens += length
        }
        if start < lengths.count { batches.append(Batch(range: start..<lengths.count, tokenCount: tokens)) }
        return batches
    }

    /// Longest-processing-time-first: each batch, largest first, to the thread with the least work.
    static func assign(_ batches: [Batch], threadCount: Int) -> [[Batch]] {
        var work = [[Batch]](repeating: [], count: max(threadCount, 1))
        var load = [Int](repeating: 0, count: work.count)
        for batch in batches.sorted(by: { $0.tokenCount > $1.tokenCount }) {
            let target = load.indices.min { load[$0] < load[$1] }!
            work[target].append(batch)
            load[target] += batch.tokenCount
        }
        return work.filter { !$0.isEmpty }
    }
}

/// A buffer that worker threads write at disjoint indices.
/// `@unchecked Sendable`: callers guarantee that no two threads touch the same element and that
/// the buffer outlives the workers (they join before it is read or freed).
@safe struct UnsafeMutableSendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { unsafe self.buffer = buffer }
}
