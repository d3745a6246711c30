import ArgumentParser
import CortexEmbed
import Foundation

/// `cortex bench embed`: texts per second of the local model.
struct EmbedBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Time the local embedding model on the texts of a JSON-lines file.",
        discussion: """
            Loads the model, embeds the first few texts once to warm up, then embeds all of them --reps times \
            and reports the median run: {"phase":"embed","texts":N,"tokens":T,"seconds":S,"texts_per_s":X,\
            "tokens_per_s":Y}. Tokens count every id the encoder sees, [CLS] and [SEP] included, after \
            truncation at 256. tools/bench/embed/compare.py runs PyTorch on the same texts in the same run.
            """)

    @OptionGroup var input: EmbedInputOptions
    @Option(name: .long, help: "Timed runs (after one warm-up); the median is reported.") var reps = 3
    @Flag(name: .long, help: "One JSON object on standard output.") var json = false

    func run() throws {
        let model = try input.loadModel()
        let texts = try input.readTexts()
        guard !texts.isEmpty else {
            FileHandle.standardError.write(Data("cortex: \(input.file) holds no texts\n".utf8))
            throw ExitCode(1)
        }
        let tokens = model.tokenize(texts).reduce(0) { $0 + $1.count }
        _ = model.embed(Array(texts.prefix(64)), threadCount: input.threads)
        var timings: [Double] = []
        for _ in 0..<max(reps, 1) {
            let started = DispatchTime.now().uptimeNanoseconds
            let vectors = model.embed(texts, threadCount: input.threads)
            timings.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
            precondition(vectors.count == texts.count)
        }
        let seconds = timings.sorted()[timings.count / 2]
        if json {
            let line: [String: Any] = [
                "phase": "embed", "texts": texts.count, "tokens": tokens, "seconds": seconds, "threads": input.threads,
                "texts_per_s": Double(texts.count) / seconds, "tokens_per_s": Double(tokens) / seconds,
                "kernels": SentenceEncoder.kernelDescription,
            ]
            let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "embed: %d texts, %d tokens (%.0f per text), %d thread(s): %.2f s, %.1f texts/s, %.0f tokens/s [%@]",
                         texts.count, tokens, Double(tokens) / Double(texts.count), input.threads, seconds,
                         Double(texts.count) / seconds, Double(tokens) / seconds, SentenceEncoder.kernelDescription))
        }
    }
}
