import CVectorKernels

/// Distances between float32 vectors, through the C kernel library (run-time ISA dispatch).
///
/// Layout: every vector is `dimension` contiguous little-endian float32
/// values; pointers need no alignment. Callers check dimensions once
/// (`precondition`); the kernels then run unchecked.
enum DistanceKernels {
    /// Distance for `metric` between `query` and one stored vector.
    @inline(__always)
    static func distance(_ metric: Metric, _ query: UnsafePointer<Float>, _ stored: UnsafePointer<Float>, dimension: Int) -> Float {
        switch metric {
        case .l2: unsafe ck_l2sq_f32(query, stored, dimension)
        case .ip, .cosine: unsafe 1 - ck_dot_f32(query, stored, dimension)
        }
    }

    /// Distances from `query` to `count` scattered rows; `out` has room for `count` floats.
    @inline(__always)
    static func distances(
        _ metric: Metric, _ query: UnsafePointer<Float>, rows: UnsafeMutablePointer<UnsafePointer<Float>?>, count: Int,
        dimension: Int, into out: UnsafeMutablePointer<Float>
    ) {
        switch metric {
        case .l2:
            unsafe ck_l2sq_f32_gather(query, rows, count, dimension, out)
        case .ip, .cosine:
            unsafe ck_dot_f32_gather(query, rows, count, dimension, out)
            for index in 0..<count { unsafe out[index] = 1 - out[index] }
        }
    }

    /// Which instruction set the dispatcher chose ("avx512", "avx2", "scalar").
    static var instructionSet: String { unsafe String(cString: ck_isa()) }
}
