import CortexCore
import CortexTesting
@testable import CortexEmbed
import Testing

/// `OpenAIEmbeddingProvider` against Fixtures/fake_openai.py, which speaks the real protocol.
/// Backoffs are a few milliseconds; nothing here asserts timing.
@Suite struct OpenAIProviderTests {
    static func configuration(_ fake: FakeOpenAI, key: String? = FakeOpenAI.key, batchSize: Int = 256, dimensions: Int? = nil,
                              timeout: Duration = .seconds(20), attemptCountMax: Int = 4) -> OpenAIEmbeddingConfiguration {
        OpenAIEmbeddingConfiguration(
            baseURL: fake.baseURL, apiKey: key, model: FakeOpenAI.model, dimensions: dimensions, batchSize: batchSize,
            timeout: timeout, connectTimeout: .seconds(5), attemptCountMax: attemptCountMax,
            retryDelay: .milliseconds(1), retryDelayMax: .milliseconds(4), retryAfterMax: .milliseconds(10))
    }

    static func provider(_ fake: FakeOpenAI, key: String? = FakeOpenAI.key, batchSize: Int = 256,
                         timeout: Duration = .seconds(20), attemptCountMax: Int = 4) throws -> OpenAIEmbeddingProvider {
        try OpenAIEmbeddingProvider(
            configuration: configuration(fake, key: key, batchSize: batchSize, timeout: timeout, attemptCountMax: attemptCountMax),
            dimension: fake.dimension)
    }

    /// The error `embed` throws, or nil when it succeeds.
    static func embedError(_ provider: OpenAIEmbeddingProvider, _ texts: [String] = ["one", "two", "three"]) async -> CortexError? {
        do {
            _ = try await provider.embed(texts)
            return nil
        } catch {
            return error
        }
    }

    static func normalized(_ vector: [Float]) -> [Float] {
        let norm = vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        return vector.map { Float(Double($0) / norm) }
    }

    // MARK: Success

