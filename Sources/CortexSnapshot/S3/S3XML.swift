import CortexCore
import Foundation

/// Just enough XML for S3's replies: the text of named elements, with the five
/// predefined entities and numeric character references decoded. S3 documents
/// are flat and never use CDATA or attributes on the elements read here.
struct S3XML {
    let text: String

    init(_ bytes: [UInt8]) { text = String(decoding: bytes, as: UTF8.self) }

    /// The decoded text of every `<name>…</name>`, in document order.
    func values(of name: String) -> [String] {
        var result: [String] = []
        var rest = text[...]
        let open = "<\(name)>", close = "</\(name)>"
        while let start = rest.range(of: open) {
            guard let end = rest[start.upperBound...].range(of: close) else { break }
            result.append(Self.decodeEntities(String(rest[start.upperBound..<end.lowerBound])))
            rest = rest[end.upperBound...]
        }
        return result
    }

    func value(of name: String) -> String? { values(of: name).first }

    /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&#NN;` `&#xHH;`; an unknown entity stays as written.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                out += rest[amp...]
                return out
            }
            let entity = rest[rest.index(after: amp)..<semi]
            let decoded: String?
            switch entity {
            case "lt": decoded = "<"
            case "gt": decoded = ">"
            case "amp": decoded = "&"
            case "quot": decoded = "\""
            case "apos": decoded = "'"
            default:
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    decoded = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else if entity.hasPrefix("#") {
                    decoded = UInt32(entity.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
                } else {
                    decoded = nil
                }
            }
            out += decoded ?? String(rest[amp...semi])
            rest = rest[rest.index(after: semi)...]
        }
        out += rest
        return out
    }

    /// `&`, `<`, `>`, `"`, `'` escaped, for text we put into XML.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// An S3 `<Error>` document, turned into a `CortexError` users can act on.
struct S3ErrorDocument {
    let code: String?
    let message: String?

    init(_ body: [UInt8]) {
        let xml = S3XML(body)
        code = xml.value(of: "Code")
        message = xml.value(of: "Message")
    }

    func describe(status: Int) -> String {
        var text = "HTTP \(status)"
        if let code { text += " \(code)" }
        if let message, !message.isEmpty { text += ": \(message)" }
        return text
    }

    func cortexError(status: Int, request: S3Request, client: S3Client) -> CortexError {
        let detail = describe(status: status)
        switch code {
        case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "InvalidSecurity":
            return .unauthorized(
                "S3 rejected the credentials (\(code!)) at \(client.configuration.endpoint); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (\(detail))")
        case "AccessDenied":
            return .forbidden("S3 denied access to \(client.describe(request.key)) (AccessDenied); the credentials lack permission for \(request.method) (\(detail))")
        case "NoSuchBucket":
            return .notFound("S3 bucket \(client.bucket) does not exist at \(client.configuration.endpoint) (NoSuchBucket)")
        case "NoSuchKey":
            return .notFound("snapshot object \(request.key) is missing from s3://\(client.bucket) (NoSuchKey)")
        default:
            if status == 404 { return .notFound("snapshot object \(request.key) is missing from s3://\(client.bucket) (HTTP 404)") }
            if status == 401 || status == 403 { return .forbidden("S3 refused \(request.method) \(client.describe(request.key)) (\(detail))") }
            return .invalidInput("S3 \(request.method) \(client.describe(request.key)) failed (\(detail))")
        }
    }
}
