import CortexCore
import CortexEmbed
import CortexTesting
import Foundation
import Testing

/// The safetensors reader accepts well-formed files and turns every kind of damage into a
/// `.corrupt` error that names the problem (never a crash or an out-of-bounds read).
@Suite struct SafeTensorsTests {
    /// A safetensors file: header JSON (padded with spaces to a multiple of 8) then `data`.
    static func file(header: String, data: [UInt8]) -> [UInt8] {
        var json = Array(header.utf8)
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var bytes = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
        bytes += json + data
        return bytes
    }

    static func floats(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    }

    static let goodHeader = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[3],"data_offsets":[16,28]}}"#
    static let goodData = floats([1, 2, 3, 4, 5, 6, 7])

    func write(_ bytes: [UInt8], in folder: TemporaryDirectory) throws -> String {
        let path = folder.child("model.safetensors")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func corruptMessage(_ bytes: [UInt8]) throws -> String? {
        let folder = TemporaryDirectory()
        let path = try write(bytes, in: folder)
        do {
            _ = try SafeTensorsFile(path: path)
            return nil
        } catch {
            #expect(error.code == .corrupt, "\(error)")
            return error.message
        }
    }

    @Test func readsTensorsWithoutCopying() throws {
        let folder = TemporaryDirectory()
        let file = try SafeTensorsFile(path: try write(Self.file(header: Self.goodHeader, data: Self.goodData), in: folder))
        #expect(file.metadata == ["format": "pt"])
        #expect(Array(try file.floats("a", shape: [2, 2])) == [1, 2, 3, 4])
        #expect(Array(try file.floats("b", shape: [3])) == [5, 6, 7])
        #expect(throws: CortexError.corrupt("\(file.path): tensor b has shape [3]; expected [4]")) { try file.floats("b", shape: [4]) }
        #expect(throws: CortexError.corrupt("\(file.path): tensor c is missing")) { try file.floats("c", shape: [1]) }
    }

    @Test(arguments: [
        (#"{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[3],"data_offsets":[16,32]}}"#, "outside the 28-byte data area"),
        (#"{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[3],"data_offsets":[12,24]}}"#, "overlaps the tensor before it"),
        (#"{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}"#, "bytes after the last tensor belong to none"),
        (#"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[3],"data_offsets":[16,28]}}"#, "has 16 bytes but shape [2, 3] of F32 needs 24"),
        (#"{"a":{"dtype":"Q4","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[3],"data_offsets":[16,28]}}"#, "unknown dtype Q4"),
        (#"{"a":{"dtype":"F32","shape":[-2,2],"data_offsets":[0,16]}}"#, "not a JSON object of tensors"),
        (#"{"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,16]}}"#, "impossible shape"),
        (#"{"a":{"dtype":"F32","shape":[2,2]}}"#, "not a JSON object of tensors"),
        (#"{"a":"#, "not a JSON object of tensors"),
        (#"[1,2,3]"#, "not a JSON object of tensors"),
    ])
    func damagedHeadersAreCorrupt(header: String, expected: String) throws {
        let message = try corruptMessage(Self.file(header: header, data: Self.goodData))
        #expect(message?.contains(expected) == true, "\(message ?? "accepted")")
    }

    @Test func truncatedFilesAreCorruptAtEveryLength() throws {
        let whole = Self.file(header: Self.goodHeader, data: Self.goodData)
        for length in [0, 3, 7, 8, 20, whole.count - Self.goodData.count - 1, whole.count - 1] {
            let message = try corruptMessage(Array(whole.prefix(length)))
            #expect(message != nil, "a file cut to \(length) bytes was accepted")
        }
    }

    @Test func hugeHeaderLengthIsRefusedBeforeReading() throws {
        var bytes = Self.file(header: Self.goodHeader, data: Self.goodData)
        bytes.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64.max.littleEndian) { Array($0) })
        #expect(try corruptMessage(bytes)?.contains("exceeds the limit") == true)
    }

    @Test func modelFolderWithMismatchedFilesIsRefused() throws {
        let folder = TemporaryDirectory()
        let config = #"{"hidden_size":4,"num_hidden_layers":1,"num_attention_heads":2,"intermediate_size":8,"vocab_size":10,"max_position_embeddings":8}"#
        try Data(config.utf8).write(to: URL(fileURLWithPath: folder.child("config.json")))
        let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b"].joined(separator: "\n")
        try Data(vocabulary.utf8).write(to: URL(fileURLWithPath: folder.child("vocab.txt")))
        // A well-formed file, but its tensors are not this model's.
        _ = try write(Self.file(header: Self.goodHeader, data: Self.goodData), in: folder)
        #expect(throws: CortexError.corrupt("\(folder.path)/model.safetensors: tensor embeddings.word_embeddings.weight is missing")) {
            try SentenceEncoder(directory: folder.path)
        }
        // A vocabulary larger than the configuration allows.
        try Data((vocabulary + "\nc\nd\ne\nf").utf8).write(to: URL(fileURLWithPath: folder.child("vocab.txt")))
        #expect(throws: CortexError.corrupt("\(folder.path)/vocab.txt has 11 tokens; config.json allows 10")) {
            try SentenceEncoder(directory: folder.path)
        }
        try FileManager.default.removeItem(atPath: folder.child("vocab.txt"))
        #expect(throws: CortexError.unavailable("model folder \(folder.path) lacks vocab.txt")) { try SentenceEncoder(directory: folder.path) }
    }

    @Test func realModelShapesMatchTheConfiguration() throws {
        let model = try ModelFixture.model()
        #expect(model.configuration == BertConfiguration(hiddenSize: 384, layerCount: 6, headCount: 12, intermediateSize: 1536,
                                                           vocabularySize: 30522, positionCount: 512, tokenTypeCount: 2,
                                                           layerNormEpsilon: 1e-12))
        #expect(model.tokenizer.vocabulary.tokens.count == 30522)
    }
}
