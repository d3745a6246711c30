import ArgumentParser
import CortexCore
import CortexEmbed
import Foundation

/// Options shared by `cortex embed` and `cortex bench embed`.
struct EmbedInputOptions: ParsableArguments {
    @Option(name: .long, help: "JSON-lines file: one object per line, the text in --field (or a bare JSON string per line).")
    var file: String
    @Option(name: .long, help: "The field that holds the text.") var field = "text"
    @Option(name: .long, help: "Model folder (default: $CORTEX_MODELS_DIR/all-MiniLM-L6-v2, else ./models/…, the one tools/setup fills).")
    var model: String?
    @Option(name: .long, help: "Threads (each encodes whole batches; OpenBLAS runs single-threaded inside).")
    var threads = 1

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1...256, got \(threads)") }
    }

    /// Loads the model, naming where it looked when there is none.
    func loadModel() throws -> SentenceEncoder {
        try reportingErrors { () throws(CortexError) in
            guard let directory = ModelLocator.modelDirectory(explicit: model) else {
                throw .notFound(model.map { "no model (config.json, vocab.txt, model.safetensors) in \($0)" }
                    ?? "no embedding model found; run tools/setup (it fetches all-MiniLM-L6-v2 into models/) or pass --model DIR")
            }
            return try SentenceEncoder(directory: directory)
        }
    }

    /// The texts of `--file`, in order. A line that is neither an object with `--field` as a
    /// string nor a JSON string is an error naming the line.
    func readTexts() throws -> [String] {
        try reportingErrors { () throws(CortexError) in
            guard let data = FileManager.default.contents(atPath: file) else { throw .notFound("cannot read \(file)") }
            var texts: [String] = []
            var lineNumber = 0
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                lineNumber += 1
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { continue }
                guard texts.count < SentenceEncoder.textCountMax else {
                    throw .tooLarge("\(file) holds more than \(SentenceEncoder.textCountMax) texts; split it")
                }
                texts.append(try text(of: Data(line), line: lineNumber))
            }
            return texts
        }
    }

    private func text(of line: Data, line number: Int) throws(CortexError) -> String {
        let value: Any
        do { value = try JSONSerialization.jsonObject(with: line, options: [.fragmentsAllowed]) } catch {
            throw .invalidInput("\(file):\(number): not valid JSON")
        }
        if let text = value as? String { return text }
        guard let object = value as? [String: Any] else { throw .invalidInput("\(file):\(number): expected an object or a string") }
        guard let text = object[field] as? String else { throw .invalidInput("\(file):\(number): no string field \"\(field)\"") }
        return text
    }
}
