import CortexEmbed
import Foundation
import Testing

/// The tokenizer and the encoder against the reference fixture, every text.
@Suite struct ReferenceTests {
    @Test func fixtureHasEveryReferenceText() {
        #expect(ModelFixture.references.count == 150)
    }

    @Test func tokenizerReproducesEveryReferenceTokenization() throws {
        let model = try ModelFixture.model()
        var mismatches: [String] = []
        for reference in ModelFixture.references {
            let ids = model.tokenizer.encode(reference.text)
            if ids != reference.input_ids {
                mismatches.append("\(reference.text.debugDescription.prefix(80)): got \(ids.prefix(40)), expected \(reference.input_ids.prefix(40))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) texts tokenized differently:\n\(mismatches.joined(separator: "\n"))")
    }

    @Test(arguments: [1, 2])
    func encoderReproducesEveryReferenceEmbedding(threadCount: Int) throws {
        let model = try ModelFixture.model()
        let references = ModelFixture.references
        let embeddings = model.embed(references.map(\.text), threadCount: threadCount)
        #expect(embeddings.count == references.count)
        var worst = (cosine: 1.0, text: "")
        for (reference, embedding) in zip(references, embeddings) {
            #expect(embedding.count == 384)
            let cosine = ModelFixture.cosine(reference.embedding, embedding)
            if cosine < worst.cosine { worst = (cosine, reference.text) }
        }
        #expect(worst.cosine >= 0.9999, "lowest cosine \(worst.cosine) for \(worst.text.debugDescription.prefix(80))")
    }

    @Test func oneTextAloneEmbedsAsInABatch() throws {
        let model = try ModelFixture.model()
        let texts = ModelFixture.references.prefix(40).map(\.text)
        let batch = model.embed(Array(texts))
        for (index, text) in texts.enumerated() where index % 7 == 0 {
            let alone = model.embed([text])[0]
            #expect(ModelFixture.cosine(alone, batch[index]) > 0.999999, "\(text)")
        }
    }
}

/// Random texts over many Unicode blocks (control and private-use characters, combining marks,
/// CJK, Hangul, emoji, special-token look-alikes, over-long words), tokenized by the reference
/// tokenizer (Hugging Face `tokenizers`, through `transformers.AutoTokenizer` on the model folder).
/// `CORTEX_TOKENIZER_FIXTURE` may name a larger file of the same form.
@Suite struct TokenizerHeldOutTests {
    struct Case: Decodable {
        let text: String
        let input_ids: [Int32]
    }

    @Test func tokenizerMatchesTheReferenceOnRandomUnicodeTexts() throws {
        let model = try ModelFixture.model()
        let path = ProcessInfo.processInfo.environment["CORTEX_TOKENIZER_FIXTURE"]
            ?? ModelFixture.root + "/Tests/CortexEmbedTests/Fixtures/tokenizer-random.jsonl"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count >= 500)
        var mismatches: [String] = []
        for line in lines {
            let item = try JSONDecoder().decode(Case.self, from: Data(line.utf8))
            let ids = model.tokenizer.encode(item.text)
            if ids != item.input_ids, mismatches.count < 10 {
                let scalars = item.text.unicodeScalars.map { String($0.value, radix: 16) }.joined(separator: " ")
                mismatches.append("\(scalars.prefix(300))\n got \(ids.prefix(30))\n expected \(item.input_ids.prefix(30))")
            }
        }
        #expect(mismatches.isEmpty, "texts tokenized differently (first 10):\n\(mismatches.joined(separator: "\n"))")
    }
}
