public import CortexCore

#if canImport(Glibc)
import Glibc
#endif

extension LocalFolderTarget {
    /// The file's size, or nil when it does not exist.
    public func size(of key: String) throws(CortexError) -> Int? {
        let filePath = try path(of: key)
        var info = stat()
        guard unsafe stat(filePath, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw .unavailable("cannot stat \(filePath): \(describeErrno())")
        }
        return Int(info.st_size)
    }
}
