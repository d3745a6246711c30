public import Foundation

/// A real S3-compatible server for tests: moto's standalone server from the
/// repository's `.venv` (installed by `tools/setup --test`), on a loopback port,
/// with signature checking on.
///
/// Signature checks: moto checks SigV4 only for IAM users it knows, and only after
/// `INITIAL_NO_AUTH_ACTION_COUNT` unauthenticated calls; those four calls create
/// an IAM user with an `s3:*` policy, its access key, and the bucket.
public final class MotoServer: @unchecked Sendable {
    // Invariant: `process` is replaced only by `restart()`, called by the owning test.
    public private(set) var process: Process
    public let port: Int
    public let bucket: String
    public private(set) var accessKeyID = ""
    public private(set) var secretAccessKey = ""

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The package root (this file is `Tests/CortexTesting/MotoServer.swift`).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Starts moto on a free port and prepares `bucket` with fresh credentials.
    public init(bucket: String = "cortex-backups") throws {
        self.bucket = bucket
        let (process, port) = try Self.launch(port: 0)
        self.process = process
        self.port = port
        try prepare()
    }

    deinit { stop() }

    /// Kills the server at once (SIGKILL), as a crash or a lost network would.
    public func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    public func stop() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
    }

    /// Starts a new, empty moto on the same port (moto keeps its state in memory only)
    /// and prepares the bucket again, with new credentials.
    public func restart() throws {
        kill()
        (process, _) = try Self.launch(port: port)
        try prepare()
    }

    /// Credentials for `S3Credentials`/the `cortex` CLI's environment.
    public var environment: [String: String] {
        ["AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secretAccessKey, "AWS_REGION": "us-east-1"]
    }

    private static var venvBin: String { packageRoot + "/.venv/bin" }

    private static func launch(port: Int) throws -> (Process, Int) {
        let executable = venvBin + "/moto_server"
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw MotoServerError.missing("moto_server is not installed at \(executable); run tools/setup --test")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-H", "127.0.0.1", "-p", String(port)]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "4"
        environment["PYTHONUNBUFFERED"] = "1"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        var collected = Data()
        let reader = pipe.fileHandleForReading
        while true {
            let chunk = reader.availableData
            guard !chunk.isEmpty else {
                process.waitUntilExit()
                throw MotoServerError.missing("moto_server exited before listening:\n" + String(decoding: collected, as: UTF8.self))
            }
            collected.append(chunk)
            let text = String(decoding: collected, as: UTF8.self)
            if let range = text.range(of: "Running on http://127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if digits.endIndex < text.endIndex, let actual = Int(digits) {
                    // Keep draining so moto never blocks on a full pipe.
                    reader.readabilityHandler = { handle in _ = handle.availableData }
                    return (process, actual)
                }
            }
        }
    }

    /// Creates the IAM user, policy, access key and bucket (moto's four unauthenticated calls).
    private func prepare() throws {
        let script = """
            import boto3, json, sys
            kw = dict(endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="setup", aws_secret_access_key="setup")
            iam = boto3.client("iam", **kw)
            iam.create_user(UserName="cortex")
            policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
            iam.put_user_policy(UserName="cortex", PolicyName="s3", PolicyDocument=json.dumps(policy))
            key = iam.create_access_key(UserName="cortex")["AccessKey"]
            boto3.client("s3", **kw).create_bucket(Bucket=sys.argv[2])
            print(key["AccessKeyId"], key["SecretAccessKey"])
            """
        let output = try Self.runPython(script, arguments: [endpoint, bucket])
        let fields = output.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2 else { throw MotoServerError.missing("moto setup printed \(output.debugDescription)") }
        accessKeyID = String(fields[0])
        secretAccessKey = String(fields[1])
    }

    /// Stores `bytes` under `key` with boto3, bypassing Cortex (to plant corrupt objects).
    public func rawPut(key: String, bytes: [UInt8]) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("moto-put-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = """
            import boto3, sys
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
            s3.put_object(Bucket=sys.argv[4], Key=sys.argv[5], Body=open(sys.argv[6], "rb").read())
            """
        _ = try Self.runPython(script, arguments: [endpoint, accessKeyID, secretAccessKey, bucket, key, file.path])
    }

    /// Open multipart uploads in the bucket (ListMultipartUploads).
    public func openUploadCount() throws -> Int {
        let script = """
            import boto3, sys
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
            print(len(s3.list_multipart_uploads(Bucket=sys.argv[4]).get("Uploads", [])))
            """
        let output = try Self.runPython(script, arguments: [endpoint, accessKeyID, secretAccessKey, bucket])
        guard let count = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw MotoServerError.missing("list_multipart_uploads printed \(output.debugDescription)")
        }
        return count
    }

    private static func runPython(_ script: String, arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: venvBin + "/python")
        process.arguments = ["-c", script] + arguments
        let pipe = Pipe()
        let errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        let errorOutput = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw MotoServerError.missing("boto3 helper failed: " + String(decoding: errorOutput, as: UTF8.self))
        }
        return String(decoding: output, as: UTF8.self)
    }
}

public enum MotoServerError: Error, CustomStringConvertible {
    case missing(String)

    public var description: String {
        switch self {
        case .missing(let message): message
        }
    }
}
