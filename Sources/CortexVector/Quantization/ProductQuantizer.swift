import COpenBLAS
import CVectorKernels
import CortexCore
import CortexStorage

/// Product quantization (Jégou, Douze & Schmid, 2011): the vector is cut
/// into `m` sub-vectors of `dsub = d / m` dimensions, each replaced by the
/// index of its nearest of 256 centroids, so a vector is `m` bytes.
///
/// Centroids layout: `[m][256][dsub]` float32. A query builds a lookup table
/// `[m][256]` (dot products for ip/cosine, squared distances for l2) and a
/// node's approximate distance is the sum of `m` table entries (ADC).
struct ProductQuantizer: VersionedRecord, Equatable {
    static let recordName = "product quantizer"
    static let recordVersion: UInt8 = 1
    static let centroidCount = 256

    /// Sub-quantizers (code bytes per vector).
    var m: Int
    var subDimension: Int
    /// `[m][256][subDimension]`.
    var centroids: [Float] {
        didSet { derive() }
    }
    /// Derived, not stored: `[m][subDimension][256]` (for the lookup-table kernel) and ‖centroid‖² `[m][256]`.
    private(set) var transposed: [Float] = []
    private(set) var squaredNorms: [Float] = []

    init(m: Int, subDimension: Int, centroids: [Float]) {
        self.m = m
        self.subDimension = subDimension
        self.centroids = centroids
        derive()
    }

    private mutating func derive() {
        var transposed = [Float](repeating: 0, count: centroids.count)
        var norms = [Float](repeating: 0, count: m * Self.centroidCount)
        for sub in 0..<m {
            for centroid in 0..<Self.centroidCount {
                for component in 0..<subDimension {
                    let value = centroids[(sub * Self.centroidCount + centroid) * subDimension + component]
                    transposed[(sub * subDimension + component) * Self.centroidCount + centroid] = value
                    norms[sub * Self.centroidCount + centroid] += value * value
                }
            }
        }
        self.transposed = transposed
        squaredNorms = norms
    }

    static func == (lhs: ProductQuantizer, rhs: ProductQuantizer) -> Bool {
        lhs.m == rhs.m && lhs.subDimension == rhs.subDimension && lhs.centroids == rhs.centroids
    }

    var dimension: Int { m * subDimension }

    /// Trains with k-means (Lloyd, `iterations` rounds, k-means++-free random init
    /// from a seeded generator) on `sample` (rows of `dimension` floats).
    static func train(sample: [[Float]], m: Int, iterations: Int = 12, seed: UInt64) -> ProductQuantizer {
        precondition(m > 0 && !sample.isEmpty && sample[0].count % m == 0, "PQ needs m dividing the dimension")
        let subDimension = sample[0].count / m
        var centroids = [Float](repeating: 0, count: m * centroidCount * subDimension)
        var generator = SplitMix(seed: seed)
        for sub in 0..<m {
            // Gather this subspace's rows contiguously: [n][subDimension].
            var rows = [Float](repeating: 0, count: sample.count * subDimension)
            for (index, vector) in sample.enumerated() {
                for component in 0..<subDimension { rows[index * subDimension + component] = vector[sub * subDimension + component] }
            }
            let trained = KMeans.run(rows: rows, rowCount: sample.count, dimension: subDimension, k: centroidCount,
                                     iterations: iterations, generator: &generator)
            let base = sub * centroidCount * subDimension
            for index in 0..<trained.count { centroids[base + index] = trained[index] }
        }
        return ProductQuantizer(m: m, subDimension: subDimension, centroids: centroids)
    }

    /// The code (`m` bytes) of `vector`: the nearest centroid per subspace.
    func encode(_ vector: UnsafePointer<Float>, into codes: UnsafeMutablePointer<UInt8>) {
        for sub in 0..<m {
            var best = Float.infinity
            var bestIndex = 0
            let subVector = unsafe vector + sub * subDimension
            unsafe centroids.withUnsafeBufferPointer { all in
                for centroid in 0..<Self.centroidCount {
                    let start = unsafe all.baseAddress! + (sub * Self.centroidCount + centroid) * subDimension
                    var distance: Float = 0
                    for component in 0..<subDimension {
                        let difference = unsafe subVector[component] - start[component]
                        distance += difference * difference
                    }
                    if distance < best {
                        best = distance
                        bestIndex = centroid
                    }
                }
            }
            unsafe codes[sub] = UInt8(bestIndex)
        }
    }

    /// Fills `table` (`[m][256]`) for `query`: dot products (ip, cosine) or
    /// squared distances (l2, as ‖q_j‖² − 2 q_j·c + ‖c‖²).
    func lookupTable(for query: UnsafePointer<Float>, metric: Metric, into table: UnsafeMutablePointer<Float>) {
        unsafe transposed.withUnsafeBufferPointer { columns in
            unsafe ck_pq_dot_table(columns.baseAddress!, query, m, subDimension, table)
        }
        guard metric == .l2 else { return }
        for sub in 0..<m {
            var queryNorm: Float = 0
            for component in 0..<subDimension { queryNorm += unsafe query[sub * subDimension + component] * query[sub * subDimension + component] }
            for centroid in 0..<Self.centroidCount {
                let index = sub * Self.centroidCount + centroid
                unsafe table[index] = queryNorm - 2 * table[index] + squaredNorms[index]
            }
        }
    }

