public import CortexCore

/// Runs blocking work (LMDB transactions, bcrypt) off the cooperative pool.
///
/// CortexApp knows no thread pool; the server passes one in (STYLE.md §6).
public protocol BlockingExecutor: Sendable {
    /// Runs `body` on a thread that may block; throws what `body` throws, or `.unavailable` when shutting down.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(CortexError) -> T) async throws(CortexError) -> T
}
