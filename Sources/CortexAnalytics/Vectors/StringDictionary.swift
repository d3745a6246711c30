import Synchronization

/// An append-only map between strings and dense `Int32` codes.
///
/// Codes are assigned in insertion order and never change, so a code read
/// once stays valid. Lookups and inserts take a mutex; a batch operation
/// (`codes(for:)`) takes it once.
public final class StringDictionary: Sendable {
    private struct State {
        var strings: [String] = []
        var codes: [String: Int32] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    public init(_ strings: [String]) {
        state.withLock { state in
            for string in strings where state.codes[string] == nil {
                state.codes[string] = Int32(state.strings.count)
                state.strings.append(string)
            }
        }
    }

    /// The number of distinct strings.
    public var count: Int { state.withLock { $0.strings.count } }

    /// The code of `string`, inserting it when new.
    public func code(for string: String) -> Int32 {
        state.withLock { state in
            if let code = state.codes[string] { return code }
            let code = Int32(state.strings.count)
            state.codes[string] = code
            state.strings.append(string)
            return code
        }
    }

    /// The code of `string` if present; never inserts.
    public func existingCode(for string: String) -> Int32? {
        state.withLock { $0.codes[string] }
    }

    /// The string of `code`. Precondition: `code` was returned by this dictionary.
    public func string(for code: Int32) -> String {
        state.withLock { state in
            precondition(code >= 0 && Int(code) < state.strings.count, "code \(code) not in dictionary")
            return state.strings[Int(code)]
        }
    }

    /// A copy of every string, indexed by code.
    public func allStrings() -> [String] { state.withLock { $0.strings } }
}
