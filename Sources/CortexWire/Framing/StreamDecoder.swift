/// Turns a byte stream that arrives in arbitrary pieces into a handshake and frames.
///
/// Pure (no I/O): feed received bytes with ``append(_:)``, then call
/// ``nextHandshake()`` once and ``nextFrame()`` until it returns nil. The
/// buffer never holds more than one incomplete frame plus the last chunk
/// appended: a frame header is validated against the limit as soon as its 16
/// bytes are present, before any of its payload is kept for it.
public struct StreamDecoder: Sendable {
    public let payloadByteCountMax: Int
    private var storage: [UInt8] = []
    /// Index of the first byte not yet consumed.
    private var start = 0
    /// The validated header of a frame whose payload is still arriving.
    private var pendingHeader: FrameHeader?

    public init(payloadByteCountMax: Int) {
        precondition(payloadByteCountMax >= 0, "negative frame limit")
        self.payloadByteCountMax = payloadByteCountMax
    }

    /// Bytes received and not yet decoded.
    public var bufferedByteCount: Int { storage.count - start }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        // Compact once the consumed prefix dominates, so the buffer stays O(one frame).
        if start > 0, start >= storage.count / 2 {
            storage.removeFirst(start)
            start = 0
        }
        storage.append(contentsOf: bytes)
    }

    /// The client handshake, or nil while more bytes are needed. Throws `protocol_error`.
    public mutating func nextHandshake() throws(WireError) -> Handshake? {
        guard let (handshake, count) = try Handshake.decode(storage[start...]) else { return nil }
        start += count
        return handshake
    }

    /// The next complete frame, or nil while more bytes are needed.
    ///
    /// Throws `protocol_error` (with the frame's request id) for a payload
    /// over the limit; the stream cannot be resynchronised after that.
    public mutating func nextFrame() throws(WireError) -> Frame? {
        if pendingHeader == nil {
            guard let header = try FrameHeader(decoding: storage[start...], payloadByteCountMax: payloadByteCountMax) else {
                return nil
            }
            start += FrameHeader.byteCount
            pendingHeader = header
        }
        guard let header = pendingHeader else { return nil }
        let length = Int(header.payloadByteCount)
        guard bufferedByteCount >= length else { return nil }
        let payload = Array(storage[start..<(start + length)])
        start += length
        pendingHeader = nil
        return Frame(header: header, payload: payload)
    }
}
