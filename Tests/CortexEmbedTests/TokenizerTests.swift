import CortexCore
import CortexEmbed
import Testing

/// WordPiece rules on a small vocabulary, where the expected ids can be worked out by hand.
@Suite struct TokenizerTests {
    // ids: 0 [PAD] 1 [UNK] 2 [CLS] 3 [SEP] 4 [MASK] 5 un 6 ##aff 7 ##able 8 , 9 cafe 10 hello 11 北 12 ! 13 ##s
    static let vocabulary = try! Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", ",", "cafe", "hello", "北", "!", "##s"])

    static func tokenizer(max: Int = 64) -> BertTokenizer { BertTokenizer(vocabulary: vocabulary, maxTokenCount: max) }

    @Test func greedyLongestMatchWithContinuations() {
        #expect(Self.tokenizer().encode("unaffable") == [2, 5, 6, 7, 3])
        #expect(Self.tokenizer().encode("UNAFFABLE, Hello!") == [2, 5, 6, 7, 8, 10, 12, 3])
        // "unaffx" cannot be covered, so the whole word is [UNK].
        #expect(Self.tokenizer().encode("unaffx hello") == [2, 1, 10, 3])
    }

    @Test func normalisationStripsAccentsCleansControlsAndSplitsCJK() {
        #expect(Self.tokenizer().encode("Café") == [2, 9, 3])
        #expect(Self.tokenizer().encode("ca\u{0301}fe\u{200B}\u{0007}") == [2, 9, 3])
        #expect(Self.tokenizer().encode("hello北hello") == [2, 10, 11, 10, 3])
        #expect(Self.tokenizer().encode("\u{00A0}hello\u{2028}hello\t") == [2, 10, 10, 3])
        #expect(Self.tokenizer().encode("") == [2, 3])
    }

    @Test func specialTokensInTextAreKeptVerbatimButOnlyExactly() {
        #expect(Self.tokenizer().encode("hello[MASK]hello") == [2, 10, 4, 10, 3])
        // Lowercase is not a special token: "[", "mask" and "]" are three unknown words here.
        #expect(Self.tokenizer().encode("[mask]") == [2, 1, 1, 1, 3])
        #expect(Self.tokenizer().encode("[SEP][CLS]") == [2, 3, 2, 3])
    }

    @Test func longWordsAreUnknownAndTruncationKeepsSeparatorLast() {
        #expect(Self.tokenizer().encode(String(repeating: "s", count: 101)) == [2, 1, 3])
        let ids = Self.tokenizer(max: 5).encode("hello hello hello hello hello")
        #expect(ids == [2, 10, 10, 10, 3])
        #expect(Self.tokenizer(max: 2).encode("hello") == [2, 3])
    }

    @Test func vocabularyWithoutSpecialsOrWithDuplicatesIsRefused() {
        #expect(throws: CortexError.corrupt("vocabulary: the special token [MASK] is missing")) {
            try Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]"])
        }
        #expect(throws: CortexError.corrupt("vocabulary: token \"a\" appears twice (second time on line 7)")) {
            try Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "a"])
        }
    }
}
