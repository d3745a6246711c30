#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file (shared by the CSV loader and the model reader).
///
/// `@safe`: the mapping lives exactly as long as the object; readers must not keep `bytes`
/// (or pointers derived from it) past the object's lifetime. The pages are the file's own
/// (`MAP_PRIVATE`, never written), so several maps of one file share the page cache.
@safe package final class MappedFile: @unchecked Sendable {
    /// How the caller will read the pages; passed to `madvise`.
    package enum AccessPattern: Sendable {
        /// One pass from start to end (read-ahead grows, pages behind may be dropped).
        case sequential
        /// Random reads, wanted soon: the kernel starts reading the whole file in.
        case willNeed
    }

    /// The whole file. Empty (with a nil base address) for an empty file.
    package let bytes: UnsafeRawBufferPointer
    private let descriptor: Int32

    /// Maps `path`. Throws `.unavailable` (naming the path and errno) when the file cannot be
    /// opened, inspected or mapped.
    package init(path: String, access: AccessPattern = .sequential) throws(CortexError) {
        let descriptor = unsafe open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unavailable("cannot open \(path): \(Self.describeErrno())") }
        var info = stat()
        guard unsafe fstat(descriptor, &info) == 0 else {
            let reason = Self.describeErrno()
            close(descriptor)
            throw .unavailable("cannot stat \(path): \(reason)")
        }
        let size = Int(info.st_size)
        if size == 0 {
            unsafe bytes = UnsafeRawBufferPointer(start: nil, count: 0)
        } else {
            let address = unsafe mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
            guard let address = unsafe address, unsafe address != MAP_FAILED else {
                let reason = Self.describeErrno()
                close(descriptor)
                throw .unavailable("cannot map \(path): \(reason)")
            }
            unsafe madvise(address, size, access == .sequential ? MADV_SEQUENTIAL : MADV_WILLNEED)
            unsafe bytes = unsafe UnsafeRawBufferPointer(start: address, count: size)
        }
        self.descriptor = descriptor
    }

    deinit {
        if let base = unsafe bytes.baseAddress { unsafe munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
        close(descriptor)
    }

    /// `strerror(errno)` with the number, for messages.
    package static func describeErrno() -> String {
        let code = errno
        return "\(unsafe String(cString: strerror(code))) (errno \(code))"
    }
}
