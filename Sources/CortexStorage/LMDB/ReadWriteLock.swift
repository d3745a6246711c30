#if canImport(Glibc)
import Glibc
#endif

/// A writer-preferring reader/writer lock around `pthread_rwlock_t`.
///
/// Every transaction of an environment holds it shared; growing the memory map
/// takes it exclusively, because `mdb_env_set_mapsize` requires that no
/// transaction of this process is active. Writer preference keeps a steady
/// stream of readers from starving a resize. Not reentrant: a thread that
/// holds it shared must not take it again (transactions do not nest).
@safe final class ReadWriteLock: @unchecked Sendable {
    // Invariant: `lock` is allocated once, initialised in `init`, destroyed in
    // `deinit`, and only ever touched through pthread calls, which synchronise.
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        unsafe lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
        var attributes = pthread_rwlockattr_t()
        unsafe pthread_rwlockattr_init(&attributes)
        unsafe pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        let status = unsafe pthread_rwlock_init(lock, &attributes)
        unsafe pthread_rwlockattr_destroy(&attributes)
        precondition(status == 0, "pthread_rwlock_init failed: \(status)")
    }

    deinit {
        unsafe pthread_rwlock_destroy(lock)
        unsafe lock.deallocate()
    }

    func withShared<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        unsafe pthread_rwlock_rdlock(lock)
        defer { unsafe pthread_rwlock_unlock(lock) }
        return try body()
    }

    func withExclusive<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        unsafe pthread_rwlock_wrlock(lock)
        defer { unsafe pthread_rwlock_unlock(lock) }
        return try body()
    }

    /// Takes the lock exclusively until ``unlock()``: for a hold that ends on another code path
    /// than it began (a copy releases writers as soon as its read transaction is known to run).
    func lockExclusive() {
        unsafe pthread_rwlock_wrlock(lock)
    }

    func unlock() {
        unsafe pthread_rwlock_unlock(lock)
    }
}
