import CortexCore

/// The client's opening bytes (docs/wire-protocol.md §2.1):
/// `"CRTX"`, u16 version, u16 flags, u32 key byte count, key bytes.
public struct Handshake: Sendable, Equatable {
    public static let magic: [UInt8] = Array("CRTX".utf8)
    public static let currentVersion: UInt16 = 1
    /// Bytes before the key.
    public static let fixedByteCount = 12

    public var version: UInt16
    public var flags: UInt16
    public var apiKey: String

    public init(apiKey: String, version: UInt16 = Handshake.currentVersion, flags: UInt16 = 0) {
        self.apiKey = apiKey
        self.version = version
        self.flags = flags
    }

    public func encoded() -> [UInt8] {
        var writer = PayloadWriter(reservingCapacity: Self.fixedByteCount + apiKey.utf8.count)
        writer.write(raw: Self.magic)
        writer.write(version)
        writer.write(flags)
        writer.write(UInt32(apiKey.utf8.count))
        writer.write(raw: apiKey.utf8)
        return writer.bytes
    }

    /// Decodes a handshake from the front of `bytes`; nil while more bytes are needed.
    ///
    /// Each field is checked as soon as its bytes are present: a wrong magic
    /// fails after 4 bytes. Errors are `protocol_error` (request id 0); the
    /// returned count is the number of bytes consumed.
    public static func decode(_ bytes: some Collection<UInt8>) throws(WireError) -> (handshake: Handshake, byteCount: Int)? {
        let prefix = Array(bytes.prefix(fixedByteCount))
        let magicCount = min(prefix.count, magic.count)
        guard prefix[0..<magicCount].elementsEqual(magic[0..<magicCount]) else {
            throw .protocolError("not a Cortex wire client: the handshake must start with \"CRTX\"")
        }
        guard prefix.count >= 6 else { return nil }
        let version = UInt16(prefix[4]) | UInt16(prefix[5]) << 8
        guard version == currentVersion else {
            throw .protocolError("protocol version \(version) is not supported; this server speaks version \(currentVersion)")
        }
        guard prefix.count >= 8 else { return nil }
        let flags = UInt16(prefix[6]) | UInt16(prefix[7]) << 8
        guard flags == 0 else { throw .protocolError("handshake flags are \(flags); version 1 defines none (must be 0)") }
        guard prefix.count >= fixedByteCount else { return nil }
        let keyByteCount = Int(UInt32(prefix[8]) | UInt32(prefix[9]) << 8 | UInt32(prefix[10]) << 16 | UInt32(prefix[11]) << 24)
        guard (1...Limits.wireAPIKeyByteCountMax).contains(keyByteCount) else {
            throw .protocolError("API key is \(keyByteCount) bytes; it must be 1-\(Limits.wireAPIKeyByteCountMax)")
        }
        guard bytes.count >= fixedByteCount + keyByteCount else { return nil }
        let keyBytes = bytes.dropFirst(fixedByteCount).prefix(keyByteCount)
        guard let key = String(validating: keyBytes, as: UTF8.self) else {
            throw .protocolError("API key is not valid UTF-8")
        }
        return (Handshake(apiKey: key, version: version, flags: flags), fixedByteCount + keyByteCount)
    }
}
