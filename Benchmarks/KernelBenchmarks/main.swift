// kernel-bench: ns per distance and GFLOP/s of the CVectorKernels variants (STYLE.md §10).
//
// Harness: one query against N rows. "L2-resident" = 192 KiB of rows (as in NOTES.md §3, so the
// numbers compare), "stream" = 100,000 rows of 384-d (154 MB, far beyond L3). Time is the
// thread's own CPU clock (CLOCK_THREAD_CPUTIME_ID, so time stolen by other jobs on the shared
// cores is not counted); each figure is the median of 7 samples of >= 30 ms. Every variant's
// result sum is checked against the scalar variant's, so no work can be dropped or be wrong.
// Flops per distance: L2² 3·d, IP 2·d (int8: the same counts, reported as GOP/s).

import CVectorKernels
import Foundation

typealias PairF32 = @convention(c) (UnsafePointer<Float>?, UnsafePointer<Float>?, Int) -> Float
typealias BatchF32 = @convention(c) (UnsafePointer<Float>?, UnsafePointer<Float>?, Int, Int, Int, UnsafeMutablePointer<Float>?) -> Void
typealias GatherF32 = @convention(c) (UnsafePointer<Float>?, UnsafePointer<UnsafePointer<Float>?>?, Int, Int, UnsafeMutablePointer<Float>?) -> Void
typealias PairS8 = @convention(c) (UnsafePointer<Int8>?, UnsafePointer<Int8>?, Int) -> Int32
typealias GatherS8 = @convention(c) (UnsafePointer<Int8>?, UnsafePointer<UnsafePointer<Int8>?>?, Int, Int, UnsafeMutablePointer<Int32>?) -> Void

/// One ISA's entry points; nil where the CPU lacks the ISA (the variant is then skipped).
struct Variant {
    let name: String
    let l2sq: PairF32, dot: PairF32
    let l2sqBatch: BatchF32, dotBatch: BatchF32
    let l2sqGather: GatherF32, dotGather: GatherF32
    let dotS8: PairS8?, l2sqS8: PairS8?
    let dotS8Gather: GatherS8?, l2sqS8Gather: GatherS8?
}

func availableVariants() -> [Variant] {
    var list = [
        Variant(name: "scalar", l2sq: ck_l2sq_f32_scalar, dot: ck_dot_f32_scalar,
                l2sqBatch: ck_l2sq_f32_batch_scalar, dotBatch: ck_dot_f32_batch_scalar,
                l2sqGather: ck_l2sq_f32_gather_scalar, dotGather: ck_dot_f32_gather_scalar,
                dotS8: ck_dot_s8_scalar, l2sqS8: ck_l2sq_s8_scalar,
                dotS8Gather: ck_dot_s8_gather_scalar, l2sqS8Gather: ck_l2sq_s8_gather_scalar),
    ]
    if ck_cpu_has_avx2() != 0 {
        list.append(Variant(name: "avx2", l2sq: ck_l2sq_f32_avx2, dot: ck_dot_f32_avx2,
                            l2sqBatch: ck_l2sq_f32_batch_avx2, dotBatch: ck_dot_f32_batch_avx2,
                            l2sqGather: ck_l2sq_f32_gather_avx2, dotGather: ck_dot_f32_gather_avx2,
                            dotS8: ck_dot_s8_avx2, l2sqS8: ck_l2sq_s8_avx2,
                            dotS8Gather: ck_dot_s8_gather_avx2, l2sqS8Gather: ck_l2sq_s8_gather_avx2))
    }
    if ck_cpu_has_avx512() != 0 {
        let vnni = ck_cpu_has_avx512vnni() != 0
        list.append(Variant(name: "avx512", l2sq: ck_l2sq_f32_avx512, dot: ck_dot_f32_avx512,
                            l2sqBatch: ck_l2sq_f32_batch_avx512, dotBatch: ck_dot_f32_batch_avx512,
                            l2sqGather: ck_l2sq_f32_gather_avx512, dotGather: ck_dot_f32_gather_avx512,
                            dotS8: vnni ? ck_dot_s8_avx512 : nil, l2sqS8: vnni ? ck_l2sq_s8_avx512 : nil,
                            dotS8Gather: vnni ? ck_dot_s8_gather_avx512 : nil,
                            l2sqS8Gather: vnni ? ck_l2sq_s8_gather_avx512 : nil))
    }
    list.append(Variant(name: "dispatched", l2sq: ck_l2sq_f32, dot: ck_dot_f32,
                        l2sqBatch: ck_l2sq_f32_batch, dotBatch: ck_dot_f32_batch,
                        l2sqGather: ck_l2sq_f32_gather, dotGather: ck_dot_f32_gather,
                        dotS8: ck_dot_s8, l2sqS8: ck_l2sq_s8,
                        dotS8Gather: ck_dot_s8_gather, l2sqS8Gather: ck_l2sq_s8_gather))
    return list
}

