public import CortexCore
import Foundation

extension S3Client {
    /// Stores `body` under `key` in one PUT, with `x-amz-checksum-sha256` so S3
    /// rejects bytes damaged in transit.
    public func putObject(_ key: String, body: UnsafeRawBufferPointer) throws(CortexError) {
        let digest = Self.digest(body)
        var request = S3Request(method: "PUT", key: key, body: body, bodyDigest: digest)
        request.headers = [("content-type", "application/octet-stream"), ("x-amz-checksum-sha256", Data(digest).base64EncodedString())]
        _ = try send(request)
    }

    /// Streams the object's bytes to `sink`; a retried GET resumes where the last one stopped.
    public func getObject(_ key: String, _ sink: (UnsafeRawBufferPointer) throws(CortexError) -> Void) throws(CortexError) {
        try withoutActuallyEscaping(sink) { (escapable) throws(CortexError) in
            _ = try send(S3Request(method: "GET", key: key), sink: escapable)
        }
    }

    /// The object's size in bytes, or nil if it does not exist.
    public func headObject(_ key: String) throws(CortexError) -> Int? {
        do throws(CortexError) {
            let response = try send(S3Request(method: "HEAD", key: key))
            return response.headers["content-length"].flatMap { Int($0) }
        } catch where error.code == .notFound {
            return nil
        }
    }

    /// Deletes the object; S3 answers 204 whether or not it existed.
    public func deleteObject(_ key: String) throws(CortexError) {
        _ = try send(S3Request(method: "DELETE", key: key))
    }

    /// Every key under `prefix`, ascending, following ListObjectsV2 continuation tokens.
    /// `pageKeyCountMax` asks for at most that many keys per page (S3's `max-keys`; its
    /// default and cap is 1000), so tests can make a small listing span several pages.
    public func listObjects(prefix: String, pageKeyCountMax: Int? = nil) throws(CortexError) -> [String] {
        if let pageKeyCountMax, pageKeyCountMax < 1 {
            throw .invalidInput("S3 listing page size \(pageKeyCountMax) must be at least 1")
        }
        var keys: [String] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let pageKeyCountMax { query.append(("max-keys", String(pageKeyCountMax))) }
            if let token { query.append(("continuation-token", token)) }
            let response = try send(S3Request(method: "GET", key: "", query: query))
            let xml = S3XML(response.body)
            keys += xml.values(of: "Key")
            let truncated = xml.value(of: "IsTruncated") == "true"
            token = truncated ? xml.value(of: "NextContinuationToken") : nil
            if truncated && token == nil {
                throw .corrupt("S3 listing of \(describe(prefix)) is truncated but carries no NextContinuationToken")
            }
        } while token != nil
        return keys.sorted()
    }

    static func digest(_ body: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(body)
        return hasher.finalize()
    }
}

/// Multipart upload (CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
/// AbortMultipartUpload): the object appears only when Complete succeeds.
extension S3Client {
    /// Starts an upload and returns its id.
    func createMultipartUpload(_ key: String) throws(CortexError) -> String {
        var request = S3Request(method: "POST", key: key, query: [("uploads", "")])
        request.headers = [("content-type", "application/octet-stream"), ("x-amz-checksum-algorithm", "SHA256")]
        let response = try send(request)
        guard let uploadID = S3XML(response.body).value(of: "UploadId"), !uploadID.isEmpty else {
            throw .corrupt("S3 CreateMultipartUpload for \(describe(key)) returned no UploadId")
        }
        return uploadID
    }

    /// Uploads part `partNumber` (1-based) and returns its ETag and base64 SHA-256.
    func uploadPart(_ key: String, uploadID: String, partNumber: Int, body: UnsafeRawBufferPointer) throws(CortexError) -> S3Part {
        let digest = Self.digest(body)
        let checksum = Data(digest).base64EncodedString()
        var request = S3Request(
            method: "PUT", key: key, query: [("partNumber", String(partNumber)), ("uploadId", uploadID)], body: body, bodyDigest: digest)
        request.headers = [("content-type", "application/octet-stream"), ("x-amz-checksum-sha256", checksum)]
        let response = try send(request)
        guard let etag = response.headers["etag"], !etag.isEmpty else {
            throw .corrupt("S3 UploadPart \(partNumber) of \(describe(key)) returned no ETag")
        }
        return S3Part(number: partNumber, etag: etag, checksum: checksum)
    }

    /// Makes the object visible from `parts` (in part-number order).
    func completeMultipartUpload(_ key: String, uploadID: String, parts: [S3Part]) throws(CortexError) {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for part in parts {
            xml += "<Part><PartNumber>\(part.number)</PartNumber><ETag>\(S3XML.escape(part.etag))</ETag><ChecksumSHA256>\(part.checksum)</ChecksumSHA256></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let bytes = Array(xml.utf8)
        let response = try withBytes(bytes) { (body) throws(CortexError) -> S3Response in
            var request = S3Request(method: "POST", key: key, query: [("uploadId", uploadID)], body: body)
            request.headers = [("content-type", "application/xml")]
            return try send(request)
        }
        // S3 may answer 200 with an <Error> document when completion fails late.
        let reply = S3XML(response.body)
        if let code = reply.value(of: "Code"), reply.text.contains("<Error>") {
            throw .unavailable("S3 could not complete the upload of \(describe(key)) (\(code): \(reply.value(of: "Message") ?? ""))")
        }
    }

    /// Discards an upload's parts; a missing upload is fine.
    func abortMultipartUpload(_ key: String, uploadID: String) throws(CortexError) {
        do throws(CortexError) {
            _ = try send(S3Request(method: "DELETE", key: key, query: [("uploadId", uploadID)]))
        } catch where error.code == .notFound {
            return
        }
    }
}

/// One uploaded part, as CompleteMultipartUpload needs it.
struct S3Part: Sendable {
    let number: Int
    let etag: String
    let checksum: String
}

/// `bytes.withUnsafeBytes` for typed-throws bodies (the standard library's version
/// rethrows as `any Error`, though only `body`'s `CortexError` can come out).
func withBytes<T>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(CortexError) -> T) throws(CortexError) -> T {
    var result: Result<T, CortexError>?
    bytes.withUnsafeBytes { raw in
        result = Result { () throws(CortexError) -> T in try body(raw) }
    }
    return try result!.get()
}
