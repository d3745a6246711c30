import CortexCore
@testable import CortexVector
import Foundation

/// Parses JSON text into a `JSONValue`, failing the test on malformed fixtures.
func json(_ text: String) throws(CortexError) -> JSONValue {
    try JSONValue.parse(Data(text.utf8))
}

/// Parses a `where` filter given as JSON text.
func whereFilter(_ text: String) throws(CortexError) -> MetadataFilter {
    try MetadataFilter.parse(json(text))
}

/// Parses a `where_document` filter given as JSON text.
func documentFilter(_ text: String) throws(CortexError) -> DocumentFilter {
    try DocumentFilter.parse(json(text))
}

/// The error `body` throws, or nil when it succeeds.
func thrownError<T>(_ body: () throws(CortexError) -> T) -> CortexError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// SplitMix64 (same sequence as CortexTesting's `SeededGenerator`), local so these tests build
/// without CortexTesting.
struct FilterRNG: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
