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

@Suite("PQ lookup tables: float build and byte quantization")
struct ProductQuantizationTableTests {
    static let ksub = 256

    @Test("the dot-product table equals a double-precision reference", arguments: [(1, 1), (3, 5), (16, 8), (48, 8), (96, 16), (192, 8)])
    func dotTableMatchesReference(m: Int, dsub: Int) {
        var generator = SeededGenerator(seed: testSeed ^ UInt64(m * 1_000 + dsub) ^ 0x7AB1E)
        let centroidsTransposed = randomFloats(m * dsub * Self.ksub, using: &generator)  // [m][dsub][256]
        let query = randomFloats(m * dsub, using: &generator)
        var table = [Float](repeating: .nan, count: m * Self.ksub)
        ck_pq_dot_table(centroidsTransposed, query, m, dsub, &table)
        for j in 0..<m {
            for c in 0..<Self.ksub {
                var sum = 0.0, magnitude = 0.0
                for d in 0..<dsub {
                    let product = Double(query[j * dsub + d]) * Double(centroidsTransposed[(j * dsub + d) * Self.ksub + c])
                    sum += product
                    magnitude += abs(product)
                }
                #expect(abs(Double(table[j * Self.ksub + c]) - sum) <= floatTolerance(dim: dsub, magnitude: magnitude),
                        "seed \(testSeed) m \(m) dsub \(dsub) j \(j) c \(c)")
            }
        }
    }

    /// Rows with different offsets and ranges (one constant): the byte sum of
    /// any code is within m × step / 2 of the float table's sum.
    @Test("byte-table ADC stays within m × step / 2 of the float sum", arguments: [1, 3, 8, 9, 48, 192])
    func byteTableBoundsTheError(m: Int) {
        var generator = SeededGenerator(seed: testSeed ^ UInt64(m) ^ 0xB17E)
        var lut = [Float](repeating: 0, count: m * Self.ksub)
        for j in 0..<m {
            let offset = Float.random(in: -5...5, using: &generator)
            let range: Float = j == 0 ? 0 : Float.random(in: 0.01...3, using: &generator)
            for c in 0..<Self.ksub { lut[j * Self.ksub + c] = offset + range * Float.random(in: 0...1, using: &generator) }
        }
        var bytes = [UInt8](repeating: 0, count: m * Self.ksub)
        var step: Float = 0, bias: Float = 0
        ck_pq_quantize_table(lut, m, &bytes, &step, &bias)
        #expect(step > 0)
        let rowCount = 200
        let codes = (0..<(rowCount * m)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var out = [Float](repeating: .nan, count: rowCount)
        codes.withUnsafeBufferPointer { c in
            let rows: [UnsafePointer<UInt8>?] = (0..<rowCount).map { c.baseAddress! + $0 * m }
            ck_pq_adc_u8_table_gather(bytes, rows, rowCount, m, step, bias, &out)
        }
        for row in 0..<rowCount {
            var exact = 0.0, magnitude = 0.0
            for j in 0..<m {
                let entry = Double(lut[j * Self.ksub + Int(codes[row * m + j])])
                exact += entry
                magnitude += abs(entry)
            }
            let bound = Double(m) * Double(step) / 2 + floatTolerance(dim: m, magnitude: magnitude)
            #expect(abs(Double(out[row]) - exact) <= bound, "seed \(testSeed) m \(m) row \(row)")
        }
    }

    @Test("a table of equal entries quantizes exactly")
    func constantTable() {
        let m = 4
        let lut = [Float](repeating: 0.25, count: m * Self.ksub)
        var bytes = [UInt8](repeating: 9, count: m * Self.ksub)
        var step: Float = 0, bias: Float = 0
        ck_pq_quantize_table(lut, m, &bytes, &step, &bias)
        #expect(bytes.allSatisfy { $0 == 0 })
        #expect(bias == 1.0)
        let code: [UInt8] = [7, 200, 0, 255]
        var out: Float = .nan
        code.withUnsafeBufferPointer { c in
            let rows: [UnsafePointer<UInt8>?] = [c.baseAddress!]
            ck_pq_adc_u8_table_gather(bytes, rows, 1, m, step, bias, &out)
        }
        #expect(out == 1.0)
    }
}
