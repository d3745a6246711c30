public import CortexCore
import Foundation

/// One S3 request before signing. `key` is the object key (empty for bucket-level calls).
struct S3Request {
    var method: String
    var key: String
    var query: [(String, String)] = []
    var headers: [(String, String)] = []
    /// Request body; must stay valid for the whole call (it is not copied).
    var body: UnsafeRawBufferPointer?
    /// SHA-256 of `body` when the caller already has it (it signs the payload).
    var bodyDigest: [UInt8]?
    /// For GETs streamed to a sink: resume from this byte on a retry (Range header).
    var resumeByteOffset = 0
}

/// The status, headers (names lower-cased) and, unless streamed, the body of a response.
struct S3Response {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
}

/// A small synchronous S3 client over libcurl: signs with `SigV4Signer`, retries
/// 5xx/429/timeouts/connection errors with exponential backoff (bounded by
/// `attemptCountMax`), and turns S3 error documents into `CortexError`s.
///
/// Thread: every call blocks its thread for the network round trips; callers
/// keep it off the cooperative pool. Each call uses its own curl handle, so a
/// client may be shared between threads.
public struct S3Client: Sendable {
    public let configuration: S3Configuration
    public let bucket: String
    let signer: SigV4Signer
    /// `http` or `https`, and `host[:port]` of the endpoint.
    let scheme: String
    let endpointHost: String

    public init(configuration: S3Configuration, bucket: String) throws(CortexError) {
        try configuration.validate()
        guard !bucket.isEmpty, !bucket.contains("/") else { throw .invalidInput("S3 bucket name \(bucket.debugDescription) is not valid") }
        self.configuration = configuration
        self.bucket = bucket
        signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region)
        let parts = configuration.endpoint.split(separator: "://", maxSplits: 1)
        guard parts.count == 2 else { throw .invalidInput("S3 endpoint \(configuration.endpoint) has no scheme") }
        scheme = String(parts[0])
        endpointHost = String(parts[1].split(separator: "/", maxSplits: 1).first ?? "")
        S3Client.initializeCurl
    }

    /// `s3://bucket` as users write it, for messages.
    var location: String { "s3://\(bucket) at \(configuration.endpoint)" }

    /// The Host header and the encoded path for `key`.
    func address(of key: String) -> (host: String, path: String) {
        if configuration.usesPathStyle {
            return (endpointHost, S3URIEncoding.path("/\(bucket)" + (key.isEmpty ? "" : "/\(key)")))
        }
        return ("\(bucket).\(endpointHost)", S3URIEncoding.path("/\(key)"))
    }

    /// Sends `request`, retrying transient failures. A 2xx body goes to `sink` when
    /// given (chunk by chunk), otherwise into the response. Throws the S3 error as
    /// a `CortexError` on any other status, or `.unavailable` once attempts run out.
    func send(
        _ request: S3Request, sink: ((UnsafeRawBufferPointer) throws(CortexError) -> Void)? = nil
    ) throws(CortexError) -> S3Response {
        var request = request
        var delay = configuration.retryDelay
        var attempt = 1
        while true {
            let outcome = try sendOnce(request, sink: sink)
            let failure: String
            switch outcome {
            case .response(let response) where response.status >= 500 || response.status == 429:
                failure = S3ErrorDocument(response.body).describe(status: response.status)
            case .response(let response):
                if (200..<300).contains(response.status) { return response }
                throw S3ErrorDocument(response.body).cortexError(status: response.status, request: request, client: self)
            case .transport(let message, let deliveredByteCount):
                failure = message
                request.resumeByteOffset += deliveredByteCount
            }
            guard attempt < configuration.attemptCountMax else {
                throw .unavailable("S3 \(request.method) \(describe(request.key)) failed after \(attempt) attempts at \(configuration.endpoint): \(failure)")
            }
            Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) * 1e-18)
            delay = min(delay * 2, configuration.retryDelayMax)
            attempt += 1
        }
    }

    func describe(_ key: String) -> String { key.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(key)" }

    /// The headers S3 needs plus SigV4's, for `request` sent to `host` at `path`.
    func signedHeaders(for request: S3Request, host: String, path: String) -> [(String, String)] {
        let payloadHash: String
        if let digest = request.bodyDigest {
            payloadHash = SHA256.hex(digest)
        } else if let body = request.body, body.count > 0 {
            var hasher = SHA256()
            hasher.update(body)
            payloadHash = SHA256.hex(hasher.finalize())
        } else {
            payloadHash = SigV4Signer.emptyPayloadHash
        }
        var headers = request.headers
        headers.append(("host", host))
        headers.append(("x-amz-content-sha256", payloadHash))
        if request.resumeByteOffset > 0 { headers.append(("range", "bytes=\(request.resumeByteOffset)-")) }
        return headers + signer.sign(
            method: request.method, path: path, query: request.query, headers: headers, payloadHash: payloadHash, date: Date())
    }
}
