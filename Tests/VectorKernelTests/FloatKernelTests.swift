import CVectorKernels
import Testing

@Suite("float32 distance kernels")
struct FloatKernelTests {
    @Test("l2sq, dot and cosine match a double-precision reference on every dimension", arguments: KernelVariant.availableFloat)
    func pairKernelsMatchReference(variant: KernelVariant) {
        var generator = SeededGenerator(seed: testSeed)
        for dim in testDimensions {
            // offset 1 makes every row start 4 bytes past the allocation: unaligned loads.
            for offset in [0, 1] {
                let a = randomFloats(dim + offset, using: &generator)
                let b = randomFloats(dim + offset, using: &generator)
                let sliceA = a[offset...], sliceB = b[offset...]
                let context: Comment = "seed \(testSeed) variant \(variant) dim \(dim) offset \(offset)"

                let l2 = Reference.l2sq(sliceA, sliceB)
                let l2Got = withPointers(a, b, offset: offset) { variant.l2sq($0, $1, dim) }
                #expect(abs(Double(l2Got) - l2.value) <= floatTolerance(dim: dim, magnitude: l2.magnitude), context)

                let dot = Reference.dot(sliceA, sliceB)
                let dotGot = withPointers(a, b, offset: offset) { variant.dot($0, $1, dim) }
                #expect(abs(Double(dotGot) - dot.value) <= floatTolerance(dim: dim, magnitude: dot.magnitude), context)

                // |a·b| sums are at most |a||b| (Cauchy–Schwarz), so 3 sums' worth of error.
                let cosine = Reference.cosineDistance(sliceA, sliceB)
                let cosineGot = withPointers(a, b, offset: offset) { variant.cosine($0, $1, dim) }
                #expect(abs(Double(cosineGot) - cosine) <= 3 * floatTolerance(dim: dim, magnitude: 1) + 1e-6, context)
            }
        }
    }

    @Test("cosine distance of a zero vector is 1, of parallel vectors 0, of opposite vectors 2", arguments: KernelVariant.availableFloat)
    func cosineSpecialCases(variant: KernelVariant) {
        for dim in [1, 7, 16, 17, 384] {
            let zero = [Float](repeating: 0, count: dim)
            var generator = SeededGenerator(seed: testSeed ^ UInt64(dim))
            let x = randomFloats(dim, using: &generator)
            let context: Comment = "seed \(testSeed) variant \(variant) dim \(dim)"
            #expect(withPointers(zero, zero) { variant.cosine($0, $1, dim) } == 1, context)
            #expect(withPointers(zero, x) { variant.cosine($0, $1, dim) } == 1, context)
            #expect(withPointers(x, zero) { variant.cosine($0, $1, dim) } == 1, context)
            let scaled = x.map { $0 * 3 }
            let negated = x.map { -$0 }
            #expect(abs(withPointers(x, scaled) { variant.cosine($0, $1, dim) }) <= 1e-6, context)
            #expect(abs(withPointers(x, negated) { variant.cosine($0, $1, dim) } - 2) <= 1e-6, context)
        }
        // dim 0: no direction at all, and null pointers are allowed.
        #expect(variant.cosine(nil, nil, 0) == 1)
    }

    @Test("dimension 0 gives 0 and reads nothing, even through null pointers", arguments: KernelVariant.availableFloat)
    func zeroDimension(variant: KernelVariant) {
        #expect(variant.l2sq(nil, nil, 0) == 0)
        #expect(variant.dot(nil, nil, 0) == 0)
        var out: [Float] = [42, 42]
        variant.l2sqBatch(nil, nil, 2, 0, 0, &out)
        #expect(out == [0, 0])
        variant.dotBatch(nil, nil, 0, 0, 0, nil)  // n = 0 writes nothing
    }

    @Test("batch kernels match the reference for any row count and stride", arguments: KernelVariant.availableFloat)
    func batchMatchesReference(variant: KernelVariant) {
        var generator = SeededGenerator(seed: testSeed ^ 0xBA7C)
        for dim in testDimensions where dim <= 1536 {
            // Row counts around the 4-row block: remainders 0–3; stride > dim leaves gaps that must be skipped.
            for rowCount in [0, 1, 3, 4, 5, 8, 11] {
                let stride = dim + (rowCount % 3)
                let query = randomFloats(dim, using: &generator)
                let base = randomFloats(rowCount * stride, using: &generator)
                var l2Out = [Float](repeating: .nan, count: rowCount)
                var dotOut = [Float](repeating: .nan, count: rowCount)
                withPointers(query, base) { q, b in
                    variant.l2sqBatch(q, b, rowCount, dim, stride, &l2Out)
                    variant.dotBatch(q, b, rowCount, dim, stride, &dotOut)
                }
                for row in 0..<rowCount {
                    let slice = base[(row * stride)..<(row * stride + dim)]
                    let context: Comment = "seed \(testSeed) variant \(variant) dim \(dim) rows \(rowCount) row \(row)"
                    let l2 = Reference.l2sq(query[...], slice)
                    #expect(abs(Double(l2Out[row]) - l2.value) <= floatTolerance(dim: dim, magnitude: l2.magnitude), context)
                    let dot = Reference.dot(query[...], slice)
                    #expect(abs(Double(dotOut[row]) - dot.value) <= floatTolerance(dim: dim, magnitude: dot.magnitude), context)
                }
            }
        }
    }

