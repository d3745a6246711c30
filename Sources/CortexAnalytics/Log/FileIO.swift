#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CortexCore

/// Thin POSIX file operations for the analytics store: every failure becomes
/// `.unavailable` naming the path and errno, and every durable step is explicit
/// (`sync`, `syncFolder`).
enum FileIO {
    static func describeErrno() -> String {
        let code = errno
        return "\(unsafe String(cString: strerror(code))) (errno \(code))"
    }

    /// Opens `path` for reading and writing, creating it when absent.
    static func openReadWrite(_ path: String, create: Bool = true) throws(CortexError) -> Int32 {
        let descriptor = unsafe open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0o644)
        guard descriptor >= 0 else { throw .unavailable("cannot open \(path): \(describeErrno())") }
        return descriptor
    }

    /// Writes all of `bytes` at `offset`, retrying short writes and EINTR.
    static func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws(CortexError) {
        var written = 0
        while written < bytes.count {
            // In bounds: `written < bytes.count`, so the slice start and length stay inside `bytes`.
            let result = unsafe pwrite(descriptor, bytes.baseAddress! + written, bytes.count - written, off_t(offset + written))
            if result < 0 {
                if errno == EINTR { continue }
                throw .unavailable("cannot write \(path): \(describeErrno())")
            }
            written += result
        }
    }

    static func write(_ descriptor: Int32, _ bytes: [UInt8], at offset: Int, path: String) throws(CortexError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        defer { unsafe buffer.deallocate() }
        unsafe buffer.copyBytes(from: bytes)
        try unsafe write(descriptor, UnsafeRawBufferPointer(rebasing: buffer[0..<bytes.count]), at: offset, path: path)
    }

    /// Flushes the file's data (and the metadata needed to read it back) to disk.
    static func sync(_ descriptor: Int32, path: String) throws(CortexError) {
        guard fdatasync(descriptor) == 0 else { throw .unavailable("cannot fsync \(path): \(describeErrno())") }
    }

    /// Makes renames and creations inside `folder` durable.
    static func syncFolder(_ folder: String) throws(CortexError) {
        let descriptor = unsafe open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unavailable("cannot open folder \(folder): \(describeErrno())") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .unavailable("cannot fsync folder \(folder): \(describeErrno())") }
    }

    /// Reads the whole file.
    static func readAll(_ path: String) throws(CortexError) -> [UInt8] {
        let descriptor = unsafe open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unavailable("cannot open \(path): \(describeErrno())") }
        defer { close(descriptor) }
        var info = stat()
        guard unsafe fstat(descriptor, &info) == 0 else { throw .unavailable("cannot stat \(path): \(describeErrno())") }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let result = unsafe bytes.withUnsafeMutableBytes { buffer in
                // In bounds: `done < size == buffer.count`.
                unsafe pread(descriptor, buffer.baseAddress! + done, size - done, off_t(done))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw .unavailable("cannot read \(path): \(describeErrno())")
            }
            if result == 0 { break }
            done += result
        }
        if done < size { bytes.removeLast(size - done) }
        return bytes
    }

    /// Writes `bytes` to `path` atomically and durably: a temporary file, fsync,
    /// rename over `path`, fsync of the folder.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(CortexError) {
        let temporary = path + ".tmp"
        let descriptor = unsafe open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .unavailable("cannot create \(temporary): \(describeErrno())") }
        defer { close(descriptor) }
        try write(descriptor, bytes, at: 0, path: temporary)
        guard fsync(descriptor) == 0 else { throw .unavailable("cannot fsync \(temporary): \(describeErrno())") }
        guard unsafe rename(temporary, path) == 0 else { throw .unavailable("cannot rename \(temporary) to \(path): \(describeErrno())") }
        try syncFolder(parentFolder(of: path))
    }

    static func parentFolder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func exists(_ path: String) -> Bool { unsafe access(path, F_OK) == 0 }

    /// Creates `path` and its parents when missing.
    static func createFolder(_ path: String) throws(CortexError) {
        if exists(path) { return }
        let parent = parentFolder(of: path)
        if parent != path, !exists(parent) { try createFolder(parent) }
        guard unsafe mkdir(path, 0o755) == 0 || errno == EEXIST else { throw .unavailable("cannot create folder \(path): \(describeErrno())") }
    }

    /// Names in `folder` (no `.` / `..`), unsorted.
    static func list(_ folder: String) throws(CortexError) -> [String] {
        guard let directory = unsafe opendir(folder) else { throw .unavailable("cannot list \(folder): \(describeErrno())") }
        defer { unsafe closedir(directory) }
        var names: [String] = []
        while let entry = unsafe readdir(directory) {
            let name = unsafe withUnsafeBytes(of: entry.pointee.d_name) { raw in
                unsafe String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func remove(_ path: String) throws(CortexError) {
        guard unsafe unlink(path) == 0 || errno == ENOENT else { throw .unavailable("cannot remove \(path): \(describeErrno())") }
    }

    static func truncate(_ descriptor: Int32, to size: Int, path: String) throws(CortexError) {
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw .unavailable("cannot truncate \(path): \(describeErrno())") }
    }
}

extension FileIO {
    static func closeDescriptor(_ descriptor: Int32) { close(descriptor) }
}

/// An exclusive `flock` on a file, released when the object goes away (or the process dies).
final class FileLock: Sendable {
    let descriptor: Int32

    init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }
}

extension FileIO {
    /// Takes an exclusive lock on `path` (created when missing) without waiting.
    ///
    /// - Throws: `.conflict` naming `what` when another holder has it.
    static func lockExclusively(_ path: String, what: String) throws(CortexError) -> FileLock {
        let descriptor = try openReadWrite(path)
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw .conflict("\(what) is in use by another process or table object")
        }
        return FileLock(descriptor: descriptor)
    }
}
