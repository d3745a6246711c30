import CortexApp
import CortexCore
import NIOPosix

/// Runs CortexApp's blocking work (LMDB, bcrypt) on the HTTP thread pool.
struct ThreadPoolExecutor: BlockingExecutor {
    let pool: NIOThreadPool

    func run<T: Sendable>(_ body: @escaping @Sendable () throws(CortexError) -> T) async throws(CortexError) -> T {
        do {
            return try await pool.runIfActive { try body() }
        } catch let error as CortexError {
            throw error
        } catch {
            // runIfActive throws only when the pool has stopped: the server is shutting down.
            throw .unavailable("the server is shutting down (\(error))")
        }
    }
}
