import CortexEmbed
import Foundation
import Testing

/// The real all-MiniLM-L6-v2 model (fetched by `tools/setup`) and the reference fixture
/// (../shared/bench/embed/minilm-reference.jsonl, copied into Fixtures/): 150 texts with the
/// reference tokenizer's `input_ids` and sentence-transformers' embeddings.
enum ModelFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let modelDirectory = ProcessInfo.processInfo.environment["CORTEX_MODELS_DIR"].map { $0 + "/all-MiniLM-L6-v2" }
        ?? root + "/models/all-MiniLM-L6-v2"

    struct Reference: Decodable {
        let text: String
        let input_ids: [Int32]
        let embedding: [Float]
    }

    static let references: [Reference] = {
        let path = root + "/Tests/CortexEmbedTests/Fixtures/minilm-reference.jsonl"
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Reference.self, from: Data($0.utf8)) }
    }()

    /// Loaded once per test process: the weights are memory-mapped, loading twice costs nothing but time.
    static let encoder: Result<SentenceEncoder, any Error> = Result { try SentenceEncoder(directory: modelDirectory) }

    static func model() throws -> SentenceEncoder {
        try #require(FileManager.default.fileExists(atPath: modelDirectory + "/model.safetensors"),
                     "the model is missing at \(modelDirectory): run tools/setup")
        return try encoder.get()
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        return dot / (na.squareRoot() * nb.squareRoot())
    }
}
