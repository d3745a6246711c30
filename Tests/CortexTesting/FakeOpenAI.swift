import Foundation

/// Fixtures/fake_openai.py as a child process on 127.0.0.1 port 0: an OpenAI-compatible
/// embeddings endpoint that follows a script of failures (see the script's docstring) and logs
/// every request it got.
public final class FakeOpenAI: @unchecked Sendable {
    // Invariant: every stored property is set in `init` and never changes; `Process` is only
    // touched again in `deinit`.
    /// The repository root (this file is Tests/CortexTesting/FakeOpenAI.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    public static let script = root + "/Tests/CortexEmbedTests/Fixtures/fake_openai.py"
    public static let key = "sk-test-0123456789abcdefSECRET"
    public static let model = "fake-embed"

    let process = Process()
    public let port: Int
    public let dimension: Int
    private let directory = TemporaryDirectory("fake-openai")
    private let lifeline = Pipe()

    /// One logged request.
    public struct Request: Decodable {
        public let auth: String?
        public let model: String?
        public let input: [String]?
        public let encoding_format: String?
        public let dimensions: Int?
    }

    /// `script`: one JSON action per request, then `then` for every later one (default: answer).
    public init(dimension: Int = 8, key: String? = FakeOpenAI.key, script: [String] = [], then: String? = nil) throws {
        self.dimension = dimension
        var arguments = [Self.script, "--log", directory.child("requests.jsonl"), "--model", Self.model, "--dimension", String(dimension)]
        if let key { arguments += ["--key", key] }
        if !script.isEmpty { arguments += ["--script", "[" + script.joined(separator: ",") + "]"] }
        if let then { arguments += ["--then", then] }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        // The fake exits when its standard input closes, so it cannot outlive a killed test run.
        process.standardInput = lifeline
        try process.run()
        var text = ""
        while !text.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard text.hasPrefix("port "), let port = Int(text.dropFirst(5).prefix { $0.isNumber }) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw FakeOpenAIError.didNotStart(output: text)
        }
        self.port = port
    }

    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// The requests received so far, oldest first. Each is logged before it is answered.
    public func requests() throws -> [Request] {
        let text = try String(contentsOfFile: directory.child("requests.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    /// The vector the fake sends for `text`, before normalisation.
    public func rawVector(_ text: String) -> [Float] {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return (0..<dimension).map { Float((hash >> UInt64($0 % 56)) & 0xff) - 127.5 }
    }

    deinit {
        // SIGKILL: the child inherits the blocked-signal mask of the thread that spawned it,
        // which in a test process often blocks SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

public enum FakeOpenAIError: Error {
    case didNotStart(output: String)
}
