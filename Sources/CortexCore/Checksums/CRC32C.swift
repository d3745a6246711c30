import CColumnKernels

/// CRC32C (Castagnoli): the checksum of analytics segment chunks and footers, log records and change-log records.
///
/// Dispatches to the SSE4.2 `crc32` instruction when the CPU has it, else a portable
/// slicing-by-8 table (`CColumnKernels`; tests compare both).
public enum CRC32C {
    /// The CRC32C of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        unsafe cc_crc32c(0, bytes.baseAddress, bytes.count)
    }

    /// The CRC32C of `bytes[range]`. Precondition: `range` lies inside `bytes`.
    public static func checksum(_ bytes: [UInt8], range: Range<Int>) -> UInt32 {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "checksum range outside the bytes")
        // In bounds: the range was checked against the array just above.
        return unsafe bytes.withUnsafeBytes { buffer in
            unsafe checksum(UnsafeRawBufferPointer(rebasing: buffer[range]))
        }
    }

    /// The CRC32C of all of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 { checksum(bytes, range: 0..<bytes.count) }

    /// The CRC32C of `bytes` continuing from `seed` (the CRC of what came before; 0 to start).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32) -> UInt32 {
        unsafe cc_crc32c(seed, bytes.baseAddress, bytes.count)
    }

    public static func checksum(_ bytes: [UInt8], seed: UInt32) -> UInt32 {
        unsafe bytes.withUnsafeBytes { unsafe checksum($0, seed: seed) }
    }
}
