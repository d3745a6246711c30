import CCurl
import CortexCore
import Foundation

/// What one HTTP exchange gave: a response, or a transport failure (after
/// `deliveredByteCount` body bytes already reached the sink).
enum S3Outcome {
    case response(S3Response)
    case transport(String, deliveredByteCount: Int)
}

/// State shared with libcurl's callbacks for one transfer.
private final class TransferContext {
    var head = HTTPResponseHead()
    var status: Int { head.status }
    var body: [UInt8] = []
    var deliveredByteCount = 0
    var sink: ((UnsafeRawBufferPointer) throws(CortexError) -> Void)?
    var sinkError: CortexError?

    /// Error documents and listings are small; a bigger non-streamed body is a protocol error.
    static let bufferedByteCountMax = 64 << 20

    init(sink: ((UnsafeRawBufferPointer) throws(CortexError) -> Void)?) { self.sink = sink }

    func receiveBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        if let sink, (200..<300).contains(status) {
            do throws(CortexError) {
                try sink(chunk)
            } catch {
                sinkError = error
                return false
            }
            deliveredByteCount += chunk.count
            return true
        }
        guard body.count + chunk.count <= Self.bufferedByteCountMax else { return false }
        body.append(contentsOf: chunk)
        return true
    }
}

extension S3Client {
    /// Runs `curl_global_init` once per process, before the first handle.
    static let initializeCurl: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// One HTTP exchange; no retries. Throws only a sink's own error.
    func sendOnce(
        _ request: S3Request, sink: ((UnsafeRawBufferPointer) throws(CortexError) -> Void)?
    ) throws(CortexError) -> S3Outcome {
        guard let handle = curl_easy_init() else { throw .unavailable("libcurl could not create a handle") }
        defer { curl_easy_cleanup(handle) }
        let (host, path) = address(of: request.key)
        var query = request.query.map { "\(S3URIEncoding.encode($0.0, keepSlash: false))=\(S3URIEncoding.encode($0.1, keepSlash: false))" }
            .joined(separator: "&")
        if !query.isEmpty { query = "?" + query }
        let url = "\(scheme)://\(host)\(path)\(query)"
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        // "Expect:" stops libcurl's 100-continue handshake (it is not signed, so that is safe).
        for (name, value) in signedHeaders(for: request, host: host, path: path) + [("Expect", "")] {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        let context = TransferContext(sink: sink)
        let contextPointer = Unmanaged.passUnretained(context).toOpaque()
        let emptyBody: [CChar] = [0]
        let code: CURLcode = url.withCString { urlPointer in
            request.method.withCString { methodPointer in
                emptyBody.withUnsafeBufferPointer { emptyPointer in
                    _ = cortex_curl_set_string(handle, CURLOPT_URL, urlPointer)
                    _ = cortex_curl_set_list(handle, CURLOPT_HTTPHEADER, headerList)
                    _ = cortex_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
                    _ = cortex_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout.wholeMilliseconds))
                    // A transfer that moves under 1 byte/s for the stall timeout is a timeout.
                    _ = cortex_curl_set_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
                    _ = cortex_curl_set_long(handle, CURLOPT_LOW_SPEED_TIME, Int(max(1, configuration.stallTimeout.wholeMilliseconds / 1000)))
                    switch request.method {
                    case "GET": _ = cortex_curl_set_long(handle, CURLOPT_HTTPGET, 1)
                    case "HEAD": _ = cortex_curl_set_long(handle, CURLOPT_NOBODY, 1)
                    default: _ = cortex_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, methodPointer)
                    }
                    if request.method == "PUT" || request.method == "POST" {
                        let body = request.body ?? UnsafeRawBufferPointer(start: emptyPointer.baseAddress, count: 0)
                        _ = cortex_curl_set_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                        _ = cortex_curl_set_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: body.baseAddress ?? UnsafeRawPointer(emptyPointer.baseAddress!)))
                    }
                    _ = cortex_curl_set_pointer(handle, CURLOPT_WRITEDATA, contextPointer)
                    _ = cortex_curl_set_callback(handle, CURLOPT_WRITEFUNCTION) { buffer, size, count, user in
                        let context = Unmanaged<TransferContext>.fromOpaque(user!).takeUnretainedValue()
                        let byteCount = size * count
                        return context.receiveBody(UnsafeRawBufferPointer(start: buffer, count: byteCount)) ? byteCount : 0
                    }
                    _ = cortex_curl_set_pointer(handle, CURLOPT_HEADERDATA, contextPointer)
                    _ = cortex_curl_set_callback(handle, CURLOPT_HEADERFUNCTION) { buffer, size, count, user in
                        let context = Unmanaged<TransferContext>.fromOpaque(user!).takeUnretainedValue()
                        let byteCount = size * count
                        let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: byteCount), as: UTF8.self)
                        context.head.receive(line)
                        return byteCount
                    }
                    return curl_easy_perform(handle)
                }
            }
        }
        if let sinkError = context.sinkError { throw sinkError }
        guard code == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(code))
            return .transport("\(reason) (libcurl error \(code.rawValue))", deliveredByteCount: context.deliveredByteCount)
        }
        return .response(S3Response(status: context.head.status, headers: context.head.headers, body: context.body))
    }
}
