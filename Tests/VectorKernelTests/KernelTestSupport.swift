import CVectorKernels
import Foundation

/// Seed for every random input in this suite: `CORTEX_TEST_SEED` if set, else a fixed value,
/// so a failure (whose message names the seed) can be replayed exactly.
let testSeed: UInt64 = {
    if let text = ProcessInfo.processInfo.environment["CORTEX_TEST_SEED"], let value = UInt64(text) {
        return value
    }
    return 0xC0_47E5_5EED
}()

/// SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014):
/// tiny, seedable, and good enough for test data.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Fixed edge dimensions (around the 8/16/32/64-lane steps) plus seeded random ones.
let testDimensions: [Int] = {
    var fixed = [0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 127, 383, 384, 1536, 4096]
    var generator = SeededGenerator(seed: testSeed ^ 0xD1)
    for _ in 0..<8 { fixed.append(Int.random(in: 2...5000, using: &generator)) }
    return fixed
}()

/// One kernel implementation: an explicit ISA variant, or whatever dispatch chose.
enum KernelVariant: String, CaseIterable, Sendable, CustomStringConvertible {
    case scalar, avx2, avx512, dispatched

    var description: String { rawValue }

    /// Float variants this CPU can run.
    static var availableFloat: [KernelVariant] {
        allCases.filter { variant in
            switch variant {
            case .scalar, .dispatched: true
            case .avx2: ck_cpu_has_avx2() != 0
            case .avx512: ck_cpu_has_avx512() != 0
            }
        }
    }

    /// int8 variants this CPU can run (the AVX-512 int8 kernels need VNNI).
    static var availableInt8: [KernelVariant] {
        allCases.filter { variant in
            switch variant {
            case .scalar, .dispatched: true
            case .avx2: ck_cpu_has_avx2() != 0
            case .avx512: ck_cpu_has_avx512vnni() != 0
            }
        }
    }
}

typealias FloatPair = (UnsafePointer<Float>?, UnsafePointer<Float>?, Int) -> Float
typealias FloatBatch = (UnsafePointer<Float>?, UnsafePointer<Float>?, Int, Int, Int, UnsafeMutablePointer<Float>?) -> Void
typealias FloatGather = (
    UnsafePointer<Float>?, UnsafePointer<UnsafePointer<Float>?>?, Int, Int, UnsafeMutablePointer<Float>?
) -> Void
typealias Int8Pair = (UnsafePointer<Int8>?, UnsafePointer<Int8>?, Int) -> Int32
typealias Int8Gather = (
    UnsafePointer<Int8>?, UnsafePointer<UnsafePointer<Int8>?>?, Int, Int, UnsafeMutablePointer<Int32>?
) -> Void

extension KernelVariant {
    var l2sq: FloatPair {
        switch self {
        case .scalar: ck_l2sq_f32_scalar
        case .avx2: ck_l2sq_f32_avx2
        case .avx512: ck_l2sq_f32_avx512
        case .dispatched: ck_l2sq_f32
        }
    }

    var dot: FloatPair {
        switch self {
        case .scalar: ck_dot_f32_scalar
        case .avx2: ck_dot_f32_avx2
        case .avx512: ck_dot_f32_avx512
        case .dispatched: ck_dot_f32
        }
    }

    var cosine: FloatPair {
        switch self {
        case .scalar: ck_cosine_distance_f32_scalar
        case .avx2: ck_cosine_distance_f32_avx2
        case .avx512: ck_cosine_distance_f32_avx512
        case .dispatched: ck_cosine_distance_f32
        }
    }

    var l2sqBatch: FloatBatch {
        switch self {
        case .scalar: ck_l2sq_f32_batch_scalar
        case .avx2: ck_l2sq_f32_batch_avx2
        case .avx512: ck_l2sq_f32_batch_avx512
        case .dispatched: ck_l2sq_f32_batch
        }
    }

    var dotBatch: FloatBatch {
        switch self {
        case .scalar: ck_dot_f32_batch_scalar
        case .avx2: ck_dot_f32_batch_avx2
        case .avx512: ck_dot_f32_batch_avx512
        case .dispatched: ck_dot_f32_batch
        }
    }

    var l2sqGather: FloatGather {
        switch self {
        case .scalar: ck_l2sq_f32_gather_scalar
        case .avx2: ck_l2sq_f32_gather_avx2
        case .avx512: ck_l2sq_f32_gather_avx512
        case .dispatched: ck_l2sq_f32_gather
        }
    }

