public import CortexCore
import Foundation

/// Where and how to reach an S3-compatible service.
public struct S3Configuration: Sendable {
    /// `https://s3.<region>.amazonaws.com` for AWS, or an override such as `http://127.0.0.1:9000`.
    public var endpoint: String
    public var region: String
    public var credentials: S3Credentials
    /// Path style (`endpoint/bucket/key`) or virtual-host style (`bucket.endpoint/key`).
    /// Overridden endpoints default to path style (local servers have no wildcard DNS).
    public var usesPathStyle: Bool
    /// Multipart part size in bytes; S3 requires ≥ 5 MiB for every part but the last.
    public var partByteCount: Int
    /// Parts of one multipart upload sent at once, each on its own thread (1 = one at a
    /// time). An object being written holds up to `partUploadConcurrency + 1` part buffers:
    /// 80 MiB with the defaults (4 × 16 MiB in flight, one filling).
    public var partUploadConcurrency: Int
    /// Attempts per request (1 = no retry) on 5xx, 429, timeouts and connection errors.
    public var attemptCountMax: Int
    /// First retry delay; doubles per attempt up to `retryDelayMax`.
    public var retryDelay: Duration
    public var retryDelayMax: Duration
    /// Seconds to establish a connection, and to wait with no bytes moving, before a request fails.
    public var connectTimeout: Duration
    public var stallTimeout: Duration

    /// S3's smallest allowed part (all parts but the last).
    public static let partByteCountMin = 5 << 20
    /// The most parts of one upload in flight at once (each holds a thread and a part buffer).
    public static let partUploadConcurrencyMax = 32

    public init(
        endpoint: String, region: String, credentials: S3Credentials, usesPathStyle: Bool,
        partByteCount: Int = 16 << 20, partUploadConcurrency: Int = 4, attemptCountMax: Int = 5,
        retryDelay: Duration = .milliseconds(200), retryDelayMax: Duration = .seconds(5),
        connectTimeout: Duration = .seconds(10), stallTimeout: Duration = .seconds(60)
    ) {
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        self.usesPathStyle = usesPathStyle
        self.partByteCount = partByteCount
        self.partUploadConcurrency = partUploadConcurrency
        self.attemptCountMax = attemptCountMax
        self.retryDelay = retryDelay
        self.retryDelayMax = retryDelayMax
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
    }

    /// From the environment: credentials (`AWS_*`), region (`AWS_REGION`, then
    /// `AWS_DEFAULT_REGION`, else `us-east-1`), and the endpoint (`endpoint`, then
    /// `CORTEX_S3_ENDPOINT`, else AWS's regional endpoint with virtual-host addressing).
    /// `environment` defaults to the process environment.
    public static func fromEnvironment(
        endpoint: String?, environment: [String: String]? = nil
    ) throws(CortexError) -> S3Configuration {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let credentials = try S3Credentials.fromEnvironment(environment)
        let region = [environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"]].compactMap { $0 }.first { !$0.isEmpty } ?? "us-east-1"
        let override = endpoint ?? environment["CORTEX_S3_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
        guard let override else {
            return S3Configuration(endpoint: "https://s3.\(region).amazonaws.com", region: region, credentials: credentials, usesPathStyle: false)
        }
        var trimmed = override
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard trimmed.hasPrefix("http://") || trimmed.hasPrefix("https://"), trimmed.count > "https://".count else {
            throw .invalidInput("S3 endpoint \(override.debugDescription) must start with http:// or https://")
        }
        return S3Configuration(endpoint: trimmed, region: region, credentials: credentials, usesPathStyle: true)
    }

    /// Checks the limits; throws `.invalidInput` naming the value.
    func validate() throws(CortexError) {
        guard partByteCount >= Self.partByteCountMin else {
            throw .invalidInput("S3 part size \(partByteCount) bytes is below S3's minimum of \(Self.partByteCountMin) bytes (5 MiB)")
        }
        guard (1...Self.partUploadConcurrencyMax).contains(partUploadConcurrency) else {
            throw .invalidInput("S3 part upload concurrency \(partUploadConcurrency) must be between 1 and \(Self.partUploadConcurrencyMax)")
        }
        guard attemptCountMax >= 1 else { throw .invalidInput("S3 attempt count \(attemptCountMax) must be at least 1") }
    }
}
