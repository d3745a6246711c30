import CZstd
import CortexCore

/// One-shot zstd compression of column chunks (a chunk is at most a few MB, so the streaming
/// API buys nothing here).
enum Zstd {
    /// `bytes` compressed at `level`, or `nil` when compression does not save at least 10 %.
    static func compressIfWorthIt(_ bytes: [UInt8], level: Int32) throws(CortexError) -> [UInt8]? {
        guard !bytes.isEmpty else { return nil }
        let bound = ZSTD_compressBound(bytes.count)
        var output = [UInt8](repeating: 0, count: bound)
        // In bounds: zstd writes at most `bound` bytes, the capacity passed.
        let written = unsafe output.withUnsafeMutableBytes { out in
            unsafe bytes.withUnsafeBytes { input in
                unsafe ZSTD_compress(out.baseAddress, out.count, input.baseAddress, input.count, level)
            }
        }
        guard ZSTD_isError(written) == 0 else {
            throw .unavailable("zstd compression failed: \(unsafe String(cString: ZSTD_getErrorName(written)))")
        }
        guard written * 10 <= bytes.count * 9 else { return nil }
        output.removeSubrange(written...)
        return output
    }

    /// Decompresses one zstd frame that must expand to exactly `rawByteCount` bytes.
    ///
    /// - Throws: `.corrupt` naming `context` when the frame is malformed or its size differs.
    static func decompress(_ stored: UnsafeRawBufferPointer, rawByteCount: Int, context: String)
        throws(CortexError) -> AlignedBytes
    {
        try unsafe AlignedBytes(byteCount: rawByteCount) { (out) throws(CortexError) in
            // In bounds: zstd writes at most `out.count` bytes and reads `stored.count`.
            let written = unsafe ZSTD_decompress(out.baseAddress, out.count, stored.baseAddress, stored.count)
            guard ZSTD_isError(written) == 0 else {
                throw .corrupt("\(context): zstd: \(unsafe String(cString: ZSTD_getErrorName(written)))")
            }
            guard written == rawByteCount else {
                throw .corrupt("\(context): decompressed to \(written) bytes; the footer says \(rawByteCount)")
            }
        }
    }
}