    @Test func sixHundredTextsGoOutInThreeBatchesAndComeBackInInputOrderNormalised() async throws {
        let fake = try FakeOpenAI(dimension: 16)
        let provider = try Self.provider(fake)
        let texts = (0..<600).map { "passage number \($0) about topic \($0 % 7)" }
        let (vectors, promptTokenCount) = try await provider.embedReportingUsage(texts)

        #expect(vectors.count == 600)
        for (text, vector) in zip(texts, vectors) {
            let expected = Self.normalized(fake.rawVector(text))
            #expect(zip(vector, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "vector of \(text)")
            #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        }
        let requests = try fake.requests()
        #expect(requests.map { $0.input?.count } == [256, 256, 88])
        #expect(requests.flatMap { $0.input ?? [] } == texts)
        #expect(requests.allSatisfy {
            $0.auth == "Bearer \(FakeOpenAI.key)" && $0.model == FakeOpenAI.model && $0.encoding_format == "float" && $0.dimensions == nil
        })
        // The fake counts words as tokens: 6 per text.
        #expect(promptTokenCount == 600 * 6)
    }

    @Test func connectLearnsTheDimensionFromOneProbe() async throws {
        let fake = try FakeOpenAI(dimension: 24)
        let provider = try await OpenAIEmbeddingProvider.connect(Self.configuration(fake))
        #expect(provider.dimension == 24)
        #expect(try fake.requests().map { $0.input ?? [] } == [["dimension probe"]])
        #expect(provider.summary == "OpenAI-compatible fake-embed at \(fake.baseURL)/embeddings (24 dimensions)")
    }

    @Test func configuredDimensionsAreSentAndEnforced() async throws {
        let fake = try FakeOpenAI(dimension: 8)
        let provider = try await OpenAIEmbeddingProvider.connect(Self.configuration(fake, dimensions: 8))
        _ = try await provider.embed(["a"])
        #expect(try fake.requests().map(\.dimensions) == [8, 8])

        // The service answers 8 floats where 12 were asked for.
        let error = await #expect(throws: CortexError.self) {
            _ = try await OpenAIEmbeddingProvider.connect(Self.configuration(fake, dimensions: 12))
        }
        #expect(error?.code == .unavailable)
        #expect(error?.message == "embedding service \(fake.baseURL)/embeddings returned an embedding of 8 dimensions at index 0; expected 12")
    }

    @Test func noKeyConfiguredSendsNoAuthorizationHeader() async throws {
        let fake = try FakeOpenAI(key: nil)
        let provider = try Self.provider(fake, key: nil)
        #expect(try await provider.embed(["x"]).count == 1)
        #expect(try fake.requests().map(\.auth) == [nil])
    }

    @Test func emptyInputSendsNothing() async throws {
        let fake = try FakeOpenAI()
        #expect(try await Self.provider(fake).embed([]).isEmpty)
        #expect(try fake.requests().isEmpty)
    }

    @Test func tooManyTextsAreRejectedBeforeAnyRequest() async throws {
        let fake = try FakeOpenAI()
        let error = await Self.embedError(try Self.provider(fake), Array(repeating: "x", count: EmbeddingLimits.textCountMax + 1))
        #expect(error == .invalidInput("2049 texts in one request exceed the limit of 2048"))
        #expect(try fake.requests().isEmpty)
    }

    // MARK: Retries

    @Test func twoServerErrorsAreRetriedThenTheThirdAttemptSucceeds() async throws {
        let fake = try FakeOpenAI(script: [#"{"status": 500}"#, #"{"status": 502}"#])
        let vectors = try await Self.provider(fake).embed(["alpha", "beta"])
        #expect(vectors.count == 2)
        #expect(try fake.requests().count == 3)
    }

    @Test func rateLimitIsRetriedAfterRetryAfter() async throws {
        // Retry-After says 1 s; the test configuration caps it at 10 ms.
        let fake = try FakeOpenAI(script: [#"{"status": 429, "retry_after": "1", "message": "Rate limit reached"}"#])
        let vectors = try await Self.provider(fake).embed(["alpha"])
        #expect(vectors == [Self.normalized(fake.rawVector("alpha"))])
        #expect(try fake.requests().count == 2)
    }

    @Test func aClosedConnectionIsRetried() async throws {
        let fake = try FakeOpenAI(script: [#"{"close": true}"#])
        #expect(try await Self.provider(fake).embed(["alpha"]).count == 1)
        #expect(try fake.requests().count == 2)
    }

    @Test func exhaustedRetriesNameTheURLAndTheLastFailure() async throws {
        let fake = try FakeOpenAI(then: #"{"status": 503, "message": "The server is overloaded"}"#)
        let error = await Self.embedError(try Self.provider(fake, attemptCountMax: 3))
        #expect(error == .unavailable(
            "embedding service \(fake.baseURL)/embeddings failed after 3 attempts; last failure: HTTP 503: The server is overloaded"))
        #expect(try fake.requests().count == 3)
    }

    @Test func aTimeoutIsRetriedThenReported() async throws {
        let fake = try FakeOpenAI(then: #"{"delay": 30}"#)
        let error = await Self.embedError(try Self.provider(fake, timeout: .milliseconds(300), attemptCountMax: 2))
        #expect(error?.code == .unavailable)
        #expect(error?.message.hasPrefix("embedding service \(fake.baseURL)/embeddings failed after 2 attempts; last failure: Timeout was reached") == true)
        #expect(try fake.requests().count == 2)
    }

    @Test func aRefusedConnectionIsReportedAfterTheRetries() async throws {
        // Nothing listens on port 1 of the loopback address.
        let configuration = OpenAIEmbeddingConfiguration(
            baseURL: "http://user:password@127.0.0.1:1/v1/", model: "m", attemptCountMax: 2,
            retryDelay: .milliseconds(1), retryDelayMax: .milliseconds(2))
        let provider = try OpenAIEmbeddingProvider(configuration: configuration, dimension: 4)
        let error = await Self.embedError(provider)
        #expect(error?.code == .unavailable)
        let message = error?.message ?? ""
        #expect(message.hasPrefix("embedding service http://127.0.0.1:1/v1/embeddings failed after 2 attempts; last failure: "))
        #expect(message.contains("Couldn't connect to server"))
        #expect(!message.contains("password"))
    }

    // MARK: Failures that are not retried

    @Test func aRejectedKeyIsNotRetriedAndNotQuoted() async throws {
        let fake = try FakeOpenAI()
        let error = await Self.embedError(try Self.provider(fake, key: "sk-wrong-key-987654321"))
        #expect(error == .unavailable("embedding service \(fake.baseURL)/embeddings rejected the API key (HTTP 401)"))
        #expect(try fake.requests().count == 1)
    }

    @Test func aMissingKeyIsNamedAsMissing() async throws {
        let fake = try FakeOpenAI()
        let error = await Self.embedError(try Self.provider(fake, key: nil))
        #expect(error == .unavailable("embedding service \(fake.baseURL)/embeddings requires an API key and none is configured (HTTP 401)"))
    }

    @Test func aBadRequestIsInvalidInputWithTheServiceMessage() async throws {
        let fake = try FakeOpenAI(script: [#"{"status": 400, "message": "This model's maximum context length is 8192 tokens"}"#])
        let error = await Self.embedError(try Self.provider(fake))
        #expect(error == .invalidInput(
            "embedding service \(fake.baseURL)/embeddings refused the request (HTTP 400): This model's maximum context length is 8192 tokens"))
        #expect(try fake.requests().count == 1)
    }

    @Test func anUnknownModelIsUnavailableWithTheServiceMessage() async throws {
        let fake = try FakeOpenAI()
        var configuration = Self.configuration(fake)
        configuration.model = "no-such-model"
        let error = await Self.embedError(try OpenAIEmbeddingProvider(configuration: configuration, dimension: 8))
        #expect(error == .unavailable("embedding service \(fake.baseURL)/embeddings answered HTTP 404: The model `no-such-model` does not exist"))
        #expect(try fake.requests().count == 1)
    }

    @Test(arguments: [
        (#"{"wrong_dimension": true}"#, "returned an embedding of 9 dimensions at index 2; expected 8"),
        (#"{"missing_index": true}"#, "returned embedding index 0 twice"),
        (#"{"nan": true}"#, "returned a body that is not an embeddings list (malformed JSON)"),
        (#"{"huge_value": true}"#, "returned 1e+300, not a finite 32-bit float, in the embedding at index "),
        (#"{"malformed": true}"#, "returned a body that is not an embeddings list (malformed JSON)"),
        (#"{"not_list": true}"#, "returned a body that is not an embeddings list (missing data)"),
        (#"{"huge": 65}"#, "sent a response body over 64 MiB"),
    ])
    func aMalformedResponseIsAClearErrorAndNotRetried(action: String, expected: String) async throws {
        let fake = try FakeOpenAI(script: [action])
        let error = await Self.embedError(try Self.provider(fake))
        #expect(error?.code == .unavailable)
        #expect(error?.message.hasPrefix("embedding service \(fake.baseURL)/embeddings \(expected)") == true, "\(error?.message ?? "no error")")
        #expect(try fake.requests().count == 1)
    }

    // MARK: Pure parts

    @Test func backoffDoublesFromTheFirstDelayUpToTheCapWithJitterInTheUpperHalf() {
        let configuration = OpenAIEmbeddingConfiguration(
            baseURL: "http://x", model: "m", retryDelay: .milliseconds(100), retryDelayMax: .milliseconds(1000), retryAfterMax: .seconds(5))
        let low = (1...6).map { OpenAIWire.delay(beforeRetry: $0, retryAfter: nil, jitter: 0, configuration: configuration) }
        #expect(low == [50, 100, 200, 400, 500, 500].map { Duration.milliseconds($0) })
        #expect(OpenAIWire.delay(beforeRetry: 2, retryAfter: nil, jitter: 0.5, configuration: configuration) == .milliseconds(150))
        #expect(OpenAIWire.delay(beforeRetry: 1, retryAfter: .seconds(2), jitter: 0.9, configuration: configuration) == .seconds(2))
        #expect(OpenAIWire.delay(beforeRetry: 1, retryAfter: .seconds(60), jitter: 0, configuration: configuration) == .seconds(5))
    }

    @Test func retryAfterIsReadInSecondsOrMilliseconds() {
        #expect(OpenAIWire.retryAfter(["retry-after": "3"]) == .seconds(3))
        #expect(OpenAIWire.retryAfter(["retry-after-ms": "250", "retry-after": "3"]) == .milliseconds(250))
        #expect(OpenAIWire.retryAfter(["retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"]) == nil)
        #expect(OpenAIWire.retryAfter([:]) == nil)
    }

    @Test func serviceMessagesAreReadFromOpenAIAndOllamaShapesAndTruncated() {
        #expect(OpenAIWire.serviceMessage(Array(#"{"error":{"message":"bad input","type":"invalid_request_error"}}"#.utf8)) == "bad input")
        #expect(OpenAIWire.serviceMessage(Array(#"{"error":"model \"x\" not found, try pulling it first"}"#.utf8))
                == #"model "x" not found, try pulling it first"#)
        #expect(OpenAIWire.serviceMessage(Array("<html>Bad Gateway</html>\n".utf8)) == "<html>Bad Gateway</html>")
        #expect(OpenAIWire.serviceMessage([]) == nil)
        let long = OpenAIWire.serviceMessage(Array(String(repeating: "x", count: 1000).utf8))
        #expect(long == String(repeating: "x", count: OpenAIEmbeddingConfiguration.serviceMessageCharacterCountMax) + "…")
    }

    @Test func theEndpointKeepsCredentialsButMessagesDropThem() {
        let plain = OpenAIEmbeddingConfiguration(baseURL: "https://me:secret@api.example.com/v1/", model: "m")
        #expect(plain.endpoint == "https://me:secret@api.example.com/v1/embeddings")
        #expect(plain.redactedEndpoint == "https://api.example.com/v1/embeddings")
    }

    @Test func invalidConfigurationsAreRejected() {
        func error(_ change: (inout OpenAIEmbeddingConfiguration) -> Void) -> CortexError? {
            var configuration = OpenAIEmbeddingConfiguration(baseURL: "http://127.0.0.1:1/v1", model: "m")
            change(&configuration)
            do {
                try configuration.validate()
                return nil
            } catch {
                return error
            }
        }
        #expect(error { _ in } == nil)
        #expect(error { $0.baseURL = "ftp://host" } == .invalidInput("embedding base URL must start with http:// or https://"))
        #expect(error { $0.baseURL = "http://host/v1?key=abc" }
                == .invalidInput("embedding base URL must not have a query or fragment (/embeddings is appended to it)"))
        #expect(error { $0.model = "" } == .invalidInput("embedding model name is empty"))
        #expect(error { $0.batchSize = 0 } == .invalidInput("embedding batch size 0 must be in 1...2048"))
        #expect(error { $0.dimensions = 0 } == .invalidInput("embedding dimensions 0 must be in 1...65536"))
        #expect(error { $0.attemptCountMax = 0 } == .invalidInput("embedding attempt count 0 must be in 1...20"))
    }
}
