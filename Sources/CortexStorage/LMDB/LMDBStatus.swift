import CLMDB
import CortexCore

#if canImport(Glibc)
import Glibc
#endif

/// Turns LMDB and errno return codes into `CortexError`s with a stable category.
enum LMDBStatus {
    /// Throws unless `code` is `MDB_SUCCESS`; `operation` and `path` go into the message.
    static func check(_ code: Int32, _ operation: String, path: String) throws(CortexError) {
        guard code != MDB_SUCCESS else { return }
        throw error(code, operation, path: path)
    }

    static func error(_ code: Int32, _ operation: String, path: String) -> CortexError {
        let reason = describe(code)
        switch code {
        case MDB_INVALID, MDB_CORRUPTED, MDB_VERSION_MISMATCH, MDB_PAGE_NOTFOUND:
            return .corrupt("\(operation) at \(path) failed: \(reason); the environment is damaged or is not an LMDB file")
        case MDB_MAP_FULL:
            return .tooLarge("\(operation) at \(path) failed: \(reason)")
        case MDB_BAD_VALSIZE:
            return .tooLarge("\(operation) at \(path) failed: key or value size is out of range (\(reason))")
        case EACCES, EPERM, EROFS:
            return .unavailable("\(operation) at \(path) failed: permission denied (\(reason))")
        case ENOSPC:
            return .unavailable("\(operation) at \(path) failed: no space left on device")
        default:
            return .unavailable("\(operation) at \(path) failed: \(reason) (code \(code))")
        }
    }

    static func describe(_ code: Int32) -> String {
        guard let text = unsafe mdb_strerror(code) else { return "unknown error \(code)" }
        return unsafe String(cString: text)
    }
}