// MARK: - Timing

func threadCPUNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Median CPU ns of one `pass` (7 samples of >= 30 ms each) and the checksum `pass` returned.
func measure(_ pass: () -> Double) -> (nanoseconds: Double, checksum: Double) {
    let checksum = pass()  // also warms caches and the branch predictors
    var repetitions = 1
    while true {
        let start = threadCPUNanoseconds()
        for _ in 0..<repetitions { _ = pass() }
        if threadCPUNanoseconds() - start >= 30_000_000 { break }
        repetitions *= 2
    }
    var samples: [Double] = []
    for _ in 0..<7 {
        let start = threadCPUNanoseconds()
        var sum = 0.0
        for _ in 0..<repetitions { sum += pass() }
        samples.append(Double(threadCPUNanoseconds() - start) / Double(repetitions))
        precondition(sum == checksum * Double(repetitions) || abs(sum - checksum * Double(repetitions)) <= 1e-9 * abs(sum),
                     "pass results changed between repetitions")
    }
    samples.sort()
    return (samples[3], checksum)
}

/// Fails loudly if `checksum` differs from the scalar reference by more than float rounding.
func check(_ checksum: Double, against reference: Double, _ label: String) -> String {
    let error = abs(checksum - reference) / max(abs(reference), 1e-30)
    if error > 1e-4 {
        print("CHECK FAILED: \(label): sum \(checksum) vs scalar \(reference) (relative error \(error))")
        exit(1)
    }
    return "ok"
}

// MARK: - Data

/// 64-byte aligned uniform [0, 1) floats (positive, so result sums never cancel to ~0).
func makeFloats(_ count: Int, seed: UInt64) -> UnsafeMutablePointer<Float> {
    var generator = SplitMix64(seed: seed)
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
    let floats = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    for i in 0..<count { floats[i] = Float(generator.next() >> 40) / Float(1 << 24) }
    return floats
}

/// 64-byte aligned uniform int8 in [-127, 127].
func makeInt8s(_ count: Int, seed: UInt64) -> UnsafeMutablePointer<Int8> {
    var generator = SplitMix64(seed: seed)
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64)
    let bytes = raw.bindMemory(to: Int8.self, capacity: max(count, 1))
    for i in 0..<count { bytes[i] = Int8(Int(generator.next() % 255) - 127) }
    return bytes
}

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Passes (one sweep of the query over all rows; returns the sum of the results)

func pairPass(_ f: PairF32, _ q: UnsafePointer<Float>, _ rows: [UnsafePointer<Float>?], _ dim: Int) -> Double {
    var sum = 0.0
    for row in rows { sum += Double(f(q, row, dim)) }
    return sum
}

func batchPass(_ f: BatchF32, _ q: UnsafePointer<Float>, _ base: UnsafePointer<Float>, _ n: Int, _ dim: Int,
               _ out: UnsafeMutablePointer<Float>) -> Double {
    f(q, base, n, dim, dim, out)
    var sum = 0.0
    for i in 0..<n { sum += Double(out[i]) }
    return sum
}

/// Calls `f` on `chunk` rows at a time, like a graph search expanding one node's neighbours.
func gatherPass(_ f: GatherF32, _ q: UnsafePointer<Float>, _ rows: [UnsafePointer<Float>?], _ dim: Int, chunk: Int,
                _ out: UnsafeMutablePointer<Float>) -> Double {
    rows.withUnsafeBufferPointer { r in
        var start = 0
        while start < r.count {
            let count = min(chunk, r.count - start)
            f(q, r.baseAddress! + start, count, dim, out + start)
            start += count
        }
    }
    var sum = 0.0
    for i in 0..<rows.count { sum += Double(out[i]) }
    return sum
}

func pairPassS8(_ f: PairS8, _ q: UnsafePointer<Int8>, _ rows: [UnsafePointer<Int8>?], _ dim: Int) -> Double {
    var sum: Int64 = 0
    for row in rows { sum += Int64(f(q, row, dim)) }
    return Double(sum)
}

