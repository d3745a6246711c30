public import CortexCore
import Foundation

/// Snapshots in an S3 bucket under a key prefix: `s3://bucket/prefix` keeps the
/// object `snapshots/<id>/manifest.json` at `prefix/snapshots/<id>/manifest.json`.
///
/// Objects smaller than one part go up in one PUT; larger ones as a multipart
/// upload whose object appears only when the upload completes, so a failed or
/// aborted writer never leaves a partial object behind.
public struct S3Target: SnapshotTarget {
    public let client: S3Client
    /// Empty, or ends with `/`.
    public let prefix: String

    public var description: String { "s3://\(client.bucket)/\(prefix)" }

    public init(client: S3Client, prefix: String) {
        self.client = client
        var trimmed = prefix
        while trimmed.hasPrefix("/") { trimmed.removeFirst() }
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.prefix = trimmed.isEmpty ? "" : trimmed + "/"
    }

    /// Parses `s3://bucket[/prefix]`.
    public init(url: String, configuration: S3Configuration) throws(CortexError) {
        guard url.hasPrefix("s3://") else { throw .invalidInput("snapshot target \(url): expected s3://bucket/prefix") }
        let rest = url.dropFirst("s3://".count)
        let bucket = String(rest.prefix { $0 != "/" })
        guard !bucket.isEmpty else { throw .invalidInput("snapshot target \(url): the bucket name is missing (s3://bucket/prefix)") }
        try self.init(client: S3Client(configuration: configuration, bucket: bucket), prefix: String(rest.dropFirst(bucket.count)))
    }

    func objectKey(_ key: String) throws(CortexError) -> String {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            throw .invalidInput("snapshot object key \(key.debugDescription) is not a plain relative path")
        }
        return prefix + key
    }

    public func makeWriter(for key: String) throws(CortexError) -> any SnapshotObjectWriter {
        S3ObjectWriter(client: client, key: try objectKey(key))
    }

    public func read(_ key: String, _ body: (UnsafeRawBufferPointer) throws(CortexError) -> Void) throws(CortexError) {
        try client.getObject(objectKey(key), body)
    }

    public func list(prefix listPrefix: String) throws(CortexError) -> [String] {
        try client.listObjects(prefix: prefix + listPrefix).map { String($0.dropFirst(prefix.count)) }
    }

    public func delete(_ key: String) throws(CortexError) {
        try client.deleteObject(objectKey(key))
    }
}

/// Buffers one part (`partByteCount`) at a time: a whole object below one part
/// is a single PUT at commit; beyond that each full buffer is uploaded as the
/// next part while the caller keeps streaming.
final class S3ObjectWriter: SnapshotObjectWriter {
    let client: S3Client
    let key: String
    private var buffer: [UInt8] = []
    private var uploadID: String?
    private var parts: [S3Part] = []
    private var finished = false
    /// Why AbortMultipartUpload failed, if it did: the object still never appears;
    /// the orphaned parts are reclaimed by the bucket's AbortIncompleteMultipartUpload rule.
    private(set) var abortFailure: CortexError?

    init(client: S3Client, key: String) {
        self.client = client
        self.key = key
    }

    deinit { if !finished { abort() } }

    var partByteCount: Int { client.configuration.partByteCount }

    func append(_ bytes: UnsafeRawBufferPointer) throws(CortexError) {
        precondition(!finished, "append after commit or abort")
        var offset = 0
        while offset < bytes.count {
            let take = min(partByteCount - buffer.count, bytes.count - offset)
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + take]))
            offset += take
            if buffer.count == partByteCount { try uploadBufferedPart() }
        }
    }

    private func uploadBufferedPart() throws(CortexError) {
        let uploadID: String
        if let existing = self.uploadID {
            uploadID = existing
        } else {
            uploadID = try client.createMultipartUpload(key)
            self.uploadID = uploadID
        }
        let number = parts.count + 1
        let part = try withBytes(buffer) { (body) throws(CortexError) -> S3Part in
            try client.uploadPart(key, uploadID: uploadID, partNumber: number, body: body)
        }
        parts.append(part)
        buffer.removeAll(keepingCapacity: true)
    }

    func commit() throws(CortexError) {
        precondition(!finished, "commit after commit or abort")
        guard let uploadID else {
            try withBytes(buffer) { (body) throws(CortexError) in try client.putObject(key, body: body) }
            finished = true
            return
        }
        if !buffer.isEmpty { try uploadBufferedPart() }
        try client.completeMultipartUpload(key, uploadID: uploadID, parts: parts)
        finished = true
    }

    func abort() {
        guard !finished else { return }
        finished = true
        buffer = []
        guard let uploadID else { return }
        do throws(CortexError) {
            try client.abortMultipartUpload(key, uploadID: uploadID)
        } catch {
            abortFailure = error
        }
    }
}
