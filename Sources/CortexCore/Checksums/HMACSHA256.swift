/// HMAC-SHA256 (RFC 2104 over FIPS 180-4 SHA-256): the keyed hash behind AWS
/// Signature V4. Verified against the RFC 4231 test cases in CortexCoreTests.
public enum HMACSHA256 {
    /// SHA-256's block size in bytes; keys longer than this are hashed first (RFC 2104 §2).
    static let blockByteCount = 64

    /// The 32-byte MAC of `message` under `key`. Cost: two SHA-256 passes over
    /// `message.count + 64` and `96` bytes.
    public static func authenticationCode(for message: some Collection<UInt8>, key: some Collection<UInt8>) -> [UInt8] {
        var block = key.count > blockByteCount ? SHA256.hash(key) : Array(key)
        block.append(contentsOf: repeatElement(0, count: blockByteCount - block.count))
        var inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(Array(message))
        let innerDigest = inner.finalize()
        var outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
        outer.update(innerDigest)
        return outer.finalize()
    }

    /// The MAC of a UTF-8 string (SigV4 signs text).
    public static func authenticationCode(for message: String, key: some Collection<UInt8>) -> [UInt8] {
        authenticationCode(for: Array(message.utf8), key: key)
    }
}
