/// A frame's fixed 16-byte header (docs/wire-protocol.md §3):
/// `[payload_length u32][opcode u8][flags u8][reserved u16][request_id u64]`, little-endian.
public struct FrameHeader: Sendable, Equatable {
    public static let byteCount = 16

    /// Bytes of payload after the header (the header itself not counted).
    public var payloadByteCount: UInt32
    public var opcode: UInt8
    public var flags: UInt8
    public var reserved: UInt16
    public var requestID: UInt64

    public init(payloadByteCount: UInt32, opcode: UInt8, flags: UInt8 = 0, reserved: UInt16 = 0, requestID: UInt64) {
        self.payloadByteCount = payloadByteCount
        self.opcode = opcode
        self.flags = flags
        self.reserved = reserved
        self.requestID = requestID
    }

    /// Decodes the first 16 bytes of `bytes`; nil if fewer are present.
    ///
    /// Throws `protocol_error` (carrying the header's request id) when the
    /// declared payload exceeds `payloadByteCountMax`, so the caller can refuse
    /// the frame before buffering any of it.
    public init?(decoding bytes: some Collection<UInt8>, payloadByteCountMax: Int) throws(WireError) {
        guard bytes.count >= Self.byteCount else { return nil }
        var reader = PayloadReader([UInt8](bytes.prefix(Self.byteCount)), context: "frame header")
        // Cannot fail: 16 bytes are present and the fields add up to 16.
        do {
            payloadByteCount = try reader.read(UInt32.self, "payload length")
            opcode = try reader.read(UInt8.self, "opcode")
            flags = try reader.read(UInt8.self, "flags")
            reserved = try reader.read(UInt16.self, "reserved")
            requestID = try reader.read(UInt64.self, "request id")
        } catch {
            preconditionFailure("16-byte header failed to decode: \(error)")
        }
        guard Int(payloadByteCount) <= payloadByteCountMax else {
            throw .protocolError(
                "frame payload is \(payloadByteCount) bytes; the limit is \(payloadByteCountMax)", requestID: requestID)
        }
    }

    /// Appends the 16 header bytes to `writer`.
    public func encode(to writer: inout PayloadWriter) {
        writer.write(payloadByteCount)
        writer.write(opcode)
        writer.write(flags)
        writer.write(reserved)
        writer.write(requestID)
    }
}

/// A decoded frame: header and payload bytes.
public struct Frame: Sendable, Equatable {
    public var header: FrameHeader
    public var payload: [UInt8]

    public init(opcode: UInt8, requestID: UInt64, payload: [UInt8], flags: UInt8 = 0, reserved: UInt16 = 0) {
        precondition(payload.count <= Int(UInt32.max), "payload longer than a u32 length")
        header = FrameHeader(payloadByteCount: UInt32(payload.count), opcode: opcode, flags: flags, reserved: reserved, requestID: requestID)
        self.payload = payload
    }

    public init(header: FrameHeader, payload: [UInt8]) {
        precondition(Int(header.payloadByteCount) == payload.count, "header length disagrees with the payload")
        self.header = header
        self.payload = payload
    }

    public var opcode: UInt8 { header.opcode }
    public var requestID: UInt64 { header.requestID }

    /// Header and payload, ready to send.
    public func encoded() -> [UInt8] {
        var writer = PayloadWriter(reservingCapacity: FrameHeader.byteCount + payload.count)
        header.encode(to: &writer)
        writer.write(raw: payload)
        return writer.bytes
    }
}
