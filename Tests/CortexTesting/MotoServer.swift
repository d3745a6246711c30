import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// moto's S3 server (PyPI `moto[server]`, installed into .venv by `tools/setup --test`) as a
/// child process on 127.0.0.1: a real S3-compatible HTTP service for the S3 client and
/// snapshot tests. It keeps everything in memory, so a restarted server starts empty.
///
/// Authentication is enforced: moto checks the SigV4 signature of every request against its
/// IAM users. Its first three (unauthenticated) calls create the IAM user `cortex` with an
/// `s3:*` policy and its access key (`accessKeyID`, `secretAccessKey`); the bucket is then
/// created with that key, so a started server has already verified one signed request.
///
/// The child is a small Python launcher around moto's `ThreadedMotoServer`: it binds the
/// port (0 = any free one), prepares IAM and the bucket through boto3, prints
/// `port N KEY SECRET` on standard output and then only waits for its standard input to
/// close. Its log (one line per request) goes to a file, not to a pipe: a server blocked
/// writing to a full pipe nobody reads would stop answering mid-request. Standard input is a
/// pipe the test holds, so the child exits when the test process dies.
///
/// `deinit` and `kill()` use SIGKILL: the child inherits the test process's blocked-signal
/// mask, which blocks SIGTERM and SIGINT (seen in `/proc/PID/status` `SigBlk`), so an earlier
/// helper that sent SIGTERM and then waited for the exit waited forever: that was the "hang"
/// of the first moto tests. The launcher also unblocks every signal as its first step.
public final class MotoServer: @unchecked Sendable {
    // Invariant: every stored property is set in `init` and never changes; `process` is
    // only touched again in `kill()` and `deinit`, which the owner does not call concurrently.
    public static let region = "us-east-1"
    /// How long the launcher may take to import moto, bind and create the bucket.
    public static let startTimeout: Duration = .seconds(120)

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    public static let python = root + "/.venv/bin/python"

    public let port: Int
    public let bucket: String
    /// The IAM access key moto made for the tests; every other key is refused (InvalidAccessKeyId).
    public let accessKeyID: String
    public let secretAccessKey: String
    let process = Process()
    /// The child's environment: the test's, without `AWS_*`/`MOTO_*`, plus setup credentials.
    let childEnvironment: [String: String]
    private let directory = TemporaryDirectory("moto")
    private let lifeline = Pipe()

    /// Starts moto and returns once it listens and `bucket` exists.
    ///
    /// `port`: 0 for any free port, or a fixed one (to restart on the port of a killed server).
    public init(port: Int = 0, bucket: String = "cortex-test") throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python),
              FileManager.default.fileExists(atPath: Self.root + "/.venv/bin/moto_server") else {
            throw MotoServerError.notInstalled
        }
        self.bucket = bucket
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = ["-I", Self.launcher, String(port), bucket]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") && !$0.key.hasPrefix("MOTO_") }
        environment["AWS_ACCESS_KEY_ID"] = "setup"
        environment["AWS_SECRET_ACCESS_KEY"] = "setup"
        environment["AWS_DEFAULT_REGION"] = Self.region
        environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"
        process.environment = environment
        childEnvironment = environment
        let logPath = directory.child("moto.log")
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else { throw MotoServerError.didNotStart(reason: "cannot create \(logPath)", log: "") }
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = lifeline
        try process.run()
        let line = Self.readLine(output.fileHandleForReading.fileDescriptor, timeout: Self.startTimeout)
        let fields = line?.split(separator: " ").map(String.init) ?? []
        guard fields.count == 4, fields[0] == "port", let bound = Int(fields[1]) else {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw MotoServerError.didNotStart(
                reason: line == nil ? "no `port N KEY SECRET` line within \(Self.startTimeout)" : "unexpected output \(line!.debugDescription)",
                log: String(log.suffix(4000)))
        }
        self.port = bound
        accessKeyID = fields[2]
        secretAccessKey = fields[3]
    }

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The variables the `cortex` CLI reads its S3 credentials and region from.
    public var environment: [String: String] {
        ["AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secretAccessKey, "AWS_REGION": Self.region]
    }

    /// The server's request log so far.
    public var log: String { (try? String(contentsOfFile: directory.child("moto.log"), encoding: .utf8)) ?? "" }

    /// Stores `bytes` under `key` through boto3, past Cortex's S3 client (to plant a damaged object).
    public func putObject(_ key: String, bytes: [UInt8]) throws {
        let body = directory.child("put-\(UUID().uuidString)")
        let errorPath = body + ".log"
        try Data(bytes).write(to: URL(fileURLWithPath: body))
        guard FileManager.default.createFile(atPath: errorPath, contents: nil) else { throw MotoServerError.putFailed(key: key, log: "cannot create \(errorPath)") }
        let put = Process()
        put.executableURL = URL(fileURLWithPath: Self.python)
        put.arguments = ["-I", "-c", Self.putScript, endpoint, bucket, key, body]
        put.environment = childEnvironment.merging(environment) { $1 }
        put.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        // boto3 bounds its own waits (60 s to connect and to read, then a few retries).
        try put.run()
        put.waitUntilExit()
        guard put.terminationStatus == 0 else {
            throw MotoServerError.putFailed(key: key, log: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
        }
    }

    static let putScript = """
        import boto3, sys
        endpoint, bucket, key, path = sys.argv[1:5]
        with open(path, "rb") as body:
            boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").put_object(Bucket=bucket, Key=key, Body=body.read())
        """

    /// Kills the server at once (SIGKILL) and waits for it to be gone.
    public func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { kill() }

    /// Reads one `\n`-terminated line from `descriptor`, or nil on end of file or after `timeout`.
    static func readLine(_ descriptor: Int32, timeout: Duration) -> String? {
        let deadline = ContinuousClock.now + timeout
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while !bytes.contains(UInt8(ascii: "\n")) {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return nil }
            var pollDescriptor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pollDescriptor, 1, Int32(min(left.components.seconds * 1000 + 1, 60_000)))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }

    /// The launcher script (shared with tools/bench/backup/run.py); argv: port, bucket. It prints
    /// `port N KEY SECRET` once the bucket exists and waits for standard input to close.
    static let launcher = root + "/tools/moto_launcher.py"
}

public enum MotoServerError: Error, CustomStringConvertible {
    case notInstalled
    case didNotStart(reason: String, log: String)
    case putFailed(key: String, log: String)

    public var description: String {
        switch self {
        case .notInstalled: "moto is not installed in .venv: run tools/setup --test (tools/requirements-test.txt pins moto[server])"
        case .didNotStart(let reason, let log): "moto did not start: \(reason); its log:\n\(log)"
        case .putFailed(let key, let log): "boto3 could not put \(key) into moto:\n\(log)"
        }
    }
}
