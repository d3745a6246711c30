public import CortexCore

/// Where snapshots are kept: a flat namespace of objects named by `/`-separated
/// keys (`snapshots/<id>/manifest.json`, …). Objects are written whole or not
/// at all: a writer's bytes become visible under the key only at `commit()`.
public protocol SnapshotTarget: Sendable {
    /// A human-readable location, for messages (`file:///backups`).
    var description: String { get }
    /// Starts writing the object `key`; nothing is visible until `commit()`.
    func makeWriter(for key: String) throws(CortexError) -> any SnapshotObjectWriter
    /// Streams the object's bytes to `body` in chunks. Throws `.notFound` if it does not exist.
    func read(_ key: String, _ body: (UnsafeRawBufferPointer) throws(CortexError) -> Void) throws(CortexError)
    /// Keys that start with `prefix`, in ascending order.
    func list(prefix: String) throws(CortexError) -> [String]
    /// Removes the object; a missing object is fine.
    func delete(_ key: String) throws(CortexError)
    /// The object's size in bytes, or nil when it does not exist (S3: HEAD). Lets
    /// incremental snapshots skip content-addressed objects already in the target.
    func size(of key: String) throws(CortexError) -> Int?
}

extension SnapshotTarget {
    /// The whole object (for small ones such as manifests).
    public func readAll(_ key: String) throws(CortexError) -> [UInt8] {
        var bytes: [UInt8] = []
        try read(key) { (chunk: UnsafeRawBufferPointer) throws(CortexError) in bytes.append(contentsOf: chunk) }
        return bytes
    }

    /// Writes a small object in one go.
    public func write(_ key: String, bytes: [UInt8]) throws(CortexError) {
        let writer = try makeWriter(for: key)
        do throws(CortexError) {
            try appendAll(bytes, to: writer)
            try writer.commit()
        } catch {
            writer.abort()
            throw error
        }
    }
}

/// One object being written.
public protocol SnapshotObjectWriter: AnyObject {
    func append(_ bytes: UnsafeRawBufferPointer) throws(CortexError)
    /// Makes the object durable and visible under its key.
    func commit() throws(CortexError)
    /// Discards what was written; the key keeps its previous state.
    func abort()
}

/// Parses a target URL: `file:///absolute/path` (or a plain absolute path), or
/// `s3://bucket/prefix` with credentials and region from the `AWS_*` environment
/// and `endpoint` (else `CORTEX_S3_ENDPOINT`, else AWS) for S3-compatible services.
public func snapshotTarget(url: String, endpoint: String? = nil) throws(CortexError) -> any SnapshotTarget {
    if endpoint != nil && !url.hasPrefix("s3://") {
        throw .invalidInput("snapshot target \(url): --endpoint applies only to s3:// targets")
    }
    if url.hasPrefix("file://") {
        let path = String(url.dropFirst("file://".count))
        guard path.hasPrefix("/") else { throw .invalidInput("snapshot target \(url): a file URL needs an absolute path (file:///…)") }
        return try LocalFolderTarget(path: path)
    }
    if url.hasPrefix("/") { return try LocalFolderTarget(path: url) }
    if url.hasPrefix("s3://") {
        return try S3Target(url: url, configuration: S3Configuration.fromEnvironment(endpoint: endpoint))
    }
    throw .invalidInput("snapshot target \(url): expected file:///path or s3://bucket/prefix")
}

private func appendAll(_ bytes: [UInt8], to writer: any SnapshotObjectWriter) throws(CortexError) {
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
    defer { copy.deallocate() }
    copy.copyBytes(from: bytes)
    try writer.append(UnsafeRawBufferPointer(start: copy.baseAddress, count: bytes.count))
}
