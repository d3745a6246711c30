/// The encodings a block of one column may use (docs/analytics-format.md, "Blocks").
///
/// Every field of a block is a little-endian 8-byte word and every block starts at an
/// 8-byte-aligned offset of its raw column chunk, so a decoder reads words straight from an
/// aligned buffer.
enum BlockEncoding: UInt8, Sendable, CaseIterable {
    /// One value for every row: `value`.
    case constant = 0
    /// Frame of reference: `base`, `width`, then `value - base` in `width` bits per row.
    case bitPacked = 1
    /// `first`, `base`, `width`, then `(v[i] - v[i-1]) - base` for rows 1… in `width` bits.
    case delta = 2
    /// `runCount`, run values bit-packed (`base`, `width`, words), run lengths bit-packed.
    case runLength = 3
    /// One 8-byte word per row (`Int64` or a `Double`'s bit pattern).
    case plain = 4
    /// Float64 only: `exponent`, an inner encoding (0…4) and its payload holding integers `n`;
    /// the value is `Double(n) / 10^exponent` (see ``DecimalPlan``).
    case decimal = 5
}

/// Layout constants and size rules of blocks, shared by the encoder and the decoder.
enum BlockFormat {
    /// Flag bit: a validity bitmap follows the header.
    static let hasValidityFlag: UInt8 = 1
    /// Flag bit: every row is null; no bitmap and no payload follow.
    static let allNullFlag: UInt8 = 2
    /// Bytes of the block header: encoding, flags, six zero bytes.
    static let headerByteCount = 8

    /// Bytes of a validity bitmap of `rowCount` rows: whole 8-byte words, bit `i` = row `i` is not null.
    static func bitmapByteCount(rowCount: Int) -> Int { (rowCount + 63) / 64 * 8 }

    /// Bytes of a bit-packed stream of `count` values of `width` bits (whole words).
    static func packedByteCount(count: Int, width: Int) -> Int { (count * width + 63) / 64 * 8 }

    /// Bits needed for `range` (an unsigned difference): 0 for 0, 64 for values ≥ 2⁶³.
    static func width(of range: UInt64) -> Int { UInt64.bitWidth - range.leadingZeroBitCount }

    /// Upper bound of the raw bytes of one block of `rowCount` rows in any encoding the encoder
    /// picks (it never picks run-length or delta when they are larger than plain); used to bound
    /// the raw chunk lengths a footer may claim.
    static func byteCountMax(rowCount: Int) -> Int {
        headerByteCount + bitmapByteCount(rowCount: rowCount) + 8 * rowCount + 64
    }
}
