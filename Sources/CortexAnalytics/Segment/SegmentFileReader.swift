import CortexCore
import Glibc

/// Reads whole segment files with POSIX calls (no Foundation on the read path).
enum SegmentFileReader {
    /// The bytes of the file at `path`.
    ///
    /// - Throws: `.notFound` when missing, `.unavailable` on any other I/O failure.
    static func readAll(path: String) throws(CortexError) -> [UInt8] {
        let descriptor = unsafe open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { throw .notFound("segment file \(path) does not exist") }
            throw .unavailable("cannot open segment file \(path): \(describeErrno())")
        }
        defer { close(descriptor) }
        var status = stat()
        guard unsafe fstat(descriptor, &status) == 0 else { throw .unavailable("cannot stat \(path): \(describeErrno())") }
        let size = Int(status.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            // In bounds: reads at most size - filled bytes into bytes[filled...].
            let count = unsafe bytes.withUnsafeMutableBytes { buffer in
                unsafe Glibc.read(descriptor, buffer.baseAddress! + filled, size - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unavailable("cannot read \(path): \(describeErrno())")
            }
            guard count > 0 else { throw .unavailable("\(path) shrank while being read (\(filled) of \(size) bytes)") }
            filled += count
        }
        return bytes
    }

    private static func describeErrno() -> String {
        unsafe String(cString: strerror(errno))
    }
}
