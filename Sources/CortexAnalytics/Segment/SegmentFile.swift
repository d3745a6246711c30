/// Fixed parts of a segment file (docs/analytics-format.md).
///
/// ```
/// [0, 4)   magic "CXSG"
/// [4, 8)   UInt32 format version (1)
/// [8, …)   column chunks, in schema order, back to back
/// […, -12) footer (BinaryWriter encoding)
/// [-12,-8) UInt32 footer byte count
/// [-8, -4) UInt32 CRC32C of the footer bytes
/// [-4, 0)  magic "CXSG"
/// ```
enum SegmentFile {
    /// "CXSG".
    static let magic: [UInt8] = [0x43, 0x58, 0x53, 0x47]
    /// The format this build writes and reads.
    static let formatVersion: UInt32 = 1
    static let headerByteCount = 8
    static let trailerByteCount = 12
}
