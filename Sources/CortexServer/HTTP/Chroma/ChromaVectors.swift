import CortexCore
import CortexVector
import Foundation

/// How Chroma's spaces map onto the engine, and the vector arithmetic around that (pure functions).
///
/// `l2` and `ip` collections store vectors as given, in Cortex collections of the same metric
/// (whose distances are Chroma's: squared L2, 1 − dot). A `cosine` collection stores unit
/// vectors in an `ip` collection, so its distance 1 − â·b̂ is Chroma's 1 − cos, and keeps each
/// vector's length in the reserved metadata key ``normKey`` to give back the vector as sent.
/// Zero vectors stay zero: their distance to everything is 1, as in Chroma (a Cortex `cosine`
/// collection would refuse them).
enum ChromaVectors {
    /// Reserved metadata key: the length of a cosine collection's vector before normalising.
    static let normKey = "chroma:norm"

    static func engineMetric(for space: Metric) -> Metric { space == .cosine ? .ip : space }

    /// `vector` scaled to unit length, and its length (0 for the zero vector, which stays zero).
    /// Divides by the largest magnitude first, so components near the float32 limit do not overflow.
    static func unitLength(_ vector: [Float]) -> (unit: [Float], norm: Double) {
        var largest: Double = 0
        for component in vector { largest = max(largest, Double(abs(component))) }
        guard largest > 0 else { return (vector.map { _ in 0 }, 0) }
        var sum: Double = 0
        for component in vector { sum += (Double(component) / largest) * (Double(component) / largest) }
        let norm = largest * sum.squareRoot()
        return (vector.map { Float(Double($0) / norm) }, norm)
    }

    /// The vector as the client sent it: the stored unit vector times `norm` (cosine), or the stored vector.
    static func original(_ stored: [Float], norm: Double?) -> [Float] {
        guard let norm else { return stored }
        return stored.map { Float(Double($0) * norm) }
    }

    /// The distance the engine computes for `metric` (stored vectors; unit ones for cosine
    /// collections), for queries answered without the graph. Accumulates in Double.
    static func distance(_ metric: Metric, _ query: [Float], _ stored: [Float]) -> Float {
        precondition(query.count == stored.count, "dimensions were checked")
        var sum: Double = 0
        switch metric {
        case .l2:
            for (a, b) in zip(query, stored) { sum += (Double(a) - Double(b)) * (Double(a) - Double(b)) }
            return Float(sum)
        case .ip, .cosine:
            for (a, b) in zip(query, stored) { sum += Double(a) * Double(b) }
            return Float(1 - sum)
        }
    }

    /// An embedding as the client sends it: a JSON array of numbers, or (when pre-flight said
    /// `supports_base64_encoding`) base64 of packed little-endian float32. Components must be finite.
    static func embedding(_ json: JSONValue, name: String) throws(CortexError) -> [Float] {
        let vector: [Float]
        switch json {
        case .array(let elements): vector = try JSONFields.vector(elements, name: name)
        case .string(let text): vector = try base64Float32(text, name: name)
        default: throw .invalidInput("\(name) must be an array of numbers or a base64 string; got \(json.kindName)")
        }
        if let bad = vector.firstIndex(where: { !$0.isFinite }) {
            throw .invalidInput("\(name)[\(bad)] is \(vector[bad]); embeddings must be finite")
        }
        guard (1...VectorLimits.dimensionMax).contains(vector.count) else {
            throw .invalidInput("\(name) has \(vector.count) dimensions; embeddings need 1-\(VectorLimits.dimensionMax)")
        }
        return vector
    }

    /// Decodes base64 of little-endian float32 values.
    static func base64Float32(_ text: String, name: String) throws(CortexError) -> [Float] {
        guard let data = Data(base64Encoded: text) else { throw .invalidInput("\(name) is not valid base64") }
        guard data.count % 4 == 0 else {
            throw .invalidInput("\(name) decodes to \(data.count) bytes; packed float32 values need a multiple of 4")
        }
        var vector: [Float] = []
        vector.reserveCapacity(data.count / 4)
        var index = data.startIndex
        while index < data.endIndex {
            var bits: UInt32 = 0
            for shift in 0..<4 { bits |= UInt32(data[index + shift]) << (8 * shift) }
            vector.append(Float(bitPattern: bits))
            index += 4
        }
        return vector
    }
}
