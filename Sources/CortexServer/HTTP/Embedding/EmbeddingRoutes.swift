import CortexApp
import CortexCore
import CortexEmbed
import CortexVector
import Foundation
import Hummingbird
import NIOPosix

/// Text embedding over HTTP, behind the same API keys as every other route (query scope):
/// - `POST /v1/embeddings`: OpenAI's embeddings API (`{"input": string | [string], "model",
///   "encoding_format"?: "float" | "base64", "dimensions"?}`), so OpenAI SDKs and tools that
///   speak it can point their base URL at Cortex;
/// - `POST /api/v2/embed`: the endpoint the unmodified `chromadb-client` calls for collections
///   configured with its `chroma-cloud-qwen` embedding function when `CHROMA_EMBED_URL` points
///   here (`{"instructions", "texts"}` → `{"embeddings"}`; key in `X-Chroma-Token`).
/// Both embed with the server's one provider, whatever model name a Chroma client asks for
/// (docs/embeddings.md).
struct EmbeddingRoutes: Sendable {
    let embedder: TextEmbedder
    let work: TenantWork
    let authentication: Authentication

    func register(on router: Router<CortexRequestContext>) {
        let openAI = authentication.guarding(router.group("v1"))
        openAI.post("embeddings") { request, context in
            _ = try context.tenant(forWrite: false)
            let parsed = try await work.parse(request, EmbeddingRequests.openAI)
            try embedder.checkModel(parsed.model)
            if let dimensions = parsed.dimensions, dimensions != embedder.provider.dimension {
                throw CortexError.invalidInput("dimensions \(dimensions) is not supported: \(parsed.model) makes \(embedder.provider.dimension)-dimensional vectors")
            }
            let vectors = try await embedder.provider.embed(parsed.texts)
            let tokens = embedder.provider.tokenCount(parsed.texts)
            return jsonTextResponse(EmbeddingResponses.openAI(vectors, model: embedder.provider.modelName, tokens: tokens, base64: parsed.base64))
        }
        let chroma = authentication.guarding(router.group("api/v2")
            .add(middleware: ChromaErrorMiddleware())
            .add(middleware: ChromaTokenMiddleware()))
        chroma.post("embed") { request, context in
            _ = try context.tenant(forWrite: false)
            let texts = try await work.parse(request, EmbeddingRequests.chroma)
            let vectors = try await embedder.provider.embed(texts)
            return jsonTextResponse(EmbeddingResponses.chroma(vectors))
        }
    }
}

/// The request bodies of the embedding routes.
enum EmbeddingRequests {
    struct OpenAI: Sendable {
        var texts: [String]
        var model: String
        var base64: Bool
        var dimensions: Int?
    }

    static func openAI(_ body: Data) throws(CortexError) -> OpenAI {
        let fields = try JSONFields.body(body, allowed: ["input", "model", "encoding_format", "dimensions", "user"])
        let texts: [String]
        switch try fields.required("input") {
        case .string(let text): texts = [text]
        case .array(let elements):
            guard !elements.isEmpty else { throw .invalidInput("input must not be an empty array") }
            try checkCount(elements.count)
            texts = try elements.enumerated().map { (index, element) throws(CortexError) in
                guard case .string(let text) = element else {
                    throw .invalidInput("input[\(index)] must be a string (token arrays are not supported); got \(element.kindName)")
                }
                return text
            }
        case let other: throw .invalidInput("input must be a string or an array of strings; got \(other.kindName)")
        }
        let format = try fields.optionalString("encoding_format") ?? "float"
        guard format == "float" || format == "base64" else {
            throw .invalidInput("encoding_format must be float or base64; got '\(format.prefix(32))'")
        }
        _ = try fields.optionalString("user")
        try EmbeddingLimits.check(texts)
        return OpenAI(texts: texts, model: try fields.string("model"), base64: format == "base64",
                      dimensions: try fields.optionalInt("dimensions"))
    }

    /// `{"instructions": string, "texts": [string]}`; the instructions (a query prompt for
    /// instruction-tuned models) are accepted and not used: MiniLM takes no instructions.
    static func chroma(_ body: Data) throws(CortexError) -> [String] {
        let fields = try ChromaBody.fields(body)
        _ = try fields.optionalString("instructions")
        let texts = try fields.optionalStrings("texts") ?? []
        try checkCount(texts.count)
        try EmbeddingLimits.check(texts)
        return texts
    }

    private static func checkCount(_ count: Int) throws(CortexError) {
        guard count <= EmbeddingLimits.textCountMax else {
            throw .tooLarge("\(count) texts in one request exceed the limit of \(EmbeddingLimits.textCountMax)")
        }
    }
}

/// The response bodies of the embedding routes, written as JSON text (vectors are most of the bytes).
enum EmbeddingResponses {
    static func openAI(_ vectors: [[Float]], model: String, tokens: Int, base64: Bool) -> String {
        var text = #"{"object":"list","data":["#
        for (index, vector) in vectors.enumerated() {
            if index > 0 { text += "," }
            text += #"{"object":"embedding","index":\#(index),"embedding":"#
            text += base64 ? "\"" + base64LittleEndian(vector) + "\"" : numbers(vector)
            text += "}"
        }
        text += #"],"model":\#(JSONValue.string(model).serialized()),"usage":{"prompt_tokens":\#(tokens),"total_tokens":\#(tokens)}}"#
        return text
    }

    static func chroma(_ vectors: [[Float]]) -> String {
        #"{"embeddings":["# + vectors.map(numbers).joined(separator: ",") + "]}"
    }

    /// `[v0,v1,…]` (providers return finite, normalised floats).
    static func numbers(_ vector: [Float]) -> String {
        "[" + vector.map(VectorResponses.number).joined(separator: ",") + "]"
    }

    /// The vector's float32 values, little-endian, base64 (what OpenAI sends for `encoding_format: base64`).
    static func base64LittleEndian(_ vector: [Float]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }
}
