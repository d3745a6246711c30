import CZstd
import CortexCore

/// One-shot zstd compression of column chunks.
enum ZstdBlock {
    /// `bytes` compressed at `level`.
    static func compress(_ bytes: [UInt8], level: Int32) throws(CortexError) -> [UInt8] {
        let capacity = ZSTD_compressBound(bytes.count)
        var output = [UInt8](repeating: 0, count: capacity)
        let written = unsafe output.withUnsafeMutableBytes { out in
            unsafe bytes.withUnsafeBytes { input in
                unsafe ZSTD_compress(out.baseAddress, capacity, input.baseAddress, input.count, level)
            }
        }
        guard ZSTD_isError(written) == 0 else {
            throw .unavailable("zstd: compression failed: \(unsafe String(cString: ZSTD_getErrorName(written)))")
        }
        output.removeLast(capacity - written)
        return output
    }

    /// Decompresses `bytes`, which must expand to exactly `rawByteCount` bytes.
    ///
    /// - Throws: `.corrupt` naming `context` when they do not.
    static func decompress(_ bytes: UnsafeRawBufferPointer, rawByteCount: Int, context: String) throws(CortexError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: rawByteCount)
        let written = unsafe output.withUnsafeMutableBytes { out in
            unsafe ZSTD_decompress(out.baseAddress, rawByteCount, bytes.baseAddress, bytes.count)
        }
        guard ZSTD_isError(written) == 0 else {
            throw .corrupt("\(context): zstd: \(unsafe String(cString: ZSTD_getErrorName(written)))")
        }
        guard written == rawByteCount else {
            throw .corrupt("\(context): decompressed to \(written) bytes, expected \(rawByteCount)")
        }
        return output
    }
}
