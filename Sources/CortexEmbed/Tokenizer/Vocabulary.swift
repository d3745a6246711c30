public import CortexCore
import Foundation

/// A WordPiece vocabulary: one token per line of `vocab.txt`, the line number (from 0) is its id.
///
/// Thread safety: immutable; share it freely.
public struct Vocabulary: Sendable {
    /// Ids of the special tokens every BERT vocabulary has.
    public struct Specials: Sendable, Equatable {
        public let padding: Int32
        public let unknown: Int32
        public let classification: Int32
        public let separator: Int32
        public let mask: Int32
    }

    /// Token text to id.
    public let ids: [String: Int32]
    /// Id to token text.
    public let tokens: [String]
    public let specials: Specials

    /// The special tokens as they may appear verbatim in raw text (matched before normalisation).
    public static let specialTokenTexts = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    /// vocab.txt files larger than this are rejected (BERT's is 226 KiB).
    public static let fileByteCountMax = 16 << 20

    /// Builds a vocabulary from its tokens in id order. Throws `.corrupt` when a special token is
    /// missing or a token appears twice.
    public init(tokens: [String], source: String = "vocabulary") throws(CortexError) {
        guard tokens.count < Int(Int32.max) else { throw .corrupt("\(source): \(tokens.count) tokens is too many") }
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (index, token) in tokens.enumerated() {
            guard ids.updateValue(Int32(index), forKey: token) == nil else {
                throw .corrupt("\(source): token \(token.debugDescription) appears twice (second time on line \(index + 1))")
            }
        }
        func id(_ text: String) throws(CortexError) -> Int32 {
            guard let id = ids[text] else { throw .corrupt("\(source): the special token \(text) is missing") }
            return id
        }
        specials = Specials(padding: try id("[PAD]"), unknown: try id("[UNK]"), classification: try id("[CLS]"),
                            separator: try id("[SEP]"), mask: try id("[MASK]"))
        self.ids = ids
        self.tokens = tokens
    }

    /// Reads `vocab.txt` (UTF-8, one token per line, `\n` or `\r\n`).
    public init(contentsOf path: String) throws(CortexError) {
        let file = try MappedFile(path: path)
        guard unsafe file.bytes.count <= Self.fileByteCountMax else {
            throw .corrupt("\(path): \(unsafe file.bytes.count) bytes exceeds the vocabulary limit of \(Self.fileByteCountMax)")
        }
        guard let text = unsafe String(validating: file.bytes, as: UTF8.self) else {
            throw .corrupt("\(path): not valid UTF-8")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if lines.last == "" { lines.removeLast() }
        try self.init(tokens: lines, source: path)
    }

    /// The id of a special token's text, if `text` is one.
    func specialID(_ text: Substring) -> Int32? {
        switch text {
        case "[PAD]": specials.padding
        case "[UNK]": specials.unknown
        case "[CLS]": specials.classification
        case "[SEP]": specials.separator
        case "[MASK]": specials.mask
        default: nil
        }
    }
}
