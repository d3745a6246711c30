import CortexTesting
import CortexWire
import Testing

@Suite struct StreamDecoderTests {
    static let limit = 1 << 20

    func hex(_ bytes: [UInt8]) -> String { bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: " ") }

    @Test func theSpecificationsHexExamplesAreWhatTheCodecWrites() {
        #expect(hex(Handshake(apiKey: "ck_test").encoded()) == "43 52 54 58 01 00 00 00 07 00 00 00 63 6b 5f 74 65 73 74")
        #expect(hex(WireRequest.ping(Array("hi".utf8)).frame(requestID: 1).encoded())
                == "02 00 00 00 01 00 00 00 01 00 00 00 00 00 00 00 68 69")
        #expect(hex(WireResponse.pong(Array("hi".utf8)).frame(for: .ping, requestID: 1).encoded())
                == "02 00 00 00 81 00 00 00 01 00 00 00 00 00 00 00 68 69")
        #expect(hex(WireRequest.count(collection: "docs").frame(requestID: 7).encoded())
                == "08 00 00 00 24 00 00 00 07 00 00 00 00 00 00 00 04 00 00 00 64 6f 63 73")
        #expect(hex(WireResponse.count(1_000).frame(for: .count, requestID: 7).encoded())
                == "08 00 00 00 a4 00 00 00 07 00 00 00 00 00 00 00 e8 03 00 00 00 00 00 00")
        let error = WireError(.notFound, "collection 'x' does not exist", requestID: 9).frame().encoded()
        #expect(hex(Array(error.prefix(28))) == "25 00 00 00 ff 00 00 00 09 00 00 00 00 00 00 00 02 00 00 00 1d 00 00 00 63 6f 6c 6c")
    }

    @Test func everyPrefixOfAValidFrameWaitsForMoreBytes() throws {
        for request in WireSamples.requests {
            let bytes = request.frame(requestID: 5).encoded()
            for cut in 0..<bytes.count {
                var decoder = StreamDecoder(payloadByteCountMax: Self.limit)
                decoder.append(bytes.prefix(cut))
                #expect(try decoder.nextFrame() == nil, "cut at \(cut) of \(bytes.count)")
                decoder.append(bytes.dropFirst(cut))
                #expect(try decoder.nextFrame() == request.frame(requestID: 5))
                #expect(decoder.bufferedByteCount == 0)
            }
        }
    }

    @Test func framesSplitAnywhereDecodeInOrder() throws {
        var generator = SeededGenerator.fromEnvironment()
        let frames = (0..<200).map { index in WireSamples.requests[index % WireSamples.requests.count].frame(requestID: UInt64(index + 1)) }
        let stream = frames.flatMap { $0.encoded() }
        var decoder = StreamDecoder(payloadByteCountMax: Self.limit)
        var received: [Frame] = []
        var position = 0
        while position < stream.count {
            let chunk = Int.random(in: 1...64, using: &generator)
            decoder.append(stream[position..<min(position + chunk, stream.count)])
            position += chunk
            while let frame = try decoder.nextFrame() { received.append(frame) }
        }
        #expect(received == frames, "seed \(generator.seed)")
    }

    @Test func anOversizeLengthIsRefusedFromTheHeaderAlone() {
        var decoder = StreamDecoder(payloadByteCountMax: 1_000)
        let header = FrameHeader(payloadByteCount: 1_001, opcode: 0x20, requestID: 77)
        var writer = PayloadWriter()
        header.encode(to: &writer)
        decoder.append(writer.bytes)
        #expect(throws: WireError(.protocolError, "frame payload is 1001 bytes; the limit is 1000", requestID: 77)) {
            try decoder.nextFrame()
        }
        var maximal = StreamDecoder(payloadByteCountMax: Self.limit)
        var huge = PayloadWriter()
        FrameHeader(payloadByteCount: UInt32.max, opcode: 1, requestID: 1).encode(to: &huge)
        maximal.append(huge.bytes)
        #expect(throws: WireError.self) { try maximal.nextFrame() }
    }

    @Test func unknownOpcodesStillDecodeAsFramesSoTheServerCanAnswerThem() throws {
        var decoder = StreamDecoder(payloadByteCountMax: Self.limit)
        decoder.append(Frame(opcode: 0x7E, requestID: 3, payload: [1, 2, 3]).encoded())
        decoder.append(Frame(opcode: 0x42, requestID: 4, payload: []).encoded())
        let unknown = try #require(try decoder.nextFrame())
        #expect(RequestKind(rawValue: unknown.opcode) == nil)
        let reserved = try #require(try decoder.nextFrame())
        #expect(Opcode.reservedAnalytics.contains(reserved.opcode))
        #expect(RequestKind(rawValue: reserved.opcode) == nil)
    }

    @Test func aValidHandshakeIsFollowedByFramesInTheSameBuffer() throws {
        let bytes = Handshake(apiKey: "ck_abc").encoded() + WireRequest.collectionList.frame(requestID: 1).encoded()
        for cut in 0..<bytes.count {
            var decoder = StreamDecoder(payloadByteCountMax: Self.limit)
            decoder.append(bytes.prefix(cut))
            var handshake = try decoder.nextHandshake()
            decoder.append(bytes.dropFirst(cut))
            if handshake == nil { handshake = try decoder.nextHandshake() }
            #expect(handshake?.apiKey == "ck_abc")
            #expect(try decoder.nextFrame()?.opcode == RequestKind.collectionList.rawValue)
        }
    }

    @Test func badHandshakesFailAsSoonAsTheBadFieldArrives() {
        func failure(_ bytes: [UInt8]) -> WireError? {
            var decoder = StreamDecoder(payloadByteCountMax: Self.limit)
            decoder.append(bytes)
            do {
                _ = try decoder.nextHandshake()
                return nil
            } catch {
                return error
            }
        }
        #expect(failure(Array("G".utf8))?.message == "not a Cortex wire client: the handshake must start with \"CRTX\"")
        #expect(failure(Array("GET / HTTP/1.1\r\n".utf8))?.code == .protocolError)
        #expect(failure(Array("CRTX".utf8) + [2, 0])?.message == "protocol version 2 is not supported; this server speaks version 1")
        #expect(failure(Array("CRTX".utf8) + [1, 0, 1, 0])?.message == "handshake flags are 1; version 1 defines none (must be 0)")
        #expect(failure(Array("CRTX".utf8) + [1, 0, 0, 0, 0, 0, 0, 0])?.message == "API key is 0 bytes; it must be 1-256")
        #expect(failure(Array("CRTX".utf8) + [1, 0, 0, 0, 1, 1, 0, 0])?.message == "API key is 257 bytes; it must be 1-256")
        #expect(failure(Array("CRTX".utf8) + [1, 0, 0, 0, 2, 0, 0, 0, 0xFF, 0xFE])?.message == "API key is not valid UTF-8")
        #expect(failure(Array("CRT".utf8)) == nil, "a correct prefix waits")
    }

    @Test func randomBytesNeverCrashAnyDecoder() {
        var generator = SeededGenerator.fromEnvironment()
        let limits = WireLimits(framePayloadByteCountMax: 4_096, batchCountMax: 64, kMax: 64, dimensionMax: 64)
        for _ in 0..<3_000 {
            let bytes = generator.bytes(count: Int.random(in: 0...96, using: &generator))
            var decoder = StreamDecoder(payloadByteCountMax: limits.framePayloadByteCountMax)
            decoder.append(bytes)
            _ = try? decoder.nextHandshake()
            _ = try? decoder.nextFrame()
            for kind in RequestKind.allCases {
                _ = try? WireRequest.decode(kind: kind, payload: bytes, limits: limits)
                _ = try? WireResponse.decode(kind: kind, payload: bytes, limits: limits)
            }
            _ = try? Hello(payload: bytes)
            _ = try? WireError(errorPayload: bytes, requestID: 1)
        }
    }

    @Test func mutatedValidPayloadsNeverCrashAndReencodeStably() throws {
        var generator = SeededGenerator.fromEnvironment()
        let limits = WireLimits()
        for _ in 0..<2_000 {
            let request = WireSamples.requests.randomElement(using: &generator)!
            var payload = request.encodedPayload()
            guard !payload.isEmpty else { continue }
            payload[Int.random(in: 0..<payload.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            guard let decoded = try? WireRequest.decode(kind: request.kind, payload: payload, limits: limits) else { continue }
            let again = try WireRequest.decode(kind: request.kind, payload: decoded.encodedPayload(), limits: limits)
            #expect(again.encodedPayload() == decoded.encodedPayload(), "seed \(generator.seed)")
        }
    }
}
