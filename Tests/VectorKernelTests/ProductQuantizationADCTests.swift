import CVectorKernels
import Testing

@Suite("PQ asymmetric distance computation")
struct ProductQuantizationADCTests {
    /// ksub: centroids per sub-quantizer, fixed by the 8-bit codes.
    static let ksub = 256

    @Test("contiguous ADC matches a double-precision table sum; gathered ADC equals it", arguments: [0, 1, 3, 4, 7, 8, 16, 48, 64])
    func adcMatchesReference(m: Int) {
        var generator = SeededGenerator(seed: testSeed ^ UInt64(m) ^ 0xADC)
        let lut = randomFloats(m * Self.ksub, using: &generator)  // [m][256]
        for rowCount in [0, 1, 5, 100] {
            let codes = (0..<(rowCount * m)).map { _ in UInt8.random(in: 0...255, using: &generator) }  // [n][m]
            var out = [Float](repeating: .nan, count: rowCount)
            ck_pq_adc_u8(lut, codes, rowCount, m, &out)
            let context: Comment = "seed \(testSeed) m \(m) rows \(rowCount)"
            for row in 0..<rowCount {
                var sum = 0.0, magnitude = 0.0
                for j in 0..<m {
                    let entry = Double(lut[j * Self.ksub + Int(codes[row * m + j])])
                    sum += entry
                    magnitude += abs(entry)
                }
                #expect(abs(Double(out[row]) - sum) <= floatTolerance(dim: m, magnitude: magnitude), context)
            }
            // Gathered rows in reverse order: each result equals the contiguous one for its row.
            var gathered = [Float](repeating: .nan, count: rowCount)
            codes.withUnsafeBufferPointer { c in
                let rows: [UnsafePointer<UInt8>?] = (0..<rowCount).reversed().map { c.baseAddress! + $0 * m }
                ck_pq_adc_u8_gather(lut, rows, rowCount, m, &gathered)
            }
            #expect(gathered == Array(out.reversed()), context)
        }
    }
}
