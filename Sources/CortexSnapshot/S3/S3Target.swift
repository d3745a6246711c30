public import CortexCore
import Foundation

/// Snapshots in an S3 bucket under a key prefix: `s3://bucket/prefix` keeps the
/// object `snapshots/<id>/manifest.json` at `prefix/snapshots/<id>/manifest.json`.
///
/// Objects smaller than one part go up in one PUT; larger ones as a multipart
/// upload (parts in parallel, `S3ObjectWriter`) whose object appears only when the
/// upload completes, so a failed or aborted writer never leaves a partial object behind.
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