    var dotGather: FloatGather {
        switch self {
        case .scalar: ck_dot_f32_gather_scalar
        case .avx2: ck_dot_f32_gather_avx2
        case .avx512: ck_dot_f32_gather_avx512
        case .dispatched: ck_dot_f32_gather
        }
    }

    var dotInt8: Int8Pair {
        switch self {
        case .scalar: ck_dot_s8_scalar
        case .avx2: ck_dot_s8_avx2
        case .avx512: ck_dot_s8_avx512
        case .dispatched: ck_dot_s8
        }
    }

    var l2sqInt8: Int8Pair {
        switch self {
        case .scalar: ck_l2sq_s8_scalar
        case .avx2: ck_l2sq_s8_avx2
        case .avx512: ck_l2sq_s8_avx512
        case .dispatched: ck_l2sq_s8
        }
    }

    var dotInt8Gather: Int8Gather {
        switch self {
        case .scalar: ck_dot_s8_gather_scalar
        case .avx2: ck_dot_s8_gather_avx2
        case .avx512: ck_dot_s8_gather_avx512
        case .dispatched: ck_dot_s8_gather
        }
    }

    var l2sqInt8Gather: Int8Gather {
        switch self {
        case .scalar: ck_l2sq_s8_gather_scalar
        case .avx2: ck_l2sq_s8_gather_avx2
        case .avx512: ck_l2sq_s8_gather_avx512
        case .dispatched: ck_l2sq_s8_gather
        }
    }
}

/// `count` floats uniform in [-1, 1).
func randomFloats(_ count: Int, using generator: inout SeededGenerator) -> [Float] {
    (0..<count).map { _ in Float.random(in: -1..<1, using: &generator) }
}

/// `count` int8 values uniform in [-127, 127] (the kernels' documented domain).
func randomInt8s(_ count: Int, using generator: inout SeededGenerator) -> [Int8] {
    (0..<count).map { _ in Int8.random(in: -127...127, using: &generator) }
}

/// Naive double-precision references; `magnitude` is the sum of |term|, the scale that float
/// rounding error is proportional to.
enum Reference {
    static func l2sq(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> (value: Double, magnitude: Double) {
        var sum = 0.0
        for (x, y) in zip(a, b) {
            let d = Double(x) - Double(y)
            sum += d * d
        }
        return (sum, sum)
    }

    static func dot(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> (value: Double, magnitude: Double) {
        var sum = 0.0, magnitude = 0.0
        for (x, y) in zip(a, b) {
            sum += Double(x) * Double(y)
            magnitude += abs(Double(x) * Double(y))
        }
        return (sum, magnitude)
    }

    static func cosineDistance(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
        let ab = dot(a, b).value, aa = dot(a, a).value, bb = dot(b, b).value
        if aa == 0 || bb == 0 { return 1 }
        return 1 - min(1, max(-1, ab / (aa.squareRoot() * bb.squareRoot())))
    }

    static func dotInt8(_ a: [Int8], _ b: [Int8]) -> Int64 {
        zip(a, b).reduce(0) { $0 + Int64($1.0) * Int64($1.1) }
    }

    static func l2sqInt8(_ a: [Int8], _ b: [Int8]) -> Int64 {
        zip(a, b).reduce(0) { sum, pair in
            let d = Int64(pair.0) - Int64(pair.1)
            return sum + d * d
        }
    }
}

/// Allowed float32 error: 1e-5·sqrt(dim) relative to the magnitude sum (summation-order
/// differences grow like sqrt(dim) on random data), plus a tiny absolute floor.
func floatTolerance(dim: Int, magnitude: Double) -> Double {
    1e-5 * Double(max(dim, 1)).squareRoot() * magnitude + 1e-30
}

/// Calls `body` with base addresses of `a` and `b` shifted by `offset` elements (to exercise
/// unaligned loads); addresses are nil for empty arrays, as the C contract allows.
func withPointers<T, R>(
    _ a: [T], _ b: [T], offset: Int = 0, _ body: (UnsafePointer<T>?, UnsafePointer<T>?) -> R
) -> R {
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            body(pa.baseAddress.map { $0 + offset }, pb.baseAddress.map { $0 + offset })
        }
    }
}
