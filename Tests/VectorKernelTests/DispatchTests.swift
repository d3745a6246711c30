import CVectorKernels
import Testing

@Suite("run-time ISA dispatch")
struct DispatchTests {
    /// The explicit variant named by `ck_isa()`.
    static var chosenFloat: KernelVariant {
        KernelVariant(rawValue: String(cString: ck_isa())) ?? .dispatched
    }

    @Test("dispatch picks the widest float ISA the CPU supports")
    func floatChoiceFollowsCPU() {
        let expected = ck_cpu_has_avx512() != 0 ? "avx512" : (ck_cpu_has_avx2() != 0 ? "avx2" : "scalar")
        #expect(String(cString: ck_isa()) == expected)
        let expectedInt8 = ck_cpu_has_avx512vnni() != 0 ? "avx512vnni" : (ck_cpu_has_avx2() != 0 ? "avx2" : "scalar")
        #expect(String(cString: ck_isa_s8()) == expectedInt8)
        // VNNI is only reported together with the rest of AVX-512.
        #expect(ck_cpu_has_avx512vnni() == 0 || ck_cpu_has_avx512() != 0)
    }

    @Test("dispatched kernels return exactly what the chosen variant returns")
    func dispatchedEqualsChosenVariant() {
        let chosen = Self.chosenFloat
        #expect(chosen != .dispatched)
        var generator = SeededGenerator(seed: testSeed ^ 0xD15)
        for dim in testDimensions {
            let a = randomFloats(dim, using: &generator), b = randomFloats(dim, using: &generator)
            let context: Comment = "seed \(testSeed) isa \(chosen) dim \(dim)"
            #expect(withPointers(a, b) { ck_l2sq_f32($0, $1, dim) } == withPointers(a, b) { chosen.l2sq($0, $1, dim) }, context)
            #expect(withPointers(a, b) { ck_dot_f32($0, $1, dim) } == withPointers(a, b) { chosen.dot($0, $1, dim) }, context)
            #expect(
                withPointers(a, b) { ck_cosine_distance_f32($0, $1, dim) }
                    == withPointers(a, b) { chosen.cosine($0, $1, dim) }, context)
        }
    }
}
