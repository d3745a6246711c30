/// SplitMix64: a small, fast, seedable generator so property tests replay exactly.
///
/// Tests print the seed in their failure messages; rerun with the same seed
/// (e.g. `CORTEX_TEST_SEED=...`) to reproduce.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    public let seed: UInt64
    private var state: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    /// A generator seeded from `CORTEX_TEST_SEED` if set, otherwise from the system RNG.
    public static func fromEnvironment() -> SeededGenerator {
        if let text = ProcessInfoShim.environment("CORTEX_TEST_SEED"), let seed = UInt64(text) {
            return SeededGenerator(seed: seed)
        }
        return SeededGenerator(seed: UInt64.random(in: 0...UInt64.max))
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// Random bytes of the given length.
    public mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }

    /// A random string mixing ASCII, multi-byte scalars and the NUL character.
    public mutating func string(maxLength: Int) -> String {
        let alphabet: [Unicode.Scalar] = ["a", "b", "z", "A", "0", "\u{0}", "\u{1}", "é", "ß", "€", "中", "😀", "\u{FFFF}", " ", "~"]
        let length = Int.random(in: 0...maxLength, using: &self)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length { scalars.append(alphabet.randomElement(using: &self)!) }
        return String(scalars)
    }
}

import Foundation

enum ProcessInfoShim {
    static func environment(_ name: String) -> String? { ProcessInfo.processInfo.environment[name] }
}
