import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A fault-injecting HTTP proxy in front of a `MotoServer`, for the S3 client's retry,
/// resume and failure paths that a healthy moto never takes: it answers chosen requests
/// with 5xx or 4xx S3 error documents, stalls them past the client's timeout, cuts a
/// response body after some bytes, holds requests until several are in flight together
/// (to prove concurrency without timing), and logs every request it saw.
///
/// The proxy is `Tests/Tools/s3_fault_proxy.py` (Python standard library only), run by the
/// venv's interpreter as a child on a free 127.0.0.1 port. It forwards requests unchanged,
/// Host header included, so moto still checks the client's SigV4 signatures. Commands go
/// to its standard input, one line each, and each gets one line back; closing standard
/// input (this object's `deinit`, or the test process dying) ends it.
///
/// Not thread-safe: one test drives it from one thread.
public final class S3FaultProxy {
    /// A fault: the first `count` requests matching `method` (nil: any) and `pattern` (a
    /// Python regular expression searched in `path?query`; nil: any) get `action`. Rules
    /// are tried in order; the first matching one with uses left fires, else the request
    /// is forwarded untouched.
    public struct Rule: Encodable, Sendable {
        public var method: String?
        public var pattern: String?
        public var count: Int
        let action: String
        var status: Int?
        var code: String?
        var bytes: Int?
        var parties: Int?
        var reverse: Bool?

        /// Answers `status` with an S3 `<Error>` document carrying `code`, without forwarding.
        public static func fail(
            status: Int, code: String, method: String? = nil, pattern: String? = nil, count: Int = 1
        ) -> Rule {
            Rule(method: method, pattern: pattern, count: count, action: "status", status: status, code: code)
        }

        /// Reads the request and never answers, until the client gives up and closes the connection.
        public static func stall(method: String? = nil, pattern: String? = nil, count: Int = 1) -> Rule {
            Rule(method: method, pattern: pattern, count: count, action: "stall")
        }

        /// Forwards, then sends the full headers but only `byteCount` body bytes and closes.
        public static func cut(afterByteCount byteCount: Int, method: String? = nil, pattern: String? = nil, count: Int = 1) -> Rule {
            Rule(method: method, pattern: pattern, count: count, action: "cut", bytes: byteCount)
        }

        /// Holds each of the first `parties` matching requests until all of them are in
        /// flight together, then forwards them; after 30 s without that it answers 500
        /// `BarrierTimeout` (so a client that sends them one at a time fails, not hangs).
        /// `reversed`: then forward and answer them one at a time, the last to arrive first,
        /// so they complete in the opposite order to the one they were sent in.
        public static func barrier(parties: Int, reversed: Bool = false, method: String? = nil, pattern: String? = nil) -> Rule {
            Rule(method: method, pattern: pattern, count: parties, action: "barrier", parties: parties, reverse: reversed)
        }
    }

    /// One request the proxy received. `status` is what the client got (nil after a
    /// stall or a cut); `fault` the action of the rule that fired, if any.
    public struct Request: Decodable, Sendable, CustomStringConvertible {
        public let method: String
        public let target: String
        public let range: String?
        public let status: Int?
        public let fault: String?

        public var description: String { "\(method) \(target)\(range.map { " [\($0)]" } ?? "") → \(status.map(String.init) ?? "-") \(fault ?? "")" }
    }

    static let script = MotoServer.root + "/Tests/Tools/s3_fault_proxy.py"

    public let port: Int
    private let process = Process()
    private let commands = Pipe()
    private let replies = Pipe()
    private let directory = TemporaryDirectory("s3-fault-proxy")

    /// Starts the proxy in front of `upstream` and returns once it listens.
    public init(upstream: MotoServer) throws {
        process.executableURL = URL(fileURLWithPath: MotoServer.python)
        process.arguments = ["-I", Self.script, String(upstream.port)]
        let logPath = directory.child("proxy.log")
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
            throw S3FaultProxyError.failed("cannot create \(logPath)")
        }
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardInput = commands
        process.standardOutput = replies
        try process.run()
        let line = MotoServer.readLine(replies.fileHandleForReading.fileDescriptor, timeout: .seconds(30))
        let fields = line?.split(separator: " ") ?? []
        guard fields.count == 2, fields[0] == "port", let bound = Int(fields[1]) else {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw S3FaultProxyError.failed("no `port N` line (got \(line.debugDescription)); stderr:\n\(log)")
        }
        port = bound
    }

    deinit {
        try? commands.fileHandleForWriting.close()
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The endpoint S3 clients use to go through the proxy.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Replaces the rules (and restarts the in-flight peak count).
    public func setRules(_ rules: [Rule]) throws {
        let json = String(decoding: try JSONEncoder().encode(rules), as: UTF8.self)
        let answer = try send("rules \(json)")
        guard answer == "ok" else { throw S3FaultProxyError.failed("rules refused: \(answer)") }
    }

    /// Every request so far, in arrival order.
    public func requests() throws -> [Request] {
        try JSONDecoder().decode([Request].self, from: Data(send("log").utf8))
    }

    /// The most requests in flight at once since the last `setRules`.
    public func peakInFlightCount() throws -> Int {
        let answer = try send("peak")
        guard let count = Int(answer) else { throw S3FaultProxyError.failed("unexpected peak answer \(answer)") }
        return count
    }

    private func send(_ command: String) throws -> String {
        try commands.fileHandleForWriting.write(contentsOf: Data((command + "\n").utf8))
        guard let line = MotoServer.readLine(replies.fileHandleForReading.fileDescriptor, timeout: .seconds(30)) else {
            throw S3FaultProxyError.failed("no answer to \(command.prefix(40)); stderr:\n\(stderrText)")
        }
        return line
    }

    private var stderrText: String { (try? String(contentsOfFile: directory.child("proxy.log"), encoding: .utf8)) ?? "" }
}

public enum S3FaultProxyError: Error, CustomStringConvertible {
    case failed(String)

    public var description: String {
        switch self {
        case .failed(let reason): "s3_fault_proxy: \(reason)"
        }
    }
}
