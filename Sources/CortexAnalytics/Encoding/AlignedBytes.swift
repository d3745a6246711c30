/// An immutable, 16-byte-aligned heap copy of a raw column chunk.
///
/// Block decoders read 8-byte words at 8-aligned offsets of this buffer, which is why chunks are
/// never decoded in place from the file bytes (a chunk may start at any file offset).
///
/// Invariant behind `@unchecked Sendable`: the bytes are written only in `init` (before the
/// object is shared) and freed only in `deinit`; every other access reads.
@safe final class AlignedBytes: @unchecked Sendable {
    /// The bytes; valid for the object's lifetime.
    let buffer: UnsafeMutableRawBufferPointer

    /// Allocates `byteCount` zeroed bytes and lets `fill` write them once.
    init<E: Error>(byteCount: Int, fill: (UnsafeMutableRawBufferPointer) throws(E) -> Void) throws(E) {
        precondition(byteCount >= 0, "negative byte count")
        unsafe buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(byteCount, 1), alignment: 16)
        // Exactly the allocated range; the extra byte of an empty allocation is never exposed.
        unsafe buffer.initializeMemory(as: UInt8.self, repeating: 0)
        let view = unsafe UnsafeMutableRawBufferPointer(rebasing: buffer[0..<byteCount])
        do {
            try unsafe fill(view)
        } catch {
            unsafe buffer.deallocate()
            throw error
        }
        count = byteCount
    }

    /// The number of bytes.
    let count: Int

    /// The bytes as a read-only buffer of exactly `count` bytes.
    var bytes: UnsafeRawBufferPointer { unsafe UnsafeRawBufferPointer(rebasing: buffer[0..<count]) }

    deinit { unsafe buffer.deallocate() }
}