func gatherPassS8(_ f: GatherS8, _ q: UnsafePointer<Int8>, _ rows: [UnsafePointer<Int8>?], _ dim: Int, chunk: Int,
                  _ out: UnsafeMutablePointer<Int32>) -> Double {
    rows.withUnsafeBufferPointer { r in
        var start = 0
        while start < r.count {
            let count = min(chunk, r.count - start)
            f(q, r.baseAddress! + start, count, dim, out + start)
            start += count
        }
    }
    var sum: Int64 = 0
    for i in 0..<rows.count { sum += Int64(out[i]) }
    return Double(sum)
}

// MARK: - Output

func fmt(_ value: Double, _ decimals: Int = 1) -> String { String(format: "%.\(decimals)f", value) }
func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}
func row(_ cells: [String]) { print("| " + cells.joined(separator: " | ") + " |") }

// MARK: - Benchmarks

let variants = availableVariants()
let dims = [128, 384, 768, 1536]
let hotBytes = 192 * 1024
let neighbourChunk = 32  // rows per gather call, a typical graph out-degree

var load = [Double](repeating: 0, count: 3)
getloadavg(&load, 3)
print("kernel-bench: ck_isa()=\(String(cString: ck_isa())) ck_isa_s8()=\(String(cString: ck_isa_s8())) "
      + "avx2=\(ck_cpu_has_avx2()) avx512=\(ck_cpu_has_avx512()) vnni=\(ck_cpu_has_avx512vnni()) "
      + "load average \(fmt(load[0], 2)) \(fmt(load[1], 2))")
print("CPU time per thread, median of 7 samples >= 30 ms; GF/s = GFLOP/s (L2² 3·d, IP 2·d flops).")

print("\n## float32, one query × N rows, L2-resident (192 KiB of rows)")
print("pair = one C call per row (as an index calls it); batch = ck_*_batch (4-row blocks share query loads)\n")
row(["kernel", "dim", "N", "variant", "pair ns", "pair GF/s", "batch ns", "batch GF/s", "check"])
row(["---", "---:", "---:", "---", "---:", "---:", "---:", "---:", "---"])
for dim in dims {
    let n = hotBytes / (dim * 4)
    let q = makeFloats(dim, seed: 1)
    let base = makeFloats(n * dim, seed: 2)
    let out = UnsafeMutablePointer<Float>.allocate(capacity: n)
    let rows: [UnsafePointer<Float>?] = (0..<n).map { UnsafePointer(base + $0 * dim) }
    for (kernel, flops) in [("L2²", 3 * dim), ("IP", 2 * dim)] {
        var reference = 0.0
        for variant in variants {
            let pair = kernel == "L2²" ? variant.l2sq : variant.dot
            let batch = kernel == "L2²" ? variant.l2sqBatch : variant.dotBatch
            let p = measure { pairPass(pair, q, rows, dim) }
            let b = measure { batchPass(batch, q, base, n, dim, out) }
            if variant.name == "scalar" { reference = p.checksum }
            let ok = check(p.checksum, against: reference, "\(kernel) \(dim) \(variant.name) pair")
            _ = check(b.checksum, against: reference, "\(kernel) \(dim) \(variant.name) batch")
            let pairNs = p.nanoseconds / Double(n), batchNs = b.nanoseconds / Double(n)
            row([kernel, "\(dim)", "\(n)", variant.name, pad(fmt(pairNs), 6), pad(fmt(Double(flops) / pairNs), 5),
                 pad(fmt(batchNs), 6), pad(fmt(Double(flops) / batchNs), 5), ok])
        }
    }
}

