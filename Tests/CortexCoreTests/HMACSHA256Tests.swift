import CortexCore
import Testing

@Suite struct HMACSHA256Tests {
    private func hex(_ message: [UInt8], key: [UInt8]) -> String {
        SHA256.hex(HMACSHA256.authenticationCode(for: message, key: key))
    }

    @Test func matchesRFC4231TestCases() {
        // RFC 4231 §4.2, §4.3, §4.4, §4.7 (HMAC-SHA-256 rows).
        #expect(hex(Array("Hi There".utf8), key: Array(repeating: 0x0b, count: 20))
            == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(hex(Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(hex(Array(repeating: 0xdd, count: 50), key: Array(repeating: 0xaa, count: 20))
            == "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")
        #expect(hex(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8), key: Array(repeating: 0xaa, count: 131))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }
}
