import CortexClient
import CortexTesting
import CortexWire
import Foundation
import Testing

/// Bad bytes on the wire get the specified answer, and the server keeps serving and loses nothing.
@Suite struct WireAbuseTests {
    /// A running server with `docs` holding 50 records, and a key.
    func prepared(environment: [String: String] = [:]) async throws -> (WireFixture, String) {
        let fixture = try WireFixture()
        let key = try fixture.mintKey().key
        try fixture.start(environment: environment)
        let client = try await fixture.connect(key)
        _ = try await client.createCollection(CollectionSpec(name: "docs", dimension: 4, metric: .l2))
        _ = try await client.upsert(collection: "docs", records: VectorData(count: 50, dimension: 4, seed: 1).records(0..<50))
        await client.close()
        return (fixture, key)
    }

    /// A fresh connection still works and the data is intact.
    func expectServing(_ fixture: WireFixture, _ key: String) async throws {
        let client = try await fixture.connect(key)
        #expect(try await client.count(collection: "docs") == 50)
        #expect(try await client.get(collection: "docs", ids: ["49"]).first?.document == "document 49")
        await client.close()
    }

    @Test func anUnknownOpcodeGetsAProtocolErrorAndTheConnectionContinues() async throws {
        let (fixture, key) = try await prepared()
        let socket = try fixture.rawSession(key)
        try socket.send(Frame(opcode: 0x7E, requestID: 5, payload: [1, 2, 3]).encoded())
        try socket.send(Frame(opcode: 0x42, requestID: 6, payload: []).encoded())
        try socket.send(Frame(opcode: 0xA4, requestID: 7, payload: []).encoded())
        try socket.send(WireRequest.count(collection: "docs").frame(requestID: 8).encoded())
        socket.shutdownWrite()
        let frames = try WireFixture.frames(in: try socket.readToEnd())
        #expect(frames.map(\.requestID) == [5, 6, 7, 8])
        #expect(try WireFixture.error(frames[0]) == WireError(.protocolError, "unknown opcode 0x7e", requestID: 5))
        #expect(try WireFixture.error(frames[1]) == WireError(.unsupported, "opcode 0x42 (analytics, reserved) is not supported by this server", requestID: 6))
        #expect(try WireFixture.error(frames[2]) == WireError(.protocolError, "unknown opcode 0xa4", requestID: 7))
        #expect(try WireResponse.decode(kind: .count, payload: frames[3].payload, limits: WireLimits()) == .count(50))
        try await expectServing(fixture, key)
    }

