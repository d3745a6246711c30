import CortexCore

/// Buffers one part (`partByteCount`) at a time: a whole object below one part is a
/// single PUT at commit; beyond that each full buffer becomes the next part of a
/// multipart upload, uploaded on its own thread (`S3MultipartUpload`) while the caller
/// keeps streaming, up to `partUploadConcurrency` parts at once.
///
/// Memory: at most `partUploadConcurrency + 1` part buffers (the parts in flight and the
/// one being filled). A part that fails past its retries aborts the upload
/// (AbortMultipartUpload); `append` or `commit` then throws naming the object and the part.
final class S3ObjectWriter: SnapshotObjectWriter {
    let client: S3Client
    let key: String
    private var buffer: [UInt8] = []
    private var upload: S3MultipartUpload?
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
            if buffer.count == partByteCount { try submitBufferedPart() }
        }
    }

    /// Hands the full buffer to the upload (starting it on the first part); aborts on failure.
    private func submitBufferedPart() throws(CortexError) {
        do throws(CortexError) {
            let upload: S3MultipartUpload
            if let existing = self.upload {
                upload = existing
            } else {
                upload = try S3MultipartUpload(client: client, key: key)
                self.upload = upload
            }
            let part = buffer
            // The part's thread owns `part`; a fresh buffer keeps this one from being copied on write.
            buffer = []
            buffer.reserveCapacity(partByteCount)
            try upload.submit(part)
        } catch {
            abort()
            throw error
        }
    }

    func commit() throws(CortexError) {
        precondition(!finished, "commit after commit or abort")
        guard let upload else {
            try withBytes(buffer) { (body) throws(CortexError) in try client.putObject(key, body: body) }
            finished = true
            return
        }
        if !buffer.isEmpty { try submitBufferedPart() }
        do throws(CortexError) {
            try client.completeMultipartUpload(key, uploadID: upload.uploadID, parts: upload.finish())
        } catch {
            abort()
            throw error
        }
        finished = true
    }

    func abort() {
        guard !finished else { return }
        finished = true
        buffer = []
        guard let upload else { return }
        do throws(CortexError) {
            try upload.abort()
        } catch {
            abortFailure = error
        }
    }
}
