import CortexCore
import CortexStorage
import CortexTesting
import Testing

/// Keys must sort bytewise exactly as their values sort, and decode back.
@Suite struct KeyEncodingTests {
    private func expectOrderPreserved<K: OrderedKey & Equatable>(
        _ values: [K], by areInIncreasingOrder: (K, K) -> Bool, seed: UInt64
    ) throws {
        for value in values {
            #expect(try K.decodeKey(value.encodedKey) == value, "seed \(seed): \(value) did not round-trip")
        }
        for (left, right) in zip(values, values.dropFirst()) {
            let byValue = areInIncreasingOrder(left, right)
            let byBytes = left.encodedKey.lexicographicallyPrecedes(right.encodedKey)
            #expect(byValue == byBytes, "seed \(seed): \(left) vs \(right)")
        }
    }

    @Test func signedIntegersKeepOrder() throws {
        var random = SeededGenerator.fromEnvironment()
        var values: [Int64] = [.min, -1, 0, 1, .max]
        values += (0..<3_000).map { _ in Int64.random(in: .min ... .max, using: &random) >> Int64.random(in: 0...62, using: &random) }
        try expectOrderPreserved(values, by: <, seed: random.seed)
        let small: [Int32] = [.min, -5, 0, 5, .max] + (0..<1_000).map { _ in Int32.random(in: .min ... .max, using: &random) }
        try expectOrderPreserved(small, by: <, seed: random.seed)
    }

    @Test func unsignedIntegersKeepOrder() throws {
        var random = SeededGenerator.fromEnvironment()
        let values: [UInt64] = [0, 1, .max] + (0..<3_000).map { _ in random.next() >> UInt64.random(in: 0...63, using: &random) }
        try expectOrderPreserved(values, by: <, seed: random.seed)
    }

    @Test func doublesKeepOrder() throws {
        var random = SeededGenerator.fromEnvironment()
        var values: [Double] = [-.infinity, -1e308, -1, -Double.leastNonzeroMagnitude, 0, Double.leastNonzeroMagnitude, 1, 1e308, .infinity]
        values += (0..<3_000).compactMap { _ in
            let value = Double(bitPattern: random.next())
            return value.isNaN ? nil : value
        }
        try expectOrderPreserved(values, by: <, seed: random.seed)
        #expect((-0.0).encodedKey == 0.0.encodedKey, "-0 and +0 are one key")
    }

    @Test func stringsKeepUTF8ByteOrderIncludingNULs() throws {
        var random = SeededGenerator.fromEnvironment()
        let values = ["", "\u{0}", "\u{0}\u{0}", "a", "a\u{0}", "a\u{0}b", "ab", "b"] + (0..<3_000).map { _ in random.string(maxLength: 12) }
        try expectOrderPreserved(values, by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }, seed: random.seed)
    }

    @Test func tuplesOrderByFirstComponentThenSecond() throws {
        var random = SeededGenerator.fromEnvironment()
        let values = (0..<3_000).map { _ in
            KeyPair(random.string(maxLength: 4), Int64.random(in: -50...50, using: &random))
        }
        try expectOrderPreserved(values, by: { left, right in
            let l = Array(left.first.utf8), r = Array(right.first.utf8)
            return l == r ? left.second < right.second : l.lexicographicallyPrecedes(r)
        }, seed: random.seed)
        let triples = (0..<1_000).map { _ in
            KeyTriple(Bool.random(using: &random), KeyBytes(random.bytes(count: Int.random(in: 0...3, using: &random))), UInt32.random(in: 0...9, using: &random))
        }
        for triple in triples {
            let decoded = try KeyTriple<Bool, KeyBytes, UInt32>.decodeKey(triple.encodedKey)
            #expect(decoded == triple)
        }
    }

    @Test func prefixOfTupleIsPrefixOfEncoding() {
        let key = KeyPair("tenant", UInt64(7))
        #expect(key.encodedKey.starts(with: "tenant".encodedKey))
        // "tenant" must not be a prefix of the encoding of ("tenantx", ...): the terminator separates them.
        #expect(!KeyPair("tenantx", UInt64(7)).encodedKey.starts(with: "tenant".encodedKey))
    }

    @Test func malformedKeysAreCorrupt() {
        #expect(throws: CortexError.corrupt("key truncated: need 8 bytes at offset 0")) { try UInt64.decodeKey([1, 2, 3]) }
        #expect(throws: CortexError.corrupt("key has 1 trailing bytes")) { try UInt32.decodeKey([0, 0, 0, 1, 9]) }
        #expect(throws: CortexError.corrupt("key truncated at offset 2")) { try String.decodeKey([0x61, 0x62]) }
        #expect(throws: CortexError.corrupt("key has byte 7 after 00 at offset 2; expected FF or 01")) { try String.decodeKey([0x61, 0, 7]) }
    }
}

/// Components that follow a string may start with any byte, including FF and 00.
@Suite struct KeyEncodingBoundaryTests {
    @Test func aStringFollowedByFFBytesStillDecodesAndOrders() throws {
        let maxAfterA = KeyPair("a", UInt64.max)
        let zeroAfterANul = KeyPair("a\u{0}", UInt64(0))
        #expect(try KeyPair<String, UInt64>.decodeKey(maxAfterA.encodedKey) == maxAfterA)
        #expect(try KeyPair<String, UInt64>.decodeKey(zeroAfterANul.encodedKey) == zeroAfterANul)
        #expect(maxAfterA.encodedKey.lexicographicallyPrecedes(zeroAfterANul.encodedKey), "(\"a\", max) < (\"a\\0\", 0)")
        let bytesThenMax = KeyPair(KeyBytes([0, 0xFF]), UInt32.max)
        #expect(try KeyPair<KeyBytes, UInt32>.decodeKey(bytesThenMax.encodedKey) == bytesThenMax)
    }

    @Test func randomPairsWithExtremeSecondComponentsKeepOrder() throws {
        var random = SeededGenerator.fromEnvironment()
        let seconds: [UInt64] = [0, 1, 0xFF, 0xFF00_0000_0000_0000, .max]
        let keys = (0..<2_000).map { _ in KeyPair(random.string(maxLength: 3), seconds.randomElement(using: &random)!) }
        for (left, right) in zip(keys, keys.dropFirst()) {
            let l = Array(left.first.utf8), r = Array(right.first.utf8)
            let byValue = l == r ? left.second < right.second : l.lexicographicallyPrecedes(r)
            #expect(byValue == left.encodedKey.lexicographicallyPrecedes(right.encodedKey), "seed \(random.seed): \(left) vs \(right)")
            #expect(try KeyPair<String, UInt64>.decodeKey(left.encodedKey) == left)
        }
    }

    @Test func prefixScansDoNotMatchLongerStringsWithEmbeddedNUL() throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close(); _ = directory }
        let table: Table<KeyPair<String, UInt64>, [UInt8]> = try engine.system.table("t")
        try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
            try table.put([1], for: KeyPair("ab", 1), in: &tx)
            try table.put([2], for: KeyPair("ab\u{0}x", 2), in: &tx)
            try table.put([3], for: KeyPair("ab", UInt64.max), in: &tx)
        }
        let found = try engine.system.read { (tx: borrowing ReadTransaction) throws(CortexError) -> [UInt64] in
            var seconds: [UInt64] = []
            try table.forEach(in: tx, prefix: "ab") { key, _ in
                seconds.append(key.second)
                return true
            }
            return seconds
        }
        #expect(found == [1, UInt64.max])
    }
}
