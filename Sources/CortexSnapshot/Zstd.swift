import CZstd
import CortexCore

/// Streaming zstd compression: bytes in, compressed bytes out through a sink.
///
/// Frames carry zstd's content checksum, so a decompressor detects corrupted
/// content even when the stored object's own SHA-256 was not checked.
final class ZstdCompressor {
    private let context: OpaquePointer
    private let output: UnsafeMutableRawBufferPointer

    init(level: Int32 = 3) throws(CortexError) {
        guard let context = ZSTD_createCCtx() else { throw .unavailable("zstd: cannot create a compression context") }
        self.context = context
        output = .allocate(byteCount: ZSTD_CStreamOutSize(), alignment: 16)
        try check(unsafe ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level), "set level")
        try check(unsafe ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1), "enable checksum")
    }

    deinit {
        ZSTD_freeCCtx(context)
        output.deallocate()
    }

    /// Compresses `input`; hands every produced chunk to `sink`.
    func compress(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws(CortexError) -> Void) throws(CortexError) {
        try run(input, directive: ZSTD_e_continue, sink: sink)
    }

    /// Ends the frame and flushes what remains.
    func finish(sink: (UnsafeRawBufferPointer) throws(CortexError) -> Void) throws(CortexError) {
        try run(UnsafeRawBufferPointer(start: nil, count: 0), directive: ZSTD_e_end, sink: sink)
    }

    private func run(
        _ input: UnsafeRawBufferPointer, directive: ZSTD_EndDirective, sink: (UnsafeRawBufferPointer) throws(CortexError) -> Void
    ) throws(CortexError) {
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while true {
            var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let remaining = ZSTD_compressStream2(context, &outBuffer, &inBuffer, directive)
            try check(remaining, "compress")
            if outBuffer.pos > 0 { try sink(UnsafeRawBufferPointer(start: output.baseAddress, count: outBuffer.pos)) }
            let done = directive == ZSTD_e_end ? remaining == 0 : inBuffer.pos == input.count
            if done { return }
        }
    }
}

/// Streaming zstd decompression; `finish()` fails if the stream ended inside a frame.
final class ZstdDecompressor {
    private let context: OpaquePointer
    private let output: UnsafeMutableRawBufferPointer
    /// zstd's hint after the last call: 0 when a frame just ended.
    private var hint = 1

    init() throws(CortexError) {
        guard let context = ZSTD_createDCtx() else { throw .unavailable("zstd: cannot create a decompression context") }
        self.context = context
        output = .allocate(byteCount: ZSTD_DStreamOutSize(), alignment: 16)
    }

    deinit {
        ZSTD_freeDCtx(context)
        output.deallocate()
    }

    /// Decompresses `input`; hands every produced chunk to `sink`. Throws
    /// `.corrupt` for data that is not valid zstd or fails its checksum.
    func decompress(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws(CortexError) -> Void) throws(CortexError) {
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while true {
            var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let result = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
            if ZSTD_isError(result) != 0 {
                throw .corrupt("zstd: \(String(cString: ZSTD_getErrorName(result)))")
            }
            hint = result
            if outBuffer.pos > 0 { try sink(UnsafeRawBufferPointer(start: output.baseAddress, count: outBuffer.pos)) }
            // All input consumed and the output buffer not full: nothing more to flush now.
            if inBuffer.pos == input.count && outBuffer.pos < output.count { return }
        }
    }

    /// Checks that the stream ended on a frame boundary.
    func finish() throws(CortexError) {
        guard hint == 0 else { throw .corrupt("zstd: the stream ends inside a frame (truncated)") }
    }
}

private func check(_ code: Int, _ what: String) throws(CortexError) {
    if ZSTD_isError(code) != 0 {
        throw .unavailable("zstd \(what): \(String(cString: ZSTD_getErrorName(code)))")
    }
}
