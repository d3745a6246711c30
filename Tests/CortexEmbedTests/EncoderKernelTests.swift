import CEmbedKernels
import CortexTesting
import Foundation
import Testing

/// The AVX-512 element-wise kernels agree with their scalar twins (and with libm) on awkward
/// sizes: 0, 1, 7–9, 16, 17 and a random one, on random values including large magnitudes.
@Suite struct EncoderKernelTests {
    static let sizes = [0, 1, 7, 8, 9, 16, 17, 384, 1536]

    static func values(_ count: Int, scale: Float, generator: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in Float.random(in: -scale...scale, using: &generator) }
    }

    @Test func geluMatchesItsTwinAndTheExactFormula() throws {
        try #require(ce_cpu_has_avx512() == 1, "this machine lacks AVX-512; only the scalar kernels run")
        var generator = SeededGenerator.fromEnvironment()
        for cols in Self.sizes + [Int.random(in: 1...700, using: &generator)] {
            let input = Self.values(cols * 3, scale: 12, generator: &generator)
            let bias = Self.values(cols, scale: 1, generator: &generator)
            var scalar = input, vector = input
            ce_bias_gelu_scalar(&scalar, cols, bias, 3, cols)
            ce_bias_gelu_avx512(&vector, cols, bias, 3, cols)
            for index in input.indices {
                let v = Double(input[index] + bias[index % cols])
                let exact = 0.5 * v * (1 + erf(v / 2.0.squareRoot()))
                #expect(abs(Double(scalar[index]) - exact) <= 2e-6 * max(1, abs(exact)), "seed \(generator.seed) scalar gelu(\(v))")
                #expect(abs(Double(vector[index]) - exact) <= 2e-6 * max(1, abs(exact)), "seed \(generator.seed) avx512 gelu(\(v))")
            }
        }
    }

    @Test func layerNormMatchesItsTwin() throws {
        try #require(ce_cpu_has_avx512() == 1, "this machine lacks AVX-512; only the scalar kernels run")
        var generator = SeededGenerator.fromEnvironment()
        for cols in Self.sizes where cols > 0 {
            let rows = 4, ld = cols + 3
            let input = Self.values(rows * ld, scale: 50, generator: &generator)
            let residual = Self.values(rows * ld, scale: 5, generator: &generator)
            let bias = Self.values(cols, scale: 1, generator: &generator)
            let gamma = Self.values(cols, scale: 2, generator: &generator)
            let beta = Self.values(cols, scale: 1, generator: &generator)
            var scalar = input, vector = input
            ce_bias_residual_layer_norm_scalar(&scalar, ld, bias, residual, gamma, beta, rows, cols, 1e-12)
            ce_bias_residual_layer_norm_avx512(&vector, ld, bias, residual, gamma, beta, rows, cols, 1e-12)
            for row in 0..<rows {
                for column in 0..<ld {
                    let index = row * ld + column
                    if column >= cols {
                        #expect(scalar[index] == input[index] && vector[index] == input[index], "padding between rows is untouched")
                    } else {
                        #expect(abs(scalar[index] - vector[index]) <= 1e-4 * max(1, abs(scalar[index])), "seed \(generator.seed) cols \(cols)")
                    }
                }
            }
        }
    }

    @Test func softmaxMatchesItsTwinAndSumsToOne() throws {
        try #require(ce_cpu_has_avx512() == 1, "this machine lacks AVX-512; only the scalar kernels run")
        var generator = SeededGenerator.fromEnvironment()
        for cols in Self.sizes where cols > 0 {
            let rows = 3
            let input = Self.values(rows * cols, scale: 80, generator: &generator)
            var scalar = input, vector = input
            ce_softmax_rows_scalar(&scalar, cols, rows, cols, 0.17677669)
            ce_softmax_rows_avx512(&vector, cols, rows, cols, 0.17677669)
            for row in 0..<rows {
                let slice = row * cols ..< (row + 1) * cols
                #expect(abs(vector[slice].reduce(0, +) - 1) < 1e-5)
                for index in slice {
                    #expect(abs(scalar[index] - vector[index]) <= 1e-6 + 1e-5 * scalar[index], "seed \(generator.seed) cols \(cols)")
                }
            }
        }
    }
}
