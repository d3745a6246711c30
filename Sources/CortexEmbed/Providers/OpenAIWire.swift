import CortexCore
import Foundation

/// The OpenAI embeddings wire format and what each HTTP outcome means: pure functions, so the
/// decisions are testable without a server.
enum OpenAIWire {
    /// `{"input": [...], "model": "...", "encoding_format": "float"}`, plus `"dimensions"` when set.
    static func requestBody(texts: [String], model: String, dimensions: Int?) -> [UInt8] {
        struct Request: Encodable {
            var input: [String]
            var model: String
            var encoding_format = "float"
            var dimensions: Int?
        }
        do {
            return Array(try JSONEncoder().encode(Request(input: texts, model: model, dimensions: dimensions)))
        } catch {
            // Strings and integers always encode; reaching this is a bug in Foundation or here.
            preconditionFailure("encoding an embeddings request failed: \(error)")
        }
    }

    /// The vectors of a 200 response to a request of `count` texts, in input order, each
    /// L2-normalised, and the service's `usage.prompt_tokens` if it sent one.
    ///
    /// Throws `.unavailable` (the service misbehaved, the caller's input was fine) when the body
    /// is not an embeddings list, an index in `0..<count` is missing, repeated or out of range, a
    /// vector's length differs from `dimension` (or, when `dimension` is nil, from the first
    /// vector's, or is outside 1...``OpenAIEmbeddingConfiguration/dimensionsMax``), or a value
    /// is not finite. `service` names the endpoint in messages.
    static func decodeResponse(_ body: [UInt8], count: Int, dimension: Int?, service: String) throws(CortexError)
        -> (vectors: [[Float]], promptTokenCount: Int?)
    {
        struct Item: Decodable {
            var embedding: [Double]
            var index: Int
        }
        struct Usage: Decodable { var prompt_tokens: Int? }
        struct Response: Decodable {
            var data: [Item]
            var usage: Usage?
        }
        let response: Response
        do { response = try JSONDecoder().decode(Response.self, from: Data(body)) } catch {
            throw .unavailable("\(service) returned a body that is not an embeddings list (\(describe(error)))")
        }
        guard response.data.count == count else {
            throw .unavailable("\(service) returned \(response.data.count) embeddings for \(count) texts")
        }
        var slots = [[Float]?](repeating: nil, count: count)
        let expected = dimension ?? response.data.first?.embedding.count ?? 0
        guard (1...OpenAIEmbeddingConfiguration.dimensionsMax).contains(expected) else {
            throw .unavailable("\(service) returned embeddings of \(expected) dimensions; the limit is 1...\(OpenAIEmbeddingConfiguration.dimensionsMax)")
        }
        for item in response.data {
            guard (0..<count).contains(item.index) else {
                throw .unavailable("\(service) returned embedding index \(item.index) for \(count) texts")
            }
            guard slots[item.index] == nil else {
                throw .unavailable("\(service) returned embedding index \(item.index) twice")
            }
            guard item.embedding.count == expected else {
                throw .unavailable("\(service) returned an embedding of \(item.embedding.count) dimensions at index \(item.index); expected \(expected)")
            }
            slots[item.index] = try normalized(item.embedding, index: item.index, service: service)
        }
        // Every index is in range and none repeats, and there are `count` of them: all slots are filled.
        let vectors = slots.map { $0! }
        return (vectors, response.usage?.prompt_tokens)
    }

