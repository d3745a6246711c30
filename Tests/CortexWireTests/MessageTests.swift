import CortexCore
import CortexWire
import Testing

@Suite struct MessageTests {
    let limits = WireLimits()

    @Test(arguments: WireSamples.requests)
    func everyRequestSurvivesAnEncodeDecodeRoundTrip(_ request: WireRequest) throws {
        let frame = request.frame(requestID: 42)
        var decoder = StreamDecoder(payloadByteCountMax: limits.framePayloadByteCountMax)
        decoder.append(frame.encoded())
        let received = try #require(try decoder.nextFrame())
        #expect(received.requestID == 42)
        let kind = try #require(RequestKind(rawValue: received.opcode))
        #expect(try WireRequest.decode(kind: kind, payload: received.payload, limits: limits) == request)
    }

    @Test func everyResponseSurvivesAnEncodeDecodeRoundTrip() throws {
        for (kind, response) in WireSamples.responses {
            let frame = response.frame(for: kind, requestID: 9)
            #expect(frame.opcode == kind.rawValue | 0x80)
            #expect(try WireResponse.decode(kind: kind, payload: frame.payload, limits: limits) == response)
        }
    }

    @Test func everyTruncatedRequestPayloadIsInvalidInput() {
        // PING takes any bytes, so no prefix of it is malformed.
        for request in WireSamples.requests where request.kind != .ping {
            let payload = request.encodedPayload()
            for cut in 0..<payload.count {
                #expect(throws: WireError.self) {
                    try WireRequest.decode(kind: request.kind, payload: Array(payload.prefix(cut)), limits: limits)
                }
            }
        }
    }

    @Test func everyTruncatedResponsePayloadFailsToDecode() {
        for (kind, response) in WireSamples.responses where kind != .ping && kind != .collectionDrop {
            let payload = response.encodedPayload()
            for cut in 0..<payload.count {
                #expect(throws: WireError.self) { try WireResponse.decode(kind: kind, payload: Array(payload.prefix(cut)), limits: limits) }
            }
        }
    }

    @Test func trailingBytesAreRejected() {
        var payload = WireRequest.count(collection: "docs").encodedPayload()
        payload.append(0)
        #expect(throws: WireError(.invalidInput, "COUNT: 1 unexpected trailing bytes at byte 8")) {
            try WireRequest.decode(kind: .count, payload: payload, limits: limits)
        }
    }

    @Test func aBatchOverTheLimitIsTooLargeBeforeAnyRecordIsRead() {
        var writer = PayloadWriter()
        writer.write("docs")
        writer.write(UInt32(10_001))
        #expect(throws: WireError(.tooLarge, "UPSERT: record count is 10001; the limit is 10000")) {
            try WireRequest.decode(kind: .upsert, payload: writer.bytes, limits: limits)
        }
    }

    @Test func aCountLargerThanTheBytesLeftIsRefusedWithoutAllocating() {
        var writer = PayloadWriter()
        writer.write("docs")
        writer.write(UInt32(9_000))
        writer.write(raw: [UInt8](repeating: 0, count: 100))
        #expect(throws: WireError.self) { try WireRequest.decode(kind: .upsert, payload: writer.bytes, limits: limits) }
        var ids = PayloadWriter()
        ids.write("docs")
        ids.write(UInt32(5_000))
        #expect(throws: WireError(.invalidInput, "DELETE: id count 5000 at byte 8 needs at least 20000 bytes; 0 left")) {
            try WireRequest.decode(kind: .delete, payload: ids.bytes, limits: limits)
        }
    }

    @Test func queryLimitsAreChecked() {
        let tooMany = QueryRequest(collection: "docs", vector: [1], k: 4_097)
        #expect(throws: WireError(.invalidInput, "QUERY: k must be 1-4096; got 4097")) {
            try WireRequest.decode(kind: .query, payload: WireRequest.query(tooMany).encodedPayload(), limits: limits)
        }
        let wide = QueryRequest(collection: "docs", vector: [Float](repeating: 1, count: 4_097), k: 1)
        #expect(throws: WireError(.tooLarge, "QUERY: query vector dimension is 4097; the limit is 4096")) {
            try WireRequest.decode(kind: .query, payload: WireRequest.query(wide).encodedPayload(), limits: limits)
        }
        var badInclude = WireRequest.query(QueryRequest(collection: "d", vector: [1], k: 1)).encodedPayload()
        badInclude[4 + 1 + 8] = 0x10
        #expect(throws: WireError(.invalidInput, "QUERY: include bits 16 set undefined bits (defined: 1 metadata, 2 document, 4 vector)")) {
            try WireRequest.decode(kind: .query, payload: badInclude, limits: limits)
        }
    }

    @Test func invalidUTF8AndBadPresenceBytesAreInvalidInput() {
        var writer = PayloadWriter()
        writer.write(UInt32(2))
        writer.write(raw: [0xC3, 0x28])
        #expect(throws: WireError(.invalidInput, "COUNT: collection at byte 0 is not valid UTF-8")) {
            try WireRequest.decode(kind: .count, payload: writer.bytes, limits: limits)
        }
        var upsert = WireRequest.upsert(UpsertRequest(collection: "d", records: [WireRecord(id: "a", vector: [1])])).encodedPayload()
        upsert[upsert.count - 1] = 7
        #expect(throws: WireError.self) { try WireRequest.decode(kind: .upsert, payload: upsert, limits: limits) }
    }

    @Test func helloAndErrorFramesRoundTrip() throws {
        let hello = Hello(limits: limits, tenantID: "acme", keyID: "key_1", scopeBits: 6)
        let frame = hello.frame()
        #expect(frame.opcode == 0x80 && frame.requestID == 0)
        #expect(try Hello(payload: frame.payload) == hello)
        let error = WireError(.notFound, "collection 'x' does not exist", requestID: 9)
        let errorFrame = error.frame()
        #expect(try WireError(errorPayload: errorFrame.payload, requestID: errorFrame.requestID) == error)
        var unknown = errorFrame.payload
        unknown[0] = 200
        #expect(try WireError(errorPayload: unknown, requestID: 9).code == .internal, "unknown codes read as internal")
    }

    @Test func everyCortexErrorCodeHasAWireCode() {
        for code in CortexError.Code.allCases {
            #expect(WireErrorCode(code).name == code.rawValue)
        }
    }
}