do {
    let dim = 384, n = 100_000
    print("\n## float32, one query × \(n) rows of \(dim)-d, streaming from memory (\(n * dim * 4 / 1_000_000) MB)")
    print("seq = rows in memory order; random = rows in a shuffled order (graph-like), gather called per \(neighbourChunk) rows\n")
    let q = makeFloats(dim, seed: 3)
    let base = makeFloats(n * dim, seed: 4)
    let out = UnsafeMutablePointer<Float>.allocate(capacity: n)
    let sequential: [UnsafePointer<Float>?] = (0..<n).map { UnsafePointer(base + $0 * dim) }
    var generator = SplitMix64(seed: 5)
    let shuffled = sequential.shuffled(using: &generator)
    row(["kernel", "variant", "pair seq ns", "GF/s", "batch seq ns", "GF/s", "pair random ns", "gather random ns", "GF/s", "check"])
    row(["---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---"])
    for (kernel, flops) in [("L2²", 3 * dim), ("IP", 2 * dim)] {
        var reference = 0.0
        for variant in variants {
            let pair = kernel == "L2²" ? variant.l2sq : variant.dot
            let batch = kernel == "L2²" ? variant.l2sqBatch : variant.dotBatch
            let gather = kernel == "L2²" ? variant.l2sqGather : variant.dotGather
            let ps = measure { pairPass(pair, q, sequential, dim) }
            let bs = measure { batchPass(batch, q, base, n, dim, out) }
            let pr = measure { pairPass(pair, q, shuffled, dim) }
            let gr = measure { gatherPass(gather, q, shuffled, dim, chunk: neighbourChunk, out) }
            if variant.name == "scalar" { reference = ps.checksum }
            var ok = check(ps.checksum, against: reference, "stream \(kernel) \(variant.name) pair")
            ok = check(bs.checksum, against: reference, "stream \(kernel) \(variant.name) batch")
            ok = check(pr.checksum, against: reference, "stream \(kernel) \(variant.name) pair random")
            ok = check(gr.checksum, against: reference, "stream \(kernel) \(variant.name) gather")
            let f = Double(flops), nn = Double(n)
            row([kernel, variant.name, pad(fmt(ps.nanoseconds / nn), 6), pad(fmt(f / (ps.nanoseconds / nn)), 5),
                 pad(fmt(bs.nanoseconds / nn), 6), pad(fmt(f / (bs.nanoseconds / nn)), 5),
                 pad(fmt(pr.nanoseconds / nn), 6), pad(fmt(gr.nanoseconds / nn), 6),
                 pad(fmt(f / (gr.nanoseconds / nn)), 5), ok])
        }
    }
}

print("\n## int8 (quantized navigation), one query × N rows, L2-resident (192 KiB of rows), one call per row")
print("GOP/s with the same op counts (dot 2·d, l2sq 3·d); exact results, checked equal to scalar\n")
row(["kernel", "dim", "N", "variant", "ns", "GOP/s", "check"])
row(["---", "---:", "---:", "---", "---:", "---:", "---"])
for dim in dims {
    let n = hotBytes / dim
    let q = makeInt8s(dim, seed: 6)
    let base = makeInt8s(n * dim, seed: 7)
    let rows: [UnsafePointer<Int8>?] = (0..<n).map { UnsafePointer(base + $0 * dim) }
    for (kernel, ops) in [("dot s8", 2 * dim), ("l2sq s8", 3 * dim)] {
        var reference = 0.0
        for variant in variants {
            guard let f = kernel == "dot s8" ? variant.dotS8 : variant.l2sqS8 else { continue }
            let m = measure { pairPassS8(f, q, rows, dim) }
            if variant.name == "scalar" { reference = m.checksum }
            if m.checksum != reference {
                print("CHECK FAILED: \(kernel) \(dim) \(variant.name): \(m.checksum) vs scalar \(reference)")
                exit(1)
            }
            let ns = m.nanoseconds / Double(n)
            row([kernel, "\(dim)", "\(n)", variant.name, pad(fmt(ns, 2), 6), pad(fmt(Double(ops) / ns), 5), "ok"])
        }
    }
}

do {
    let dim = 384, n = 100_000
    print("\n## int8, one query × \(n) rows of \(dim)-d (\(n * dim / 1_000_000) MB), rows in shuffled order")
    print("pair = one call per row, no prefetch; gather = ck_*_s8_gather per \(neighbourChunk) rows (prefetch 4 rows ahead)\n")
    let q = makeInt8s(dim, seed: 8)
    let base = makeInt8s(n * dim, seed: 9)
    let out = UnsafeMutablePointer<Int32>.allocate(capacity: n)
    var generator = SplitMix64(seed: 10)
    let shuffled: [UnsafePointer<Int8>?] = (0..<n).map { UnsafePointer(base + $0 * dim) }.shuffled(using: &generator)
    row(["kernel", "variant", "pair random ns", "gather random ns", "check"])
    row(["---", "---", "---:", "---:", "---"])
    for kernel in ["dot s8", "l2sq s8"] {
        var reference = 0.0
        for variant in variants {
            guard let f = kernel == "dot s8" ? variant.dotS8 : variant.l2sqS8,
                  let g = kernel == "dot s8" ? variant.dotS8Gather : variant.l2sqS8Gather else { continue }
            let p = measure { pairPassS8(f, q, shuffled, dim) }
            let gr = measure { gatherPassS8(g, q, shuffled, dim, chunk: neighbourChunk, out) }
            if variant.name == "scalar" { reference = p.checksum }
            if p.checksum != reference || gr.checksum != reference {
                print("CHECK FAILED: stream \(kernel) \(variant.name)")
                exit(1)
            }
            row([kernel, variant.name, pad(fmt(p.nanoseconds / Double(n), 2), 6), pad(fmt(gr.nanoseconds / Double(n), 2), 6), "ok"])
        }
    }
}