    /// `values` as floats scaled to norm 1 (all zeros stay zeros). Throws when a value is not
    /// finite or does not fit a Float.
    static func normalized(_ values: [Double], index: Int, service: String) throws(CortexError) -> [Float] {
        var sumOfSquares = 0.0
        for value in values {
            guard value.isFinite, abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                throw .unavailable("\(service) returned \(value), not a finite 32-bit float, in the embedding at index \(index)")
            }
            sumOfSquares += value * value
        }
        let norm = sumOfSquares.squareRoot()
        guard norm > 0 else { return values.map { Float($0) } }
        return values.map { Float($0 / norm) }
    }

    /// The service's own error message: OpenAI's `{"error":{"message":...}}`, Ollama's
    /// `{"error":"..."}`, or else the body's text; truncated to
    /// ``OpenAIEmbeddingConfiguration/serviceMessageCharacterCountMax`` characters. Nil for an empty body.
    static func serviceMessage(_ body: [UInt8]) -> String? {
        struct Detail: Decodable { var message: String }
        enum Field: Decodable {
            case detail(Detail), text(String)
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                // Ollama sends a string, OpenAI an object.
                do { self = .text(try container.decode(String.self)) } catch { self = .detail(try container.decode(Detail.self)) }
            }
        }
        struct Envelope: Decodable { var error: Field }
        var message: String
        do {
            switch try JSONDecoder().decode(Envelope.self, from: Data(body)).error {
            case .detail(let detail): message = detail.message
            case .text(let text): message = text
            }
        } catch {
            // Not JSON (a proxy's HTML page, a plain-text error): the text itself is the message.
            message = String(decoding: body, as: UTF8.self)
        }
        message = message.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !message.isEmpty else { return nil }
        let limit = OpenAIEmbeddingConfiguration.serviceMessageCharacterCountMax
        return message.count <= limit ? message : message.prefix(limit) + "…"
    }

    /// What to do with one exchange's outcome.
    enum Verdict: Equatable {
        /// HTTP 2xx: decode this body.
        case success([UInt8])
        /// A transient failure, described for the final error; `retryAfter` is the service's
        /// `Retry-After` (or `retry-after-ms`), when it sent one.
        case retry(failure: String, retryAfter: Duration?)
        /// A failure no retry can fix.
        case fail(CortexError)
    }

    /// Retries connection errors, timeouts, HTTP 408, 429 and 5xx; 401 and 403 mean the key was
    /// rejected (the service's message is dropped: OpenAI's quotes part of the key); 400, 413
    /// and 422 are the caller's input (`.invalidInput` with the service's message); any other
    /// status is `.unavailable` with it.
    static func verdict(for outcome: HTTPPost.Outcome, service: String, hasKey: Bool) -> Verdict {
        let status: Int, headers: [String: String], body: [UInt8]
        switch outcome {
        case .tooLarge:
            return .fail(.unavailable("\(service) sent a response body over \(OpenAIEmbeddingConfiguration.responseByteCountMax >> 20) MiB"))
        case .transport(let reason, let retryable):
            return retryable ? .retry(failure: reason, retryAfter: nil) : .fail(.unavailable("cannot reach \(service): \(reason)"))
        case .response(let s, let h, let b): (status, headers, body) = (s, h, b)
        }
        if (200..<300).contains(status) { return .success(body) }
        let detail = serviceMessage(body).map { ": \($0)" } ?? ""
        switch status {
        case 401, 403:
            let what = hasKey ? "rejected the API key" : "requires an API key and none is configured"
            return .fail(.unavailable("\(service) \(what) (HTTP \(status))"))
        case 408, 429, 500...599:
            return .retry(failure: "HTTP \(status)\(detail)", retryAfter: retryAfter(headers))
        case 400, 413, 422:
            return .fail(.invalidInput("\(service) refused the request (HTTP \(status))\(detail)"))
        default:
            return .fail(.unavailable("\(service) answered HTTP \(status)\(detail)"))
        }
    }

    /// `retry-after-ms` (milliseconds) or `Retry-After` in whole seconds; the HTTP-date form is
    /// ignored (the backoff applies instead).
    static func retryAfter(_ headers: [String: String]) -> Duration? {
        if let text = headers["retry-after-ms"], let milliseconds = Double(text), milliseconds.isFinite, milliseconds >= 0 {
            return .milliseconds(min(milliseconds, 1e9))
        }
        if let text = headers["retry-after"], let seconds = Int(text), seconds >= 0 {
            return .seconds(min(seconds, 1_000_000))
        }
        return nil
    }

    /// The wait before retry number `retry` (1 = the first): `retryDelay × 2^(retry−1)` capped
    /// at `retryDelayMax`, scaled into its upper half by `jitter` in 0..<1; or the service's
    /// `retryAfter` capped at `retryAfterMax`.
    static func delay(beforeRetry retry: Int, retryAfter: Duration?, jitter: Double,
                      configuration: OpenAIEmbeddingConfiguration) -> Duration {
        precondition(retry >= 1 && (0..<1).contains(jitter))
        if let retryAfter { return min(retryAfter, configuration.retryAfterMax) }
        var ceiling = configuration.retryDelay
        // Doubling stops at the cap, so the loop runs at most log2(retryDelayMax / retryDelay) times.
        for _ in 1..<retry where ceiling < configuration.retryDelayMax { ceiling *= 2 }
        ceiling = min(ceiling, configuration.retryDelayMax)
        return ceiling / 2 + ceiling * (jitter / 2)
    }

    /// A decoding error in a few words: what is wrong and where (`data[3].index`).
    static func describe(_ error: any Error) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : (text.isEmpty ? "top level" : text)
        }
        switch error as? DecodingError {
        case .dataCorrupted(let context)?:
            return context.codingPath.isEmpty ? "malformed JSON" : "invalid value at \(path(context.codingPath))"
        case .keyNotFound(let key, let context)?: return "missing \(path(context.codingPath + [key]))"
        case .typeMismatch(_, let context)?: return "wrong type at \(path(context.codingPath))"
        case .valueNotFound(_, let context)?: return "null at \(path(context.codingPath))"
        default: return "unreadable JSON"
        }
    }
}
