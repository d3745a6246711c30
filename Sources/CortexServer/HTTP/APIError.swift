import CortexCore
import Foundation
import Hummingbird

/// The JSON error body every route returns: `{"error": {"code", "message", "request_id"}}`.
struct APIErrorBody: Encodable {
    struct Detail: Encodable {
        let code: String
        let message: String
        let requestID: String

        enum CodingKeys: String, CodingKey {
            case code, message
            case requestID = "request_id"
        }
    }

    let error: Detail
}

/// The one place that maps errors to HTTP statuses (STYLE.md §5).
enum APIError {
    static func status(for code: CortexError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidInput: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .corrupt: .internalServerError
        case .unavailable: .serviceUnavailable
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .rateLimited: .tooManyRequests
        case .gone: .gone
        }
    }

    /// Whether the message may be shown to the client. Corruption and
    /// environment failures name internal paths; clients get a generic text
    /// and the request id, operators get the details in the log.
    static func isClientVisible(_ code: CortexError.Code) -> Bool {
        switch code {
        case .invalidInput, .notFound, .conflict, .tooLarge, .unauthorized, .forbidden, .rateLimited, .gone: true
        case .corrupt, .unavailable: false
        }
    }

    static func response(status: HTTPResponse.Status, code: String, message: String, requestID: String) -> Response {
        let body = APIErrorBody(error: .init(code: code, message: message, requestID: requestID))
        return jsonResponse(body, status: status)
    }
}

/// Encodes `value` as a JSON response.
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data: Data
    do {
        data = try encoder.encode(value)
    } catch {
        preconditionFailure("encoding a response type cannot fail: \(error)")
    }
    return Response(
        status: status,
        headers: [.contentType: "application/json; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// A response whose body is JSON text already written (see ``VectorResponses/Record``).
func jsonTextResponse(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(
        status: status,
        headers: [.contentType: "application/json; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(string: text)))
}
