import CCurl
import CortexCore

/// One HTTP POST of a JSON body over libcurl, for the embedding HTTP providers. No retries, no
/// redirects (a 3xx comes back as a response).
///
/// Thread: `perform` blocks its thread for the whole exchange (up to `timeout`), so callers
/// run it on a dispatch queue, never on the cooperative pool.
struct HTTPPost {
    /// The full URL, credentials included if the operator put them there; never logged.
    var url: String
    /// Request headers besides `Content-Type` and `Accept` (both `application/json`).
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// The whole exchange, connect included.
    var timeout: Duration
    var connectTimeout: Duration
    /// A larger response body aborts the transfer with ``Outcome/tooLarge``.
    var responseByteCountMax: Int

    /// What one exchange gave.
    enum Outcome {
        /// Any HTTP status, with headers (names lowercased) and the body.
        case response(status: Int, headers: [String: String], body: [UInt8])
        /// No response: `reason` is libcurl's; `retryable` is false for failures that a retry
        /// cannot fix (malformed URL, unsupported scheme, a certificate that fails verification).
        case transport(reason: String, retryable: Bool)
        /// The response body passed `responseByteCountMax`.
        case tooLarge
    }

    /// Runs `curl_global_init` once per process, before the first handle.
    private static let initializeCurl: Void = { _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Sends the request and waits for the whole response. Throws only when libcurl cannot
    /// create a handle.
    func perform() throws(CortexError) -> Outcome {
        Self.initializeCurl
        guard let handle = unsafe curl_easy_init() else { throw .unavailable("libcurl could not create a handle") }
        defer { unsafe curl_easy_cleanup(handle) }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { unsafe curl_slist_free_all(headerList) }
        // "Expect:" turns off libcurl's 100-continue handshake, which costs a round trip (or a
        // one-second wait on servers that ignore it) for bodies over 1 KiB.
        let all = [("Content-Type", "application/json"), ("Accept", "application/json"), ("Expect", "")] + headers
        for (name, value) in all { unsafe headerList = curl_slist_append(headerList, "\(name): \(value)") }
        let context = HTTPTransfer(byteCountMax: responseByteCountMax)
        let code = unsafe configureAndPerform(handle, headerList: headerList, context: context)
        if context.overflowed { return .tooLarge }
        guard code == CURLE_OK else {
            let reason = unsafe String(cString: curl_easy_strerror(code))
            let permanent: Set<UInt32> = [CURLE_URL_MALFORMAT.rawValue, CURLE_UNSUPPORTED_PROTOCOL.rawValue,
                                          CURLE_PEER_FAILED_VERIFICATION.rawValue]
            return .transport(reason: "\(reason) (libcurl error \(code.rawValue))", retryable: !permanent.contains(code.rawValue))
        }
        return .response(status: context.head.status, headers: context.head.headers, body: context.body)
    }

    /// Sets the options and runs the transfer. Every pointer handed to libcurl (URL, body,
    /// header list, context) outlives `curl_easy_perform`, which returns before this does.
    private func configureAndPerform(_ handle: UnsafeMutableRawPointer, headerList: UnsafeMutablePointer<curl_slist>?,
                                     context: HTTPTransfer) -> CURLcode {
        let contextPointer = unsafe Unmanaged.passUnretained(context).toOpaque()
        return unsafe url.withCString { urlPointer in
            unsafe body.withUnsafeBytes { bodyBytes in
                _ = unsafe cortex_curl_set_string(handle, CURLOPT_URL, urlPointer)
                _ = unsafe cortex_curl_set_list(handle, CURLOPT_HTTPHEADER, headerList)
                _ = unsafe cortex_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
                _ = unsafe cortex_curl_set_long(handle, CURLOPT_TIMEOUT_MS, Int(max(1, timeout.wholeMilliseconds)))
                _ = unsafe cortex_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(max(1, connectTimeout.wholeMilliseconds)))
                _ = unsafe cortex_curl_set_long(handle, CURLOPT_POST, 1)
                _ = unsafe cortex_curl_set_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bodyBytes.count))
                // libcurl only reads the body; a zero-length body still needs a valid pointer.
                let bodyPointer = unsafe UnsafeMutableRawPointer(mutating: bodyBytes.baseAddress) ?? contextPointer
                _ = unsafe cortex_curl_set_pointer(handle, CURLOPT_POSTFIELDS, bodyPointer)
                _ = unsafe cortex_curl_set_pointer(handle, CURLOPT_WRITEDATA, contextPointer)
                _ = unsafe cortex_curl_set_callback(handle, CURLOPT_WRITEFUNCTION) { buffer, size, count, user in
                    let context = unsafe Unmanaged<HTTPTransfer>.fromOpaque(user!).takeUnretainedValue()
                    let byteCount = size * count
                    // Returning fewer bytes than given aborts the transfer (CURLE_WRITE_ERROR).
                    return unsafe context.receiveBody(UnsafeRawBufferPointer(start: buffer, count: byteCount)) ? byteCount : 0
                }
                _ = unsafe cortex_curl_set_pointer(handle, CURLOPT_HEADERDATA, contextPointer)
                _ = unsafe cortex_curl_set_callback(handle, CURLOPT_HEADERFUNCTION) { buffer, size, count, user in
                    let context = unsafe Unmanaged<HTTPTransfer>.fromOpaque(user!).takeUnretainedValue()
                    let byteCount = size * count
                    unsafe context.head.receive(String(decoding: UnsafeRawBufferPointer(start: buffer, count: byteCount), as: UTF8.self))
                    return byteCount
                }
                return unsafe curl_easy_perform(handle)
            }
        }
    }
}

/// State shared with libcurl's callbacks for one transfer; used only on the transfer's thread.
private final class HTTPTransfer {
    var head = HTTPResponseHead()
    var body: [UInt8] = []
    var overflowed = false
    let byteCountMax: Int

    init(byteCountMax: Int) { self.byteCountMax = byteCountMax }

    func receiveBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard body.count + chunk.count <= byteCountMax else {
            overflowed = true
            return false
        }
        unsafe body.append(contentsOf: chunk)
        return true
    }
}
