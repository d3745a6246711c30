public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real `cortex-server` child process on loopback, for end-to-end tests.
///
/// Started with `--http-port 0 --wire-port 0`; the ports are read from its
/// `listening http=<port> wire=<port>` log line. Its standard error is kept for assertions.
public final class ServerProcess: @unchecked Sendable {
    // Invariant: `output` is only touched under `lock`; the process handle is immutable after start.
    public let process: Process
    public let httpPort: Int
    public let wirePort: Int
    private let lock = NSLock()
    private var output = Data()

    /// Starts the server and waits until it listens (or exits, which throws with its output).
    public init(arguments: [String], environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: Products.path(of: "cortex-server"))
        process.arguments = ["--http-port", "0", "--wire-port", "0"] + arguments
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CORTEX_") }
        // Backups go to ./backups by default; tests that exercise them name their own target.
        merged["CORTEX_BACKUP_TARGET"] = "none"
        merged.merge(environment) { $1 }
        process.environment = merged
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        try process.run()
        var collected = Data()
        var ports: (http: Int, wire: Int)?
        let reader = pipe.fileHandleForReading
        while ports == nil {
            let chunk = reader.availableData
            guard !chunk.isEmpty else { break }
            collected.append(chunk)
            ports = Self.ports(in: String(decoding: collected, as: UTF8.self))
        }
        guard let ports else {
            process.waitUntilExit()
            throw ServerProcessError.exitedBeforeListening(status: process.terminationStatus, output: String(decoding: collected, as: UTF8.self))
        }
        httpPort = ports.http
        wirePort = ports.wire
        output = collected
        // Keep draining so the child never blocks on a full pipe.
        reader.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            guard let self, !chunk.isEmpty else { return }
            self.lock.lock()
            self.output.append(chunk)
            self.lock.unlock()
        }
    }

    /// Everything the server logged so far.
    public var log: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: output, as: UTF8.self)
    }

    public var baseURL: String { "http://127.0.0.1:\(httpPort)" }

    /// Sends SIGTERM and waits for exit; returns the exit status.
    @discardableResult
    public func stop() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    private static func ports(in text: String) -> (http: Int, wire: Int)? {
        guard let http = number(after: "listening http=", in: text), let wire = number(after: " wire=", in: text) else { return nil }
        return (http, wire)
    }

    private static func number(after marker: String, in text: String) -> Int? {
        guard let range = text.range(of: marker) else { return nil }
        let digits = text[range.upperBound...].prefix { $0.isNumber }
        // The line may still be arriving; require the character after the digits.
        guard digits.endIndex < text.endIndex else { return nil }
        return Int(digits)
    }
}

public enum ServerProcessError: Error, CustomStringConvertible {
    case exitedBeforeListening(status: Int32, output: String)

    public var description: String {
        switch self {
        case .exitedBeforeListening(let status, let output): "server exited with status \(status) before listening:\n\(output)"
        }
    }
}

/// A minimal HTTP client for tests (URLSession on loopback).
public struct TestHTTPClient: Sendable {
    public struct Reply: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The body parsed as a JSON object.
        public func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw ServerProcessError.exitedBeforeListening(status: -1, output: "not a JSON object: \(text)")
            }
            return object
        }
    }

    public let baseURL: String

    public init(baseURL: String) { self.baseURL = baseURL }

    public func send(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields[String(describing: name).lowercased()] = String(describing: value) }
        return Reply(status: http.statusCode, headers: fields, body: data)
    }

    public func get(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        try await send("GET", path, headers: headers)
    }
}

/// Runs a built product (e.g. `cortex`) to completion and returns its status and output.
/// `environment` is added to the test's own (without its `CORTEX_*` variables).
public func runProduct(
    _ name: String, _ arguments: [String], environment: [String: String] = [:]
) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Products.path(of: name))
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CORTEX_") }.merging(environment) { $1 }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}