    /// A query's lookup table quantized to bytes for ADC (see ``ProductQuantizationOracle``).
    @safe final class ByteTable {
        /// `[m][256]` bytes.
        let bytes: UnsafeMutablePointer<UInt8>
        /// Float units per byte unit, shared by all rows.
        let step: Float
        /// Sum of the rows' minima.
        let offset: Float

        /// Quantizes `floats` (`[m][256]`).
        init(floats: UnsafePointer<Float>, m: Int) {
            unsafe bytes = .allocate(capacity: m * ProductQuantizer.centroidCount)
            var step: Float = 1
            var offset: Float = 0
            unsafe ck_pq_quantize_table(floats, m, bytes, &step, &offset)
            self.step = step
            self.offset = offset
        }

        deinit { unsafe bytes.deallocate() }
    }

    /// The query's lookup table (see ``lookupTable(for:metric:into:)``), quantized to bytes.
    func byteTable(for query: UnsafePointer<Float>, metric: Metric) -> ByteTable {
        let floats = UnsafeMutablePointer<Float>.allocate(capacity: m * Self.centroidCount)
        defer { unsafe floats.deallocate() }
        unsafe lookupTable(for: query, metric: metric, into: floats)
        return unsafe ByteTable(floats: floats, m: m)
    }

    func encode(to writer: inout BinaryWriter) {
        writer.writeVarUInt(UInt64(m))
        writer.writeVarUInt(UInt64(subDimension))
        for value in centroids { writer.write(value) }
    }

    static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> ProductQuantizer {
        let m = try reader.readVarUInt()
        let subDimension = try reader.readVarUInt()
        guard (1...UInt64(VectorLimits.dimensionMax)).contains(m), (1...UInt64(VectorLimits.dimensionMax)).contains(subDimension),
              m * subDimension <= UInt64(VectorLimits.dimensionMax) else {
            throw .corrupt("product quantizer: m \(m) × dsub \(subDimension) out of range")
        }
        let count = Int(m) * centroidCount * Int(subDimension)
        guard reader.remainingByteCount == 4 * count else {
            throw .corrupt("product quantizer: \(reader.remainingByteCount) bytes of centroids; expected \(4 * count)")
        }
        var centroids = [Float](repeating: 0, count: count)
        for index in 0..<count { centroids[index] = try reader.readFloat() }
        return ProductQuantizer(m: Int(m), subDimension: Int(subDimension), centroids: centroids)
    }
}

/// Lloyd's k-means on rows of a small dimension; assignments through one
/// BLAS `sgemm` per round (‖x − c‖² = ‖x‖² − 2 x·c + ‖c‖², the ‖x‖² term is
/// constant per row and dropped for the argmin).
enum KMeans {
    static func run(rows: [Float], rowCount: Int, dimension: Int, k: Int, iterations: Int, generator: inout SplitMix) -> [Float] {
        precondition(rowCount > 0 && rows.count == rowCount * dimension, "k-means needs rows")
        var centroids = [Float](repeating: 0, count: k * dimension)
        for centroid in 0..<k {
            let source = Int(generator.next() % UInt64(rowCount))
            for component in 0..<dimension { centroids[centroid * dimension + component] = rows[source * dimension + component] }
        }
        var products = [Float](repeating: 0, count: rowCount * k)
        var assignment = [Int](repeating: 0, count: rowCount)
        for _ in 0..<iterations {
            // products[i][c] = rows[i] · centroids[c]
            unsafe rows.withUnsafeBufferPointer { x in
                unsafe centroids.withUnsafeBufferPointer { c in
                    unsafe products.withUnsafeMutableBufferPointer { out in
                        unsafe cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rowCount), Int32(k), Int32(dimension),
                                           1, x.baseAddress, Int32(dimension), c.baseAddress, Int32(dimension), 0, out.baseAddress, Int32(k))
                    }
                }
            }
            let norms = (0..<k).map { centroid in
                (0..<dimension).reduce(Float(0)) { $0 + centroids[centroid * dimension + $1] * centroids[centroid * dimension + $1] }
            }
            for row in 0..<rowCount {
                var best = Float.infinity
                for centroid in 0..<k {
                    let score = norms[centroid] - 2 * products[row * k + centroid]
                    if score < best {
                        best = score
                        assignment[row] = centroid
                    }
                }
            }
            var sums = [Float](repeating: 0, count: k * dimension)
            var counts = [Int](repeating: 0, count: k)
            for row in 0..<rowCount {
                counts[assignment[row]] += 1
                for component in 0..<dimension { sums[assignment[row] * dimension + component] += rows[row * dimension + component] }
            }
            for centroid in 0..<k {
                if counts[centroid] == 0 {
                    // An empty cluster restarts at a random row.
                    let source = Int(generator.next() % UInt64(rowCount))
                    for component in 0..<dimension { centroids[centroid * dimension + component] = rows[source * dimension + component] }
                } else {
                    for component in 0..<dimension {
                        centroids[centroid * dimension + component] = sums[centroid * dimension + component] / Float(counts[centroid])
                    }
                }
            }
        }
        return centroids
    }
}

/// SplitMix64, for reproducible training.
struct SplitMix {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
