import ArgumentParser
import CortexEmbed
import Foundation

/// `cortex embed`: one embedding per line of a JSON-lines file, written as .fvecs.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed every line of a JSON-lines file with the local model; write the vectors as .fvecs.",
        discussion: """
            OUT gets one vector per input line, in order, in the .fvecs layout: for each vector a little-endian \
            int32 dimension (384) and that many little-endian float32 values. Vectors are L2-normalised. Texts longer \
            than 256 tokens are truncated (docs/embeddings.md).
            """)

    @OptionGroup var input: EmbedInputOptions
    @Option(name: .long, help: "Output .fvecs file (replaced when complete).") var out: String

    /// Texts per progress step: large enough for full batches on every thread.
    static let chunkTextCount = 512

    func run() throws {
        let model = try input.loadModel()
        let texts = try input.readTexts()
        let temporary = out + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary)
        else {
            FileHandle.standardError.write(Data("cortex: cannot create \(temporary)\n".utf8))
            throw ExitCode(1)
        }
        let progress = Progress(total: texts.count, unit: "texts")
        var done = 0
        for start in stride(from: 0, to: texts.count, by: Self.chunkTextCount) {
            let chunk = Array(texts[start..<min(start + Self.chunkTextCount, texts.count)])
            let vectors = model.embed(chunk, threadCount: input.threads)
            handle.write(Self.fvecs(vectors))
            done += chunk.count
            progress.update(done: done)
        }
        progress.finish()
        try handle.synchronize()
        try handle.close()
        _ = try? FileManager.default.removeItem(atPath: out)
        try FileManager.default.moveItem(atPath: temporary, toPath: out)
        FileHandle.standardError.write(Data(String(format: "embedded %d texts in %.1f s into %@\n", texts.count, progress.elapsed, out).utf8))
    }

    /// `vectors` in the .fvecs layout (little-endian int32 dimension, then the floats).
    static func fvecs(_ vectors: [[Float]]) -> Data {
        var data = Data(capacity: vectors.reduce(0) { $0 + 4 + 4 * $1.count })
        for vector in vectors {
            withUnsafeBytes(of: Int32(vector.count).littleEndian) { data.append(contentsOf: $0) }
            for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        return data
    }
}
