import CLMDB
import CortexCore

/// What read and write transactions share: a live `MDB_txn` of one environment.
///
/// Transactions are `~Copyable` and not `Sendable`: they exist only inside the
/// synchronous body of `Environment.read` / `write`, so one can never cross an
/// `await` or outlive its commit.
public protocol Transaction: ~Copyable {
    /// The `MDB_txn *` (valid until the enclosing body returns).
    var handle: OpaquePointer { get }
    var environment: Environment { get }
}

/// A read-only snapshot of an environment; see ``Environment/read(_:)``.
@safe public struct ReadTransaction: Transaction, ~Copyable {
    public let handle: OpaquePointer
    public let environment: Environment

    init(handle: OpaquePointer, environment: Environment) {
        unsafe self.handle = handle
        self.environment = environment
    }
}

/// The environment's single write transaction; see ``Environment/writeSync(_:)``.
@safe public struct WriteTransaction: Transaction, ~Copyable {
    public let handle: OpaquePointer
    public let environment: Environment
    /// Set when an operation failed with `MDB_MAP_FULL`: the environment grows
    /// the map and reruns the body, whatever the body did with the error.
    private(set) var hitMapFull = false
    private var committed = false
    /// The change record being built; nil when the environment keeps no change log.
    var recorder: ChangeRecorder?

    init(handle: OpaquePointer, environment: Environment) {
        unsafe self.handle = handle
        self.environment = environment
        recorder = environment.changeLog == nil ? nil : ChangeRecorder()
    }

    /// Whether writes to `database` go into the change record (the log's own tables do not).
    func isLogged(_ database: UInt32) -> Bool {
        guard recorder != nil, let log = environment.changeLog else { return false }
        return database != log.records && database != log.meta
    }

    mutating func didCommit() { committed = true }

    /// Throws for a non-success status, remembering `MDB_MAP_FULL` for the retry.
    mutating func check(_ status: Int32, _ operation: String) throws(CortexError) {
        guard status != MDB_SUCCESS else { return }
        if status == MDB_MAP_FULL { hitMapFull = true }
        throw LMDBStatus.error(status, operation, path: environment.path)
    }
}

/// A range of raw keys in LMDB's order (bytewise, shorter first on a tie).
public struct ByteRange: Sendable, Equatable {
    public enum Bound: Sendable, Equatable {
        case unbounded
        case including([UInt8])
        case excluding([UInt8])
    }

    public var lower: Bound
    public var upper: Bound

    public init(lower: Bound = .unbounded, upper: Bound = .unbounded) {
        self.lower = lower
        self.upper = upper
    }

    /// Every key.
    public static let all = ByteRange()

    /// Every key that starts with `prefix`.
    public static func prefix(_ prefix: [UInt8]) -> ByteRange {
        guard let successor = prefixSuccessor(prefix) else { return ByteRange(lower: .including(prefix)) }
        return ByteRange(lower: .including(prefix), upper: .excluding(successor))
    }

    /// The smallest key greater than every key with this prefix, or nil if none exists (all 0xFF).
    static func prefixSuccessor(_ prefix: [UInt8]) -> [UInt8]? {
        var successor = prefix
        while let last = successor.last {
            if last < 0xFF {
                successor[successor.count - 1] = last + 1
                return successor
            }
            successor.removeLast()
        }
        return nil
    }

    func admitsBelowUpper(_ key: UnsafeRawBufferPointer) -> Bool {
        switch upper {
        case .unbounded: return true
        case .including(let bound): return unsafe compareKeys(key, bound) <= 0
        case .excluding(let bound): return unsafe compareKeys(key, bound) < 0
        }
    }

    func admitsAboveLower(_ key: UnsafeRawBufferPointer) -> Bool {
        switch lower {
        case .unbounded: return true
        case .including(let bound): return unsafe compareKeys(key, bound) >= 0
        case .excluding(let bound): return unsafe compareKeys(key, bound) > 0
        }
    }
}

/// LMDB's default key order: memcmp over the common length, then the shorter key first.
func compareKeys(_ key: UnsafeRawBufferPointer, _ other: [UInt8]) -> Int {
    let common = min(key.count, other.count)
    for index in 0..<common {
        let left = unsafe key[index]
        if left != other[index] { return left < other[index] ? -1 : 1 }
    }
    return key.count == other.count ? 0 : (key.count < other.count ? -1 : 1)
}
