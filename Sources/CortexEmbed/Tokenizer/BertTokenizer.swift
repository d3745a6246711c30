/// BERT's uncased WordPiece tokenizer, reproducing the reference tokenizer's `input_ids`.
///
/// Pipeline for one text: special tokens written verbatim (`[CLS]`, `[SEP]`, `[PAD]`, `[UNK]`,
/// `[MASK]`, case-sensitive) are cut out first and kept as their ids; each piece between them is
/// normalised (``BertNormalizer``), split into words at white space and punctuation, and each
/// word becomes WordPiece tokens: greedy longest match first, continuations prefixed `##`; a word
/// longer than ``wordScalarCountMax`` scalars, or one that cannot be covered by vocabulary
/// pieces, becomes a single `[UNK]`. The result is `[CLS] tokens [SEP]`, truncated to
/// `maxTokenCount` ids in all (tokens beyond it are dropped; `[SEP]` stays last).
///
/// Thread safety: immutable; one tokenizer serves every thread.
public struct BertTokenizer: Sendable {
    public let vocabulary: Vocabulary
    /// The most ids ``encode(_:)`` returns, `[CLS]` and `[SEP]` included (the model's limit).
    public let maxTokenCount: Int
    /// Words longer than this many Unicode scalars become `[UNK]` without being looked at.
    public static let wordScalarCountMax = 100

    /// Precondition: `maxTokenCount >= 2` (room for `[CLS]` and `[SEP]`).
    public init(vocabulary: Vocabulary, maxTokenCount: Int) {
        precondition(maxTokenCount >= 2, "maxTokenCount \(maxTokenCount) leaves no room for [CLS] and [SEP]")
        self.vocabulary = vocabulary
        self.maxTokenCount = maxTokenCount
    }

    /// The ids of `text`, `[CLS]` first and `[SEP]` last, at most ``maxTokenCount``.
    public func encode(_ text: String) -> [Int32] {
        let budget = maxTokenCount - 2
        var ids: [Int32] = [vocabulary.specials.classification]
        ids.reserveCapacity(min(maxTokenCount, text.utf8.count / 3 + 2))
        var pieceStart = text.startIndex
        var index = text.startIndex
        // Special tokens are ASCII and start with "[": scan for "[" and test the texts there.
        while index < text.endIndex, ids.count - 1 < budget {
            guard text[index] == "[", let (special, end) = specialToken(in: text, at: index) else {
                index = text.index(after: index)
                continue
            }
            appendWordPieces(of: text[pieceStart..<index], to: &ids, budget: budget)
            if ids.count - 1 < budget { ids.append(special) }
            index = end
            pieceStart = end
        }
        if ids.count - 1 < budget { appendWordPieces(of: text[pieceStart...], to: &ids, budget: budget) }
        ids.append(vocabulary.specials.separator)
        return ids
    }

    private func specialToken(in text: String, at index: String.Index) -> (Int32, String.Index)? {
        for candidate in Vocabulary.specialTokenTexts {
            if let end = text.utf8.index(index, offsetBy: candidate.utf8.count, limitedBy: text.endIndex),
               text.utf8[index..<end].elementsEqual(candidate.utf8),
               let id = vocabulary.specialID(text[index..<end]) {
                return (id, end)
            }
        }
        return nil
    }

    /// Normalises `piece`, splits it into words and appends their WordPiece ids, stopping once
    /// `ids` (which starts with `[CLS]`) holds `budget` tokens after it.
    private func appendWordPieces(of piece: Substring, to ids: inout [Int32], budget: Int) {
        guard !piece.isEmpty else { return }
        let normalized = BertNormalizer.normalize(piece)
        var word = String.UnicodeScalarView()
        for scalar in normalized.unicodeScalars {
            if ids.count - 1 >= budget { return }
            if scalar.properties.isWhitespace {
                appendWord(&word, to: &ids, budget: budget)
            } else if BertNormalizer.isPunctuation(scalar) {
                appendWord(&word, to: &ids, budget: budget)
                if ids.count - 1 < budget { ids.append(vocabulary.ids[String(scalar)] ?? vocabulary.specials.unknown) }
            } else {
                word.append(scalar)
            }
        }
        appendWord(&word, to: &ids, budget: budget)
    }

    private func appendWord(_ word: inout String.UnicodeScalarView, to ids: inout [Int32], budget: Int) {
        guard !word.isEmpty else { return }
        defer { word = String.UnicodeScalarView() }
        for id in wordPieces(Array(word)) {
            guard ids.count - 1 < budget else { return }
            ids.append(id)
        }
    }

    /// Greedy longest-match-first WordPiece of one word (Schuster & Nakajima 2012, as BERT uses it).
    func wordPieces(_ scalars: [Unicode.Scalar]) -> [Int32] {
        let unknown = [vocabulary.specials.unknown]
        guard scalars.count <= Self.wordScalarCountMax else { return unknown }
        var pieces: [Int32] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var match: Int32?
            while end > start {
                var candidate = String.UnicodeScalarView()
                if start > 0 { candidate.append(contentsOf: "##".unicodeScalars) }
                candidate.append(contentsOf: scalars[start..<end])
                if let id = vocabulary.ids[String(candidate)] {
                    match = id
                    break
                }
                end -= 1
            }
            guard let match else { return unknown }
            pieces.append(match)
            start = end
        }
        return pieces
    }
}
