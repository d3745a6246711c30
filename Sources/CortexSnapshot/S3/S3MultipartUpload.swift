import CortexCore
import Foundation

/// One multipart upload whose parts go up on up to `concurrency` threads at once.
///
/// The writer thread calls `submit` with each full part in order; each part gets a thread
/// of its own that runs `S3Client.uploadPart` (its own SHA-256 checksum, its own retries,
/// its own libcurl easy handle, as every `S3Client` call has) and records the result.
/// Parts finish in any order; `finish` returns them sorted by part number, as
/// CompleteMultipartUpload needs them. After a part fails (past its retries) no further
/// part is started: `submit` and `finish` throw that failure, and the owner aborts.
///
/// Memory: at most `concurrency` part buffers are held here (`submit` blocks while that
/// many are in flight), besides the one the caller is filling.
final class S3MultipartUpload: @unchecked Sendable {
    // Invariant: `inFlightCount`, `parts` and `failure` are only read or written while
    // `condition` is locked; `submittedCount` only on the owner's thread; the rest is immutable.
    let client: S3Client
    let key: String
    let uploadID: String
    let concurrency: Int
    private let condition = NSCondition()
    private var inFlightCount = 0
    private var parts: [S3Part] = []
    /// The lowest-numbered part that failed, and why.
    private var failure: (partNumber: Int, error: CortexError)?
    private var submittedCount = 0

    /// Starts the upload (CreateMultipartUpload).
    init(client: S3Client, key: String) throws(CortexError) {
        self.client = client
        self.key = key
        concurrency = client.configuration.partUploadConcurrency
        precondition(concurrency >= 1, "S3Configuration.validate() admits no concurrency below 1")
        uploadID = try client.createMultipartUpload(key)
    }

    /// Starts uploading `bytes` as the next part, after waiting while `concurrency` parts
    /// are in flight. Throws the failure of an earlier part instead, if there was one.
    func submit(_ bytes: [UInt8]) throws(CortexError) {
        condition.lock()
        while inFlightCount >= concurrency && failure == nil { condition.wait() }
        if let failure {
            condition.unlock()
            throw describe(failure)
        }
        inFlightCount += 1
        condition.unlock()
        submittedCount += 1
        let number = submittedCount
        Thread { [self] in upload(number, bytes) }.start()
    }

    /// Waits for every part in flight; returns all parts in part-number order, or throws
    /// the failure of the lowest-numbered failed part.
    func finish() throws(CortexError) -> [S3Part] {
        condition.lock()
        defer { condition.unlock() }
        while inFlightCount > 0 { condition.wait() }
        if let failure { throw describe(failure) }
        assert(parts.count == submittedCount, "every submitted part either succeeded or recorded a failure")
        return parts.sorted { $0.number < $1.number }
    }

    /// Waits for the parts in flight (S3 may keep a part that completes after an abort),
    /// then discards the upload (AbortMultipartUpload).
    func abort() throws(CortexError) {
        condition.lock()
        while inFlightCount > 0 { condition.wait() }
        condition.unlock()
        try client.abortMultipartUpload(key, uploadID: uploadID)
    }

    /// Runs on the part's own thread.
    private func upload(_ number: Int, _ bytes: [UInt8]) {
        let result = Result { () throws(CortexError) -> S3Part in
            try withBytes(bytes) { (body) throws(CortexError) -> S3Part in
                try client.uploadPart(key, uploadID: uploadID, partNumber: number, body: body)
            }
        }
        condition.lock()
        switch result {
        case .success(let part):
            parts.append(part)
        case .failure(let error):
            if failure.map({ number < $0.partNumber }) ?? true { failure = (number, error) }
        }
        inFlightCount -= 1
        condition.broadcast()
        condition.unlock()
    }

    private func describe(_ failure: (partNumber: Int, error: CortexError)) -> CortexError {
        CortexError(
            failure.error.code,
            "S3 multipart upload of \(client.describe(key)) failed at part \(failure.partNumber): \(failure.error.message)")
    }
}
