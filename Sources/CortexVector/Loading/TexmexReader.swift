public import CortexCore
import Foundation

/// Reads TEXMEX vector files: `.fvecs` (float32) and `.ivecs` (int32).
///
/// Layout: for each vector, a little-endian int32 dimension `d`, then `d`
/// little-endian 4-byte values. Every row must have the same `d`.
public enum TexmexReader {
    /// All rows of an `.fvecs` file.
    public static func floatVectors(atPath path: String) throws(CortexError) -> [[Float]] {
        try rows(atPath: path) { bytes, offset in Float(bitPattern: load(bytes, offset)) }
    }

    /// All rows of an `.ivecs` file.
    public static func intVectors(atPath path: String) throws(CortexError) -> [[Int32]] {
        try rows(atPath: path) { bytes, offset in Int32(bitPattern: load(bytes, offset)) }
    }

    private static func load(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    private static func rows<T>(atPath path: String, _ element: ([UInt8], Int) -> T) throws(CortexError) -> [[T]] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .notFound("cannot read \(path)") }
        let bytes = [UInt8](data)
        guard bytes.count >= 4 else { throw .invalidInput("\(path) is empty") }
        let dimension = Int(Int32(bitPattern: load(bytes, 0)))
        guard dimension > 0, dimension <= 1 << 20 else { throw .invalidInput("\(path): dimension \(dimension) is not plausible") }
        let rowByteCount = 4 * (dimension + 1)
        guard bytes.count % rowByteCount == 0 else {
            throw .invalidInput("\(path): size \(bytes.count) is not a multiple of the \(rowByteCount)-byte row of dimension \(dimension)")
        }
        var result: [[T]] = []
        result.reserveCapacity(bytes.count / rowByteCount)
        var offset = 0
        while offset < bytes.count {
            guard Int(Int32(bitPattern: load(bytes, offset))) == dimension else {
                throw .invalidInput("\(path): row \(result.count) has dimension \(load(bytes, offset)); expected \(dimension)")
            }
            result.append((0..<dimension).map { element(bytes, offset + 4 + 4 * $0) })
            offset += rowByteCount
        }
        return result
    }
}
