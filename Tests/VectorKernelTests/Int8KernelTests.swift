import CVectorKernels
import Testing

@Suite("int8 distance kernels")
struct Int8KernelTests {
    @Test("dot and l2sq are exact on random data for every dimension", arguments: KernelVariant.availableInt8)
    func exactOnRandomData(variant: KernelVariant) {
        var generator = SeededGenerator(seed: testSeed ^ 0x5_8)
        for dim in testDimensions {
            for offset in [0, 1] {
                let a = randomInt8s(dim + offset, using: &generator)
                let b = randomInt8s(dim + offset, using: &generator)
                let sliceA = Array(a[offset...]), sliceB = Array(b[offset...])
                let context: Comment = "seed \(testSeed) variant \(variant) dim \(dim) offset \(offset)"
                let dot = withPointers(a, b, offset: offset) { variant.dotInt8($0, $1, dim) }
                #expect(Int64(dot) == Reference.dotInt8(sliceA, sliceB), context)
                let l2 = withPointers(a, b, offset: offset) { variant.l2sqInt8($0, $1, dim) }
                #expect(Int64(l2) == Reference.l2sqInt8(sliceA, sliceB), context)
            }
        }
    }

    @Test("extreme values ±127 are exact, up to the documented overflow-free dimensions", arguments: KernelVariant.availableInt8)
    func exactOnExtremes(variant: KernelVariant) {
        let dotDimMax = Int(CK_S8_DOT_DIM_MAX), l2DimMax = Int(CK_S8_L2SQ_DIM_MAX)
        for dim in [1, 63, 64, 65, 4096, l2DimMax, dotDimMax] {
            let plus = [Int8](repeating: 127, count: dim)
            let minus = [Int8](repeating: -127, count: dim)
            let alternating = (0..<dim).map { $0 % 2 == 0 ? Int8(127) : Int8(-127) }
            let context: Comment = "variant \(variant) dim \(dim)"
            let square = Int64(127 * 127) * Int64(dim)
            #expect(Int64(withPointers(plus, plus) { variant.dotInt8($0, $1, dim) }) == square, context)
            #expect(Int64(withPointers(minus, minus) { variant.dotInt8($0, $1, dim) }) == square, context)
            #expect(Int64(withPointers(plus, minus) { variant.dotInt8($0, $1, dim) }) == -square, context)
            #expect(Int64(withPointers(minus, plus) { variant.dotInt8($0, $1, dim) }) == -square, context)
            #expect(
                Int64(withPointers(alternating, plus) { variant.dotInt8($0, $1, dim) })
                    == Reference.dotInt8(alternating, plus), context)
            if dim <= l2DimMax {
                #expect(Int64(withPointers(plus, minus) { variant.l2sqInt8($0, $1, dim) }) == Int64(254 * 254) * Int64(dim), context)
                #expect(Int64(withPointers(minus, plus) { variant.l2sqInt8($0, $1, dim) }) == Int64(254 * 254) * Int64(dim), context)
                #expect(withPointers(plus, plus) { variant.l2sqInt8($0, $1, dim) } == 0, context)
            }
        }
        #expect(variant.dotInt8(nil, nil, 0) == 0)
        #expect(variant.l2sqInt8(nil, nil, 0) == 0)
    }

    @Test("gathered int8 kernels equal the one-pair kernels", arguments: KernelVariant.availableInt8)
    func gatherEqualsPairs(variant: KernelVariant) {
        var generator = SeededGenerator(seed: testSeed ^ 0x6A8)
        for dim in testDimensions where dim <= 1536 {
            for rowCount in [0, 1, 3, 5, 17] {
                let query = randomInt8s(dim, using: &generator)
                let base = randomInt8s(rowCount * dim, using: &generator)
                let order = (0..<rowCount).shuffled(using: &generator)
                var dotOut = [Int32](repeating: .min, count: rowCount), l2Out = dotOut
                var dotExpected = dotOut, l2Expected = dotOut
                query.withUnsafeBufferPointer { q in
                    base.withUnsafeBufferPointer { b in
                        let rows: [UnsafePointer<Int8>?] = order.map { b.baseAddress! + $0 * dim }
                        variant.dotInt8Gather(q.baseAddress, rows, rowCount, dim, &dotOut)
                        variant.l2sqInt8Gather(q.baseAddress, rows, rowCount, dim, &l2Out)
                        for slot in 0..<rowCount {
                            dotExpected[slot] = variant.dotInt8(q.baseAddress, rows[slot], dim)
                            l2Expected[slot] = variant.l2sqInt8(q.baseAddress, rows[slot], dim)
                        }
                    }
                }
                let context: Comment = "seed \(testSeed) variant \(variant) dim \(dim) rows \(rowCount)"
                #expect(dotOut == dotExpected, context)
                #expect(l2Out == l2Expected, context)
            }
        }
    }
}
