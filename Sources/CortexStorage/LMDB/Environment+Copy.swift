import CLMDB
public import CortexCore

extension Environment {
    /// Writes a compacted copy of the environment to `descriptor` (a file or a
    /// pipe): one consistent snapshot taken in a read transaction, free pages
    /// left out. Writers keep committing meanwhile (a read transaction never
    /// blocks them); only a map growth waits for the copy to finish.
    ///
    /// Returns the id of the last transaction committed when the copy began:
    /// the copy holds at least that transaction (exactly that one when no
    /// writer runs, as for the CLI on a stopped server's data folder).
    public func copyCompacted(to descriptor: Int32) throws(CortexError) -> Int {
        precondition(!isClosed, "copy of closed environment \(name)")
        return try resizeLockShared { () throws(CortexError) -> Int in
            var info = unsafe MDB_envinfo()
            unsafe mdb_env_info(handle, &info)
            let transactionID = unsafe Int(info.me_last_txnid)
            try LMDBStatus.check(unsafe mdb_env_copyfd2(handle, descriptor, UInt32(MDB_CP_COMPACT)), "compacting copy", path: path)
            return transactionID
        }
    }
}