    @Test func aMalformedPayloadIsAnsweredAndTheConnectionContinues() async throws {
        let (fixture, key) = try await prepared()
        let socket = try fixture.rawSession(key)
        var payload = WireRequest.count(collection: "docs").encodedPayload()
        payload.append(0xFF)
        try socket.send(Frame(opcode: RequestKind.count.rawValue, requestID: 1, payload: payload).encoded())
        try socket.send(Frame(opcode: RequestKind.count.rawValue, requestID: 2, payload: [9, 0, 0, 0]).encoded())
        let wide = WireRequest.query(QueryRequest(collection: "docs", vector: [1, 2, 3], k: 1)).frame(requestID: 3)
        try socket.send(wide.encoded())
        try socket.send(Frame(opcode: RequestKind.ping.rawValue, requestID: 4, payload: [], flags: 1).encoded())
        socket.shutdownWrite()
        // Answers come in completion order; the query ran on the thread pool.
        let errors = try WireFixture.frames(in: try socket.readToEnd()).map(WireFixture.error).sorted { $0.requestID < $1.requestID }
        #expect(errors == [
            WireError(.invalidInput, "COUNT: 1 unexpected trailing bytes at byte 8", requestID: 1),
            WireError(.invalidInput, "COUNT: collection at byte 0 needs 9 bytes; 0 left", requestID: 2),
            WireError(.invalidInput, "query vector has 3 dimensions; collection 'docs' expects 4", requestID: 3),
            WireError(.protocolError, "frame flags and reserved bits must be 0 in version 1", requestID: 4),
        ])
        try await expectServing(fixture, key)
    }

    @Test func aReusedOrZeroRequestIDEndsTheConnectionAfterTheInFlightAnswers() async throws {
        let (fixture, key) = try await prepared()
        let socket = try fixture.rawSession(key)
        // Both frames arrive in one read, so the first is still in flight when the second is decoded.
        try socket.send(WireRequest.count(collection: "docs").frame(requestID: 5).encoded() + WireRequest.count(collection: "docs").frame(requestID: 5).encoded())
        let frames = try WireFixture.frames(in: try socket.readToEnd())
        #expect(frames.map(\.requestID) == [5, 0])
        #expect(try WireResponse.decode(kind: .count, payload: frames[0].payload, limits: WireLimits()) == .count(50))
        #expect(try WireFixture.error(frames[1]) == WireError(.protocolError, "request id 5 is already in flight"))

        let zero = try fixture.rawSession(key)
        try zero.send(WireRequest.count(collection: "docs").frame(requestID: 0).encoded())
        #expect(try WireFixture.frames(in: try zero.readToEnd()).map(WireFixture.error) == [
            WireError(.protocolError, "request id 0 is reserved for the server"),
        ])
        try await expectServing(fixture, key)
    }

    @Test func anOversizedFrameLengthIsRefusedAndTheConnectionClosed() async throws {
        let (fixture, key) = try await prepared()
        let socket = try fixture.rawSession(key)
        var header = PayloadWriter()
        FrameHeader(payloadByteCount: 16_777_217, opcode: RequestKind.upsert.rawValue, requestID: 11).encode(to: &header)
        try socket.send(header.bytes)
        let frames = try WireFixture.frames(in: try socket.readToEnd())
        #expect(try frames.map(WireFixture.error) == [
            WireError(.protocolError, "frame payload is 16777217 bytes; the limit is 16777216", requestID: 11),
        ])
        try await expectServing(fixture, key)
    }

    @Test func garbageAfterTheHandshakeClosesOnlyThatConnection() async throws {
        let (fixture, key) = try await prepared()
        let socket = try fixture.rawSession(key)
        // "GET " read as a frame length is 542,393,671 bytes: over the limit; "TP/1.1\r\n" is read as the request id.
        try socket.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        let frames = try WireFixture.frames(in: try socket.readToEnd())
        #expect(try frames.map(WireFixture.error) == [
            WireError(.protocolError, "frame payload is 542393671 bytes; the limit is 16777216", requestID: 724_289_189_539_958_868),
        ])
        let stranger = try RawSocket(port: fixture.wirePort)
        try stranger.send(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(try WireFixture.frames(in: try stranger.readToEnd()).map(WireFixture.error) == [
            WireError(.protocolError, "not a Cortex wire client: the handshake must start with \"CRTX\""),
        ])
        try await expectServing(fixture, key)
    }

    @Test func aTruncatedFrameIsDroppedAndEarlierRequestsAreStillAnswered() async throws {
        let (fixture, key) = try await prepared()
        let socket = try fixture.rawSession(key)
        let upsert = WireRequest.upsert(UpsertRequest(collection: "docs", records: [WireRecord(id: "half", vector: [1, 1, 1, 1])]))
        try socket.send(WireRequest.count(collection: "docs").frame(requestID: 1).encoded())
        try socket.send(Array(upsert.frame(requestID: 2).encoded().prefix(30)))
        socket.shutdownWrite()
        let frames = try WireFixture.frames(in: try socket.readToEnd())
        #expect(frames.map(\.requestID) == [1], "the cut-off upsert is never executed")
        try await expectServing(fixture, key)
        let client = try await fixture.connect(key)
        #expect(try await client.get(collection: "docs", ids: ["half"]).isEmpty)
    }

    @Test func badHandshakesAreRefusedWithAReason() async throws {
        let (fixture, key) = try await prepared()
        func refusal(_ bytes: [UInt8]) throws -> [WireError] {
            let socket = try RawSocket(port: fixture.wirePort)
            try socket.send(bytes)
            return try WireFixture.frames(in: try socket.readToEnd()).map(WireFixture.error)
        }
        #expect(try refusal(Array("CRTX".utf8) + [2, 0, 0, 0]) == [WireError(.protocolError, "protocol version 2 is not supported; this server speaks version 1")])
        #expect(try refusal(Array("CRTX".utf8) + [1, 0, 0, 0, 0, 4, 0, 0]) == [WireError(.protocolError, "API key is 1024 bytes; it must be 1-256")])
        #expect(try refusal(Handshake(apiKey: "ck_nope").encoded()) == [WireError(.unauthorized, "invalid or revoked API key")])
        let early = try RawSocket(port: fixture.wirePort)
        try early.send(Array("CRTX".utf8))
        early.shutdownWrite()
        #expect(try WireFixture.frames(in: try early.readToEnd()).map(WireFixture.error) == [
            WireError(.protocolError, "connection closed before the handshake was complete"),
        ])
        try await expectServing(fixture, key)
    }

    @Test func anIdleConnectionIsClosedWithATimeoutError() throws {
        // Raw sockets only: with a 1 s idle timeout, a client task waiting to be scheduled could itself go idle.
        let fixture = try WireFixture()
        let key = try fixture.mintKey().key
        try fixture.start(environment: ["CORTEX_SERVER_WIRE_IDLE_TIMEOUT_SECONDS": "1"])
        let idle = try fixture.rawSession(key)
        #expect(try WireFixture.frames(in: try idle.readToEnd()).map(WireFixture.error) == [
            WireError(.timeout, "connection idle for 1 s; closing"),
        ])
        let next = try fixture.rawSession(key)
        try next.send(WireRequest.ping([7]).frame(requestID: 1).encoded())
        #expect(try WireFixture.readFrame(next) == WireResponse.pong([7]).frame(for: .ping, requestID: 1), "the server keeps serving")
    }
}
