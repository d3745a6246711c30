import CVectorKernels

/// Distances from one prepared query to graph nodes, in whatever
/// representation the search navigates by (float32 vectors or int8 codes).
protocol DistanceOracle {
    /// The row the oracle reads for `slot` (for gathering and prefetching).
    func row(_ slot: UInt32) -> UnsafeRawPointer
    /// Distance from the query to one row.
    func distance(toRow row: UnsafeRawPointer) -> Float
    /// Distances to `count` gathered rows; `ints` is scratch space for integer kernels.
    func distances(
        rows: UnsafeMutablePointer<UnsafeRawPointer?>, count: Int, into out: UnsafeMutablePointer<Float>,
        ints: UnsafeMutablePointer<Int32>)
}

extension DistanceOracle {
    @inline(__always)
    func distance(to slot: UInt32) -> Float { unsafe distance(toRow: row(slot)) }
}

/// Exact float32 distances to the stored vectors.
@safe struct FloatOracle<Memory: GraphMemory>: DistanceOracle {
    let memory: Memory
    let metric: Metric
    let query: UnsafePointer<Float>

    @inline(__always)
    func row(_ slot: UInt32) -> UnsafeRawPointer { unsafe memory.record(.vectors, index: slot) }

    @inline(__always)
    func distance(toRow row: UnsafeRawPointer) -> Float {
        unsafe DistanceKernels.distance(metric, query, row.assumingMemoryBound(to: Float.self), dimension: memory.layout.dimension)
    }

    @inline(__always)
    func distances(
        rows: UnsafeMutablePointer<UnsafeRawPointer?>, count: Int, into out: UnsafeMutablePointer<Float>,
        ints: UnsafeMutablePointer<Int32>
    ) {
        // Reinterpreting an array of raw pointers as float pointers: same size and representation.
        let floatRows = unsafe UnsafeMutableRawPointer(rows).assumingMemoryBound(to: UnsafePointer<Float>?.self)
        unsafe DistanceKernels.distances(metric, query, rows: floatRows, count: count, dimension: memory.layout.dimension, into: out)
    }
}

/// Approximate distances on int8 codes (``ScalarQuantizer``): a quarter of
/// the memory traffic of float32 and VNNI dot products. Used to navigate;
/// the final candidates are re-ranked with ``FloatOracle``.
@safe struct Int8Oracle<Memory: GraphMemory>: DistanceOracle {
    let memory: Memory
    let metric: Metric
    /// The query's codes (`dimension` int8 values).
    let query: UnsafePointer<Int8>
    /// scale², turning integer products back into float units.
    let scaleSquared: Float

    @inline(__always)
    func row(_ slot: UInt32) -> UnsafeRawPointer { unsafe memory.record(.codes, index: slot) }

    @inline(__always)
    func distance(toRow row: UnsafeRawPointer) -> Float {
        let codes = unsafe row.assumingMemoryBound(to: Int8.self)
        let dimension = memory.layout.dimension
        switch metric {
        case .l2: return unsafe scaleSquared * Float(ck_l2sq_s8(query, codes, dimension))
        case .ip, .cosine: return unsafe 1 - scaleSquared * Float(ck_dot_s8(query, codes, dimension))
        }
    }

    @inline(__always)
    func distances(
        rows: UnsafeMutablePointer<UnsafeRawPointer?>, count: Int, into out: UnsafeMutablePointer<Float>,
        ints: UnsafeMutablePointer<Int32>
    ) {
        let codeRows = unsafe UnsafeMutableRawPointer(rows).assumingMemoryBound(to: UnsafePointer<Int8>?.self)
        let dimension = memory.layout.dimension
        switch metric {
        case .l2:
            unsafe ck_l2sq_s8_gather(query, codeRows, count, dimension, ints)
            for index in 0..<count { unsafe out[index] = scaleSquared * Float(ints[index]) }
        case .ip, .cosine:
            unsafe ck_dot_s8_gather(query, codeRows, count, dimension, ints)
            for index in 0..<count { unsafe out[index] = 1 - scaleSquared * Float(ints[index]) }
        }
    }
}

/// Asymmetric PQ distances (ADC): the query stays float32 (its lookup table
/// holds exact sub-distances); a node's distance is the sum of its `m` code
/// bytes' entries. The table is quantized to bytes with one shared step
/// (``ProductQuantizer/ByteTable``): a quarter of the cache footprint, which is
/// what bounds ADC once the float table outgrows L1 (m = 192: 48 KiB instead of
/// 192 KiB, measured 1.6–1.9 × faster per code here). The sum is within
/// m × step / 2 of the float table's; the final candidates are re-ranked exactly.
@safe struct ProductQuantizationOracle<Memory: GraphMemory>: DistanceOracle {
    let memory: Memory
    let metric: Metric
    /// Keeps `bytes` alive.
    let table: ProductQuantizer.ByteTable
    // Copies of the table's fields: no class indirection in the loop.
    let bytes: UnsafePointer<UInt8>
    let step: Float
    let offset: Float

    init(memory: Memory, metric: Metric, table: ProductQuantizer.ByteTable) {
        self.memory = memory
        self.metric = metric
        self.table = table
        unsafe bytes = UnsafePointer(table.bytes)
        step = table.step
        offset = table.offset
    }

    @inline(__always)
    func row(_ slot: UInt32) -> UnsafeRawPointer { unsafe memory.record(.pqCodes, index: slot) }

    @inline(__always)
    func distance(toRow row: UnsafeRawPointer) -> Float {
        var sum: Float = 0
        var rowPointer: UnsafePointer<UInt8>? = unsafe row.assumingMemoryBound(to: UInt8.self)
        unsafe ck_pq_adc_u8_table_gather(bytes, &rowPointer, 1, memory.layout.pqSubquantizers, step, offset, &sum)
        return metric == .l2 ? sum : 1 - sum
    }

    @inline(__always)
    func distances(
        rows: UnsafeMutablePointer<UnsafeRawPointer?>, count: Int, into out: UnsafeMutablePointer<Float>,
        ints: UnsafeMutablePointer<Int32>
    ) {
        let codeRows = unsafe UnsafeMutableRawPointer(rows).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        unsafe ck_pq_adc_u8_table_gather(bytes, codeRows, count, memory.layout.pqSubquantizers, step, offset, out)
        if metric != .l2 {
            for index in 0..<count { unsafe out[index] = 1 - out[index] }
        }
    }
}
