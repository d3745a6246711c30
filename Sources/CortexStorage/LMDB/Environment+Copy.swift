import CLMDB
public import CortexCore
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What a compacted copy holds: exactly the state after one commit.
public struct CopyPin: Sendable, Equatable {
    /// The LMDB transaction id of that commit.
    public var transactionID: Int
    /// Its change-log LSN (0 when the environment was never written or keeps no log).
    public var lsn: UInt64
    /// The change log's timeline (history id) at that commit.
    public var timeline: UInt64
    /// Epoch milliseconds when the copy's state was pinned: every commit in the copy happened before it.
    public var pinnedAt: Int64
}

extension Environment {
    /// Writes a compacted copy of the environment to `descriptor` (a file or a
    /// pipe): one consistent snapshot taken in a read transaction, free pages
    /// left out, and returns exactly which commit it holds.
    ///
    /// LMDB's copy opens its read transaction itself, so to know which commit
    /// it sees, writers of this environment wait from just before the copy
    /// starts until its first bytes arrive (its transaction is open by then):
    /// a moment, not the whole copy. The bytes pass through a pipe of our own
    /// to detect that. Only a map growth waits for the whole copy.
    public func copyCompacted(to descriptor: Int32) throws(CortexError) -> CopyPin {
        precondition(!isClosed, "copy of closed environment \(name)")
        var relay: [Int32] = [0, 0]
        guard unsafe pipe(&relay) == 0 else { throw .unavailable("cannot create a pipe: \(MappedFile.describeErrno())") }
        let (relayRead, relayWrite) = (relay[0], relay[1])
        var readOpen = true
        defer { if readOpen { _ = Glibc.close(relayRead) } }
        // A failed write to `descriptor` ends the copy by closing the relay: that must be EPIPE, not a signal.
        signal(SIGPIPE, SIG_IGN)
        // Writer lock before the resize lock: the order every writer takes them in.
        writerLock.lockExclusive()
        var writersHeld = true
        defer { if writersHeld { writerLock.unlock() } }
        return try resizeLockShared { () throws(CortexError) -> CopyPin in
            var info = unsafe MDB_envinfo()
            unsafe mdb_env_info(handle, &info)
            let pin = unsafe CopyPin(
                transactionID: Int(info.me_last_txnid), lsn: lastLSN, timeline: timeline, pinnedAt: SystemEpochClock().nowMilliseconds())
            let copyStatus = Mutex<Int32>(MDB_SUCCESS)
            let done = DispatchGroup()
            done.enter()
            let environmentHandle = unsafe UnsafeSendablePointer(handle)
            DispatchQueue.global().async {
                let status = unsafe mdb_env_copyfd2(environmentHandle.pointer, relayWrite, UInt32(MDB_CP_COMPACT))
                copyStatus.withLock { $0 = status }
                _ = Glibc.close(relayWrite)
                done.leave()
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { unsafe buffer.deallocate() }
            var failure: CortexError?
            while failure == nil {
                let count = unsafe Glibc.read(relayRead, buffer.baseAddress, buffer.count)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = .unavailable("cannot read the copy of \(name): \(MappedFile.describeErrno())")
                    break
                }
                if writersHeld {
                    writerLock.unlock()
                    writersHeld = false
                }
                if count == 0 { break }
                if let error = unsafe Self.writeAll(UnsafeRawBufferPointer(start: buffer.baseAddress, count: count), to: descriptor) {
                    failure = .unavailable("cannot write the copy of \(name): \(error)")
                }
            }
            if failure != nil {
                // Ends a copy still writing: its next write fails with EPIPE.
                _ = Glibc.close(relayRead)
                readOpen = false
            }
            done.wait()
            if let failure { throw failure }
            try LMDBStatus.check(copyStatus.withLock { $0 }, "compacting copy", path: path)
            return pin
        }
    }

    /// Writes every byte, retrying partial writes; returns the errno text on failure.
    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> String? {
        var offset = 0
        while offset < bytes.count {
            let written = unsafe Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return MappedFile.describeErrno()
            }
            offset += written
        }
        return nil
    }
}

/// An LMDB handle handed to the copy thread, which uses it only while `copyCompacted` waits for it.
@safe struct UnsafeSendablePointer: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { unsafe self.pointer = pointer }
}
