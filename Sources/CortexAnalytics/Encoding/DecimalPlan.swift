/// Decimal scaling of float64 blocks: values that are short decimals (a sensor reading, a score
/// printed with 8 digits) are stored as integers `n` with `value == Double(n) / 10^e`, through the
/// integer encodings. Lossless by construction: the encoder keeps an exponent only when that
/// exact decoding formula reproduces every value's bit pattern (so NaN, infinities, -0.0 and
/// values needing more than 18 digits fall back to the bit-pattern path). Inspired by ALP
/// (Afroozeh, Kuffó, Boncz, "ALP: Adaptive Lossless floating-Point Compression", SIGMOD 2024),
/// without its per-vector exceptions.
struct DecimalPlan {
    /// Largest exponent tried; 10^18 is exact in a Double and leaves headroom below 2^63.
    static let exponentMax = 18
    /// 10^e for e in 0...exponentMax, each exactly representable.
    static let powers: [Double] = (0...exponentMax).map { exponent in
        var power = 1.0
        for _ in 0..<exponent { power *= 10 }
        return power
    }

    let exponent: Int
    let scaled: [Int64]
    let inner: IntegerBlockPlan

    /// Bytes of the payload: exponent word, inner encoding word, inner payload.
    var byteCount: Int { 16 + inner.byteCount }

    /// The plan for `bits` (Double bit patterns; null rows flagged false in `validity`), or nil
    /// when some non-null value is not a short decimal.
    init?(_ bits: ArraySlice<Int64>, validity: ArraySlice<Bool>?) {
        var exponent = 0
        var index = bits.startIndex
        // Raise the exponent until it fits every value; each step is re-checked for all values below.
        while index < bits.endIndex {
            if validity?[index] ?? true {
                let value = Double(bitPattern: UInt64(bitPattern: bits[index]))
                while Self.scale(value, exponent: exponent) == nil {
                    exponent += 1
                    if exponent > Self.exponentMax { return nil }
                }
            }
            index += 1
        }
        var scaled: [Int64] = []
        scaled.reserveCapacity(bits.count)
        var previous: Int64?
        for index in bits.indices {
            guard validity?[index] ?? true else {
                scaled.append(previous ?? 0)
                continue
            }
            // A larger exponent may fail for a value that fit a smaller one (rounding): then give up.
            guard let value = Self.scale(Double(bitPattern: UInt64(bitPattern: bits[index])), exponent: exponent) else { return nil }
            if previous == nil { for slot in scaled.indices { scaled[slot] = value } }
            scaled.append(value)
            previous = value
        }
        self.exponent = exponent
        self.scaled = scaled
        self.inner = IntegerBlockPlan(scaled[...])
    }

    /// `n` with `Double(n) / 10^exponent` bit-identical to `value`, if there is one.
    static func scale(_ value: Double, exponent: Int) -> Int64? {
        guard value.isFinite, !(value == 0 && value.sign == .minus) else { return nil }
        let product = (value * powers[exponent]).rounded()
        // |n| < 2^53: n converts to Double exactly, so the decoder's division is the one checked here.
        guard abs(product) < 9_007_199_254_740_992 else { return nil }
        let candidate = Int64(product)
        guard (Double(candidate) / powers[exponent]).bitPattern == value.bitPattern else { return nil }
        return candidate
    }

    /// Appends the payload: exponent, inner encoding, inner payload.
    func write(to sink: inout ByteSink) {
        sink.appendWord(UInt64(exponent))
        sink.appendWord(UInt64(inner.encoding.rawValue))
        inner.write(scaled[...], to: &sink)
    }
}
