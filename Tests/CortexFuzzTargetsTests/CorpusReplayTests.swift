import CortexFuzzTargets
import Foundation
import Testing

/// Replays every saved fuzz input (minimized corpus and past crashes) without a sanitizer,
/// so a regression of a fixed crash fails the normal test run.
@Suite struct CorpusReplayTests {
    static let corpusRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    static func inputs(_ target: String) throws -> [URL] {
        let folder = corpusRoot.appendingPathComponent(target)
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test func everySavedWireFrameInputDecodesOrFailsCleanly() throws {
        let inputs = try Self.inputs("FuzzWireFrame")
        #expect(inputs.count >= 10, "the committed corpus is missing")
        for input in inputs {
            let bytes = try Data(contentsOf: input)
            bytes.withUnsafeBytes { fuzzWireFrame($0) }
        }
    }
}