    @Test("batches too large to be cache-resident (row-at-a-time path) match the reference", arguments: KernelVariant.availableFloat)
    func largeBatchMatchesReference(variant: KernelVariant) {
        var generator = SeededGenerator(seed: testSeed ^ 0x1A76E)
        // 383 floats per row, stride 385: 1,400 rows are 2.2 MB, past the 1 MiB blocking limit.
        let dim = 383, stride = 385, rowCount = 1_400
        let query = randomFloats(dim, using: &generator)
        let base = randomFloats(rowCount * stride, using: &generator)
        var l2Out = [Float](repeating: .nan, count: rowCount), dotOut = l2Out
        withPointers(query, base) { q, b in
            variant.l2sqBatch(q, b, rowCount, dim, stride, &l2Out)
            variant.dotBatch(q, b, rowCount, dim, stride, &dotOut)
        }
        for row in 0..<rowCount {
            let slice = base[(row * stride)..<(row * stride + dim)]
            let context: Comment = "seed \(testSeed) variant \(variant) row \(row)"
            let l2 = Reference.l2sq(query[...], slice)
            #expect(abs(Double(l2Out[row]) - l2.value) <= floatTolerance(dim: dim, magnitude: l2.magnitude), context)
            let dot = Reference.dot(query[...], slice)
            #expect(abs(Double(dotOut[row]) - dot.value) <= floatTolerance(dim: dim, magnitude: dot.magnitude), context)
        }
    }

    @Test("gather kernels equal batch kernels bit for bit, rows in any order", arguments: KernelVariant.availableFloat)
    func gatherEqualsBatch(variant: KernelVariant) {
        var generator = SeededGenerator(seed: testSeed ^ 0x6A7E)
        for dim in testDimensions where dim <= 1536 {
            for rowCount in [0, 1, 2, 4, 7, 9, 16, 33] {
                let query = randomFloats(dim, using: &generator)
                let base = randomFloats(rowCount * dim, using: &generator)
                let order = (0..<rowCount).shuffled(using: &generator)
                var batchL2 = [Float](repeating: .nan, count: rowCount), batchDot = batchL2
                var gatherL2 = batchL2, gatherDot = batchL2
                query.withUnsafeBufferPointer { q in
                    base.withUnsafeBufferPointer { b in
                        variant.l2sqBatch(q.baseAddress, b.baseAddress, rowCount, dim, dim, &batchL2)
                        variant.dotBatch(q.baseAddress, b.baseAddress, rowCount, dim, dim, &batchDot)
                        // In-order pointers: same blocks as the batch, so bit-identical results.
                        let rows: [UnsafePointer<Float>?] = (0..<rowCount).map { b.baseAddress! + $0 * dim }
                        variant.l2sqGather(q.baseAddress, rows, rowCount, dim, &gatherL2)
                        variant.dotGather(q.baseAddress, rows, rowCount, dim, &gatherDot)
                    }
                }
                let context: Comment = "seed \(testSeed) variant \(variant) dim \(dim) rows \(rowCount)"
                #expect(gatherL2 == batchL2, context)
                #expect(gatherDot == batchDot, context)

                // Shuffled pointers (scattered rows): each result matches its own row's reference.
                var shuffledL2 = [Float](repeating: .nan, count: rowCount)
                query.withUnsafeBufferPointer { q in
                    base.withUnsafeBufferPointer { b in
                        let rows: [UnsafePointer<Float>?] = order.map { b.baseAddress! + $0 * dim }
                        variant.l2sqGather(q.baseAddress, rows, rowCount, dim, &shuffledL2)
                    }
                }
                for (slot, row) in order.enumerated() {
                    let l2 = Reference.l2sq(query[...], base[(row * dim)..<(row * dim + dim)])
                    #expect(abs(Double(shuffledL2[slot]) - l2.value) <= floatTolerance(dim: dim, magnitude: l2.magnitude), context)
                }
            }
        }
    }
}
