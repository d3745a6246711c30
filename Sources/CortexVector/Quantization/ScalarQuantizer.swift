import CortexCore
import CortexStorage

/// Maps float32 vectors to int8 codes with one global scale (and, for l2,
/// a per-dimension offset): `code = clamp(round((x − offset) / scale), ±127)`.
///
/// One scale for all dimensions keeps distances plain integer dot products
/// (VNNI) scaled by `scale²`; the offset recentres l2 data, whose distances
/// do not change under translation (dot products would, so ip and cosine use
/// no offset). The scale is fitted once, on the collection's first batch, to
/// the 99.99th percentile of |x − offset|; later outliers clip. Codes only
/// steer the graph search: results are re-ranked with the exact vectors.
struct ScalarQuantizer: VersionedRecord, Equatable {
    static let recordName = "scalar quantizer"
    static let recordVersion: UInt8 = 1

    var scale: Float
    /// Empty for ip and cosine; one value per dimension for l2.
    var offset: [Float]

    /// Fits a quantizer to `vectors` (already prepared: unit length for cosine).
    static func fit(_ vectors: [[Float]], metric: Metric, dimension: Int) -> ScalarQuantizer {
        precondition(!vectors.isEmpty && vectors.allSatisfy { $0.count == dimension }, "fit needs vectors of the dimension")
        var offset: [Float] = []
        if metric == .l2 {
            var sums = [Double](repeating: 0, count: dimension)
            for vector in vectors { for index in 0..<dimension { sums[index] += Double(vector[index]) } }
            offset = sums.map { Float($0 / Double(vectors.count)) }
        }
        // The percentile needs a sample, not every component: up to 1,024 evenly spaced vectors.
        let step = max(1, vectors.count / 1_024)
        var magnitudes: [Float] = []
        magnitudes.reserveCapacity((vectors.count / step + 1) * dimension)
        for vector in stride(from: 0, to: vectors.count, by: step).map({ vectors[$0] }) {
            for index in 0..<dimension { magnitudes.append(abs(vector[index] - (offset.isEmpty ? 0 : offset[index]))) }
        }
        magnitudes.sort()
        let percentile = magnitudes[min(magnitudes.count - 1, Int(Double(magnitudes.count) * 0.9999))]
        let scale = max(percentile, Float.leastNormalMagnitude * 127) / 127
        return ScalarQuantizer(scale: scale, offset: offset)
    }

    /// Writes the codes of `vector` (`dimension` floats) to `codes`.
    func encode(_ vector: UnsafePointer<Float>, dimension: Int, into codes: UnsafeMutablePointer<Int8>) {
        let inverse = 1 / scale
        for index in 0..<dimension {
            let centred = unsafe offset.isEmpty ? vector[index] : vector[index] - offset[index]
            let scaled = (centred * inverse).rounded()
            unsafe codes[index] = Int8(max(-127, min(127, scaled)))
        }
    }

    func encode(to writer: inout BinaryWriter) {
        writer.write(scale)
        writer.writeVarUInt(UInt64(offset.count))
        for value in offset { writer.write(value) }
    }

    static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> ScalarQuantizer {
        let scale = try reader.readFloat()
        let count = try reader.readVarUInt()
        guard scale.isFinite, scale > 0, count <= UInt64(VectorLimits.dimensionMax) else {
            throw .corrupt("scalar quantizer: scale \(scale) or offset count \(count) out of range")
        }
        var offset: [Float] = []
        for _ in 0..<count { offset.append(try reader.readFloat()) }
        return ScalarQuantizer(scale: scale, offset: offset)
    }
}
