import CortexCore
import Testing

@Suite struct SHA256Tests {
    @Test func matchesTheFIPS180ExampleVectors() {
        #expect(SHA256.hexHash(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexHash([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexHash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hexHash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func paddingBoundariesAroundOneBlockDiffer() {
        // 55, 56 and 64 bytes exercise the one- and two-block padding paths.
        let digests = [55, 56, 63, 64, 65].map { SHA256.hexHash([UInt8](repeating: 0x61, count: $0)) }
        #expect(Set(digests).count == 5)
        #expect(digests[0] == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
    }
}

@Suite struct SHA256StreamingTests {
    /// Any split of the input into updates gives the one-shot digest.
    @Test func splitUpdatesMatchOneShot() {
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 55, 56, 63, 64, 65, 127, 128, 1_000, 4_099] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = SHA256.hash(bytes)
            for _ in 0..<8 {
                var hasher = SHA256()
                var start = 0
                while start < length {
                    let end = min(length, start + Int.random(in: 1...130, using: &generator))
                    hasher.update(Array(bytes[start..<end]))
                    start = end
                }
                #expect(hasher.finalize() == expected, "length \(length)")
            }
        }
    }
}
