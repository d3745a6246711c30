public import CortexCore

/// Error codes of ERROR frames (docs/wire-protocol.md §5). Raw values are on the wire; never renumber.
public enum WireErrorCode: UInt16, Sendable, CaseIterable {
    case invalidInput = 1
    case notFound = 2
    case conflict = 3
    case tooLarge = 4
    case corrupt = 5
    case unavailable = 6
    case unauthorized = 7
    case forbidden = 8
    case rateLimited = 9
    case protocolError = 10
    case `internal` = 11
    case unsupported = 12
    case timeout = 13
    case gone = 14

    /// The code's name as written in the specification (`invalid_input`).
    public var name: String {
        switch self {
        case .invalidInput: "invalid_input"
        case .notFound: "not_found"
        case .conflict: "conflict"
        case .tooLarge: "too_large"
        case .corrupt: "corrupt"
        case .unavailable: "unavailable"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .rateLimited: "rate_limited"
        case .protocolError: "protocol_error"
        case .internal: "internal"
        case .unsupported: "unsupported"
        case .timeout: "timeout"
        case .gone: "gone"
        }
    }

    /// The wire code of an engine error category.
    public init(_ code: CortexError.Code) {
        switch code {
        case .invalidInput: self = .invalidInput
        case .notFound: self = .notFound
        case .conflict: self = .conflict
        case .tooLarge: self = .tooLarge
        case .corrupt: self = .corrupt
        case .unavailable: self = .unavailable
        case .unauthorized: self = .unauthorized
        case .forbidden: self = .forbidden
        case .rateLimited: self = .rateLimited
        case .gone: self = .gone
        }
    }

    /// Decodes a received code; codes this build does not know read as `internal` (§5).
    public init(wireValue: UInt16) {
        self = WireErrorCode(rawValue: wireValue) ?? .internal
    }
}

/// An error of the wire protocol: a decoding failure, or the content of a received ERROR frame.
///
/// `requestID` is the request the error answers (0 for connection-level errors).
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: WireErrorCode
    public var message: String
    public var requestID: UInt64
    /// For `rate_limited`: milliseconds until the key may send again (the ERROR frame's second field,
    /// saturated at 65 535); 0 for every other code.
    public var retryAfterMilliseconds: UInt16

    public init(_ code: WireErrorCode, _ message: String, requestID: UInt64 = 0, retryAfterMilliseconds: UInt16 = 0) {
        self.code = code
        self.message = message
        self.requestID = requestID
        self.retryAfterMilliseconds = retryAfterMilliseconds
    }

    public var description: String { "\(code.name): \(message)" }

    public static func protocolError(_ message: String, requestID: UInt64 = 0) -> WireError {
        WireError(.protocolError, message, requestID: requestID)
    }

    public static func invalidInput(_ message: String) -> WireError { WireError(.invalidInput, message) }

    public static func tooLarge(_ message: String) -> WireError { WireError(.tooLarge, message) }
}