for m in [48, 192] {
    let ksub = 256, n = 100_000
    print("\n## PQ ADC, m = \(m) sub-quantizers × \(ksub) centroids (LUT \(m * ksub * 4 / 1024) KiB), \(n) codes")
    let lut = makeFloats(m * ksub, seed: 11)
    var generator = SplitMix64(seed: 12)
    let codes = UnsafeMutablePointer<UInt8>.allocate(capacity: n * m)
    for i in 0..<(n * m) { codes[i] = UInt8(truncatingIfNeeded: generator.next()) }
    let out = UnsafeMutablePointer<Float>.allocate(capacity: n)
    let shuffled: [UnsafePointer<UInt8>?] = (0..<n).map { UnsafePointer(codes + $0 * m) }.shuffled(using: &generator)
    let contiguous = measure {
        ck_pq_adc_u8(lut, codes, n, m, out)
        var sum = 0.0
        for i in 0..<n { sum += Double(out[i]) }
        return sum
    }
    let gathered = measure {
        shuffled.withUnsafeBufferPointer { r in
            var start = 0
            while start < n {
                let count = min(neighbourChunk, n - start)
                ck_pq_adc_u8_gather(lut, r.baseAddress! + start, count, m, out + start)
                start += count
            }
        }
        var sum = 0.0
        for i in 0..<n { sum += Double(out[i]) }
        return sum
    }
    _ = check(gathered.checksum, against: contiguous.checksum, "PQ gather vs contiguous")
    let byteTable = UnsafeMutablePointer<UInt8>.allocate(capacity: m * ksub)
    var scale: Float = 0, bias: Float = 0
    let quantizing = measure {
        ck_pq_quantize_table(lut, m, byteTable, &scale, &bias)
        return Double(scale)
    }
    let gatheredBytes = measure {
        shuffled.withUnsafeBufferPointer { r in
            var start = 0
            while start < n {
                let count = min(neighbourChunk, n - start)
                ck_pq_adc_u8_table_gather(byteTable, r.baseAddress! + start, count, m, scale, bias, out + start)
                start += count
            }
        }
        var sum = 0.0
        for i in 0..<n { sum += Double(out[i]) }
        return sum
    }
    let relative = abs(gatheredBytes.checksum - contiguous.checksum) / abs(contiguous.checksum)
    row(["layout", "ns/code", "check"])
    row(["---", "---:", "---"])
    row(["contiguous codes[n][m]", pad(fmt(contiguous.nanoseconds / Double(n), 2), 6), "ok"])
    row(["gathered, shuffled, per \(neighbourChunk)", pad(fmt(gathered.nanoseconds / Double(n), 2), 6), "ok"])
    row(["byte table, gathered, per \(neighbourChunk)", pad(fmt(gatheredBytes.nanoseconds / Double(n), 2), 6),
         "sum rel. error \(fmt(relative * 1e6, 1))e-6; table build \(fmt(quantizing.nanoseconds / 1000, 2)) µs"])
}

do {
    let dimension = 1536, ksub = 256
    print("\n## PQ lookup table (per query), \(dimension) dimensions × \(ksub) centroids per sub-quantizer")
    row(["m", "dsub", "codebook KiB", "µs/table"])
    row(["---:", "---:", "---:", "---:"])
    for m in [96, 192, 384] {
        let dsub = dimension / m
        let centroids = makeFloats(dimension * ksub, seed: 13)
        let q = makeFloats(dimension, seed: 14)
        let table = UnsafeMutablePointer<Float>.allocate(capacity: m * ksub)
        let result = measure {
            ck_pq_dot_table(centroids, q, m, dsub, table)
            return Double(table[0]) + Double(table[m * ksub - 1])
        }
        row(["\(m)", "\(dsub)", "\(dimension * ksub * 4 / 1024)", pad(fmt(result.nanoseconds / 1000, 2), 6)])
    }
}
getloadavg(&load, 3)
print("\nload average at end: \(fmt(load[0], 2))")
