import CortexWire

/// libFuzzer body for the wire decoder (docs/wire-protocol.md; /shared FUZZING.md recipe).
///
/// Input layout: byte 0 picks the chunk size (1–64) the rest is fed in, so
/// arbitrary splits are explored; byte 1 bit 0 says whether the stream starts
/// with a handshake. Every byte string must decode or throw, never trap; the
/// invariants below are `precondition`s so a violation is a crash the fuzzer keeps.
public func fuzzWireFrame(_ bytes: UnsafeRawBufferPointer) {
    let input = unsafe [UInt8](bytes)
    guard input.count >= 2 else { return }
    let chunk = Int(input[0] % 64) + 1
    let expectsHandshake = input[1] & 1 == 1
    let stream = input.dropFirst(2)
    let limits = WireLimits(framePayloadByteCountMax: 4_096, batchCountMax: 32, kMax: 32, dimensionMax: 64, inFlightMax: 4)
    var decoder = StreamDecoder(payloadByteCountMax: limits.framePayloadByteCountMax)
    var handshakeDone = !expectsHandshake
    var position = stream.startIndex
    while position < stream.endIndex {
        let end = min(position + chunk, stream.endIndex)
        decoder.append(stream[position..<end])
        position = end
        precondition(decoder.bufferedByteCount <= FrameHeader.byteCount + limits.framePayloadByteCountMax + chunk,
                     "decoder buffered more than one frame and one chunk")
        do {
            if !handshakeDone {
                guard let handshake = try decoder.nextHandshake() else { continue }
                precondition((1...256).contains(handshake.apiKey.utf8.count), "accepted key length out of range")
                handshakeDone = true
            }
            while let frame = try decoder.nextFrame() {
                checkFrame(frame, limits: limits)
            }
        } catch {
            // A decoding error ends the connection; nothing more is read from this stream.
            return
        }
    }
}

/// Decodes a frame as every message it could be and checks that what decodes re-encodes stably.
private func checkFrame(_ frame: Frame, limits: WireLimits) {
    precondition(frame.payload.count <= limits.framePayloadByteCountMax, "frame over the limit was accepted")
    precondition(Int(frame.header.payloadByteCount) == frame.payload.count, "header length disagrees with the payload")
    let kind = RequestKind(rawValue: frame.opcode & 0x7F)
    if let kind {
        do {
            let request = try WireRequest.decode(kind: kind, payload: frame.payload, limits: limits)
            let again = try WireRequest.decode(kind: kind, payload: request.encodedPayload(), limits: limits)
            precondition(again.encodedPayload() == request.encodedPayload(), "request re-encoding is not stable")
        } catch {
            // Malformed payloads are answered with an error frame; that is the expected outcome.
        }
        do {
            let response = try WireResponse.decode(kind: kind, payload: frame.payload, limits: limits)
            precondition(response.encodedPayload() == frame.payload, "response decoding lost or invented bytes")
        } catch {
            // Not a valid response payload: fine.
        }
    }
    do {
        let error = try WireError(errorPayload: frame.payload, requestID: frame.requestID)
        precondition(error.frame().payload.count <= frame.payload.count, "error re-encoding grew")
    } catch {
        // Not an error payload.
    }
    do {
        _ = try Hello(payload: frame.payload)
    } catch {
        // Not a HELLO payload.
    }
}
