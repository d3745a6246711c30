import CortexTesting
import Foundation
import Testing

/// Keeps docs/openapi.yaml true: schemathesis (installed into .venv by `tools/setup --test`)
/// generates requests from the document, valid and invalid, against a running server.
@Suite struct OpenAPIConformanceTests {
    /// The repository root (this file is Tests/EndToEndTests/OpenAPIConformanceTests.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func serverAnswersSchemathesisWithoutServerErrorsAndAsDocumented() async throws {
        let schemathesis = Self.root + "/.venv/bin/schemathesis"
        try #require(FileManager.default.isExecutableFile(atPath: schemathesis), "run tools/setup --test to install schemathesis into .venv")
        let fixture = try WireFixture()
        let key = try fixture.mintKey(scopes: "admin").key
        // A 1 MiB body limit keeps the largest generated bodies (10,000 records of 4,096 numbers) quick 413s.
        // Fast bcrypt and generous limits: the run should reach the routes, not only their 429s (which it checks as documented too).
        let server = try fixture.start(environment: [
            "CORTEX_SERVER_HTTP_BODY_MAX_BYTES": "1048576", "CORTEX_AUTH_BCRYPT_COST": "4",
            "CORTEX_RATE_LIMIT_REQUESTS_PER_SECOND": "100000", "CORTEX_RATE_LIMIT_BURST": "100000",
            "CORTEX_RATE_LIMIT_ANONYMOUS_REQUESTS_PER_MINUTE": "100000", "CORTEX_AUTH_LOGIN_FAILURES_PER_ADDRESS_MAX": "100000",
        ])
        let api = VectorAPI(server, key: key)
        #expect(try await api.createCollection("docs", dimension: 4).status == 201)

        let report = fixture.directory.child("schemathesis.txt")
        let status = try await Self.run(schemathesis, [
            "--config-file", Self.root + "/tools/schemathesis.toml",
            "run", Self.root + "/docs/openapi.yaml", "--url", server.baseURL, "-H", "Authorization: Bearer \(key)",
            "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
                + "response_headers_conformance,negative_data_rejection",
            // Bounded: a few dozen cases per operation, the same ones every run (deterministic mode keeps no example database).
            "--max-examples", "30", "--generation-deterministic", "--request-timeout", "30", "--no-color",
        ], output: report, directory: fixture.directory.path)
        let text = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
        #expect(status == 0, "schemathesis found problems:\n\(text.suffix(6_000))")
        #expect(text.contains("passed"), "schemathesis ran no cases:\n\(text.suffix(2_000))")
        #expect(try await TestHTTPClient(baseURL: server.baseURL).get("/health").status == 200)
        #expect(!server.log.contains("unexpected error"), "no request hit the 500 path")
    }

    /// Runs a process in `directory` (where it may leave files) with its output in `output`,
    /// without blocking the cooperative pool.
    static func run(_ executable: String, _ arguments: [String], output: String, directory: String) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }

    /// Runs a Python scenario script from .venv with `arguments` in the fixture's folder; records
    /// an issue with the script's output unless it exits 0 and prints "all checks passed".
    static func runScenario(_ script: String, _ arguments: [String], in directory: TemporaryDirectory) async throws {
        let python = root + "/.venv/bin/python"
        try #require(FileManager.default.isExecutableFile(atPath: python), "run tools/setup --test to create .venv")
        let output = directory.child((script as NSString).lastPathComponent + ".txt")
        let status = try await run(python, [root + "/" + script] + arguments, output: output, directory: directory.path)
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(script) failed:\n\(text.suffix(8_000))")
        #expect(text.contains("all checks passed"), "\(script) did not finish:\n\(text.suffix(2_000))")
    }
}
