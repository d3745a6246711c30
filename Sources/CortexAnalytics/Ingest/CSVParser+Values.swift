/// Field scanning and value parsing of ``CSVParser``: finding a field's end eight bytes at a time,
/// and integers, booleans and decimals read straight from the field's bytes.
extension CSVParser {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The high bit of each zero byte of `x` set; bits above the lowest zero byte may be spurious
    /// (a borrow), the lowest set bit is exact.
    @inline(__always)
    private static func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highBits }

    /// The index of the first `,` or `\n` at or after `from`, or `bytes.count`: eight bytes per step.
    @inline(__always)
    static func fieldEnd(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int {
        unsafe firstMatch(bytes, from: from) { zeroBytes($0 ^ (ones &* UInt64(comma))) | zeroBytes($0 ^ (ones &* UInt64(newline))) } matches: {
            $0 == comma || $0 == newline
        }
    }

    /// The index of the first `"` at or after `from`, or `bytes.count`.
    @inline(__always)
    static func firstQuote(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int {
        unsafe firstMatch(bytes, from: from) { zeroBytes($0 ^ (ones &* UInt64(quote))) } matches: { $0 == quote }
    }

    /// The index of the first byte at or after `from` that `matches`, or `bytes.count`: whole
    /// words through `hits` (the high bit of each matching byte; the lowest one exact), the last
    /// few bytes one by one.
    @inline(__always)
    private static func firstMatch(
        _ bytes: UnsafeRawBufferPointer, from: Int, hits: (UInt64) -> UInt64, matches: (UInt8) -> Bool
    ) -> Int {
        var index = from
        let end = bytes.count
        while index + 8 <= end {
            // In bounds: index + 8 <= bytes.count.
            let found = hits(UInt64(littleEndian: unsafe bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
            if found != 0 { return index + found.trailingZeroBitCount / 8 }
            index += 8
        }
        while index < end, !matches(unsafe bytes[index]) { index += 1 }
        return index
    }

    /// The value of eight ASCII digits (the first byte the most significant), or nil when a byte is
    /// not a digit: three multiply-and-shift steps instead of eight dependent multiply-adds.
    @inline(__always)
    static func eightDigits(_ word: UInt64) -> UInt64? {
        let zeros = ones &* 0x30
        // Every byte 0x30…0x39: its high nibble is 3, and adding 6 keeps it 3.
        guard word & (ones &* 0xF0) == zeros, (word &+ ones &* 0x06) & (ones &* 0xF0) == zeros else { return nil }
        var value = word &- zeros
        value = (value &* 10 &+ (value >> 8)) & 0x00FF_00FF_00FF_00FF
        value = (value &* 100 &+ (value >> 16)) & 0x0000_FFFF_0000_FFFF
        return (value &* 10_000 &+ (value >> 32)) & 0xFFFF_FFFF
    }

    /// The value of the digits `field[from...]` when there are 8 to 18 of them and `field` holds at
    /// least 8 bytes: whole words of eight digits, then the last 8 bytes with the ones already read
    /// replaced by '0'. Nil when a byte is not a digit.
    @inline(__always)
    static func wordDigits(_ field: UnsafeRawBufferPointer, from: Int) -> UInt64? {
        var value: UInt64 = 0
        var index = from
        while field.count - index >= 8 {
            // In bounds: index + 8 <= field.count.
            guard let chunk = eightDigits(UInt64(littleEndian: unsafe field.loadUnaligned(fromByteOffset: index, as: UInt64.self))) else { return nil }
            value = value &* 100_000_000 &+ chunk
            index += 8
        }
        let rest = field.count - index
        guard rest > 0 else { return value }
        // In bounds: field.count >= 8. The low 8 - rest bytes were read above (or are the sign).
        let word = UInt64(littleEndian: unsafe field.loadUnaligned(fromByteOffset: field.count - 8, as: UInt64.self))
        let readBits = UInt64(8 - rest) * 8
        let mask: UInt64 = (1 << readBits) &- 1
        guard let tail = eightDigits((word & ~mask) | (ones &* 0x30 & mask)) else { return nil }
        var scale: UInt64 = 1
        for _ in 0..<rest { scale &*= 10 }
        return value &* scale &+ tail
    }

    /// Decimal text to Int64; nil when it is not a valid integer or does not fit.
    ///
    /// `readable`: bytes that may be read from the field's start (at least `field.count`). When a
    /// short number has eight readable bytes it is read as one word: the bytes past the field are
    /// shifted out and leading '0's shifted in (no loop whose exit depends on the length).
    static func parseInt(_ field: UnsafeRawBufferPointer, readable: Int) -> Int64? {
        precondition(readable >= field.count, "readable bytes \(readable) < field length \(field.count)")
        var index = 0
        var negative = false
        if unsafe field[0] == UInt8(ascii: "-") || field[0] == UInt8(ascii: "+") {
            negative = unsafe field[0] == UInt8(ascii: "-")
            index = 1
        }
        guard index < field.count else { return nil }
        if field.count - index <= 8, index + 8 <= readable {
            // In bounds: index + 8 <= readable bytes from the field's start.
            let word = UInt64(littleEndian: unsafe field.baseAddress!.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let shift = UInt64(8 - (field.count - index)) * 8
            guard let digits = eightDigits((word << shift) | (ones &* 0x30 & ((1 << shift) &- 1))) else { return nil }
            return negative ? -Int64(digits) : Int64(digits)
        }
        var value: Int64 = 0
        if field.count - index <= 18 {
            // At most 18 digits cannot overflow: no checks but the digits'.
            if field.count - index >= 8 {
                guard let digits = unsafe wordDigits(field, from: index) else { return nil }
                return negative ? -Int64(digits) : Int64(digits)
            }
            var invalid = false
            while index < field.count {
                let digit = unsafe Int64(field[index]) &- 48
                invalid = invalid || UInt64(bitPattern: digit) > 9
                value = value &* 10 &+ digit
                index += 1
            }
            return invalid ? nil : negative ? -value : value
        }
        if field.count - index == 19, unsafe field[index] <= UInt8(ascii: "8") {
            // 19 digits starting with 0…8 stay below 9·10^18 < 2^63: the word path, checked.
            let lead = unsafe Int64(field[index]) &- 48
            guard lead >= 0, let digits = unsafe wordDigits(field, from: index + 1) else { return nil }
            let magnitude = lead &* 1_000_000_000_000_000_000 &+ Int64(digits)
            return negative ? -magnitude : magnitude
        }
        while index < field.count {
            let digit = unsafe Int64(field[index]) - 48
            guard digit >= 0 && digit <= 9 else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            index += 1
        }
        return value
    }

    static func parseBool(_ field: UnsafeRawBufferPointer) -> Int64? {
        switch unsafe field.first.map({ $0 | 0x20 }) {
        case UInt8(ascii: "t"), UInt8(ascii: "1"): return 1
        case UInt8(ascii: "f"), UInt8(ascii: "0"): return 0
        default: return nil
        }
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Decimal text to Double. Mantissas up to 2^53 with at most 22 fraction
    /// digits are exact and correctly rounded (one IEEE division, Clinger's fast
    /// path); anything else goes through the standard library parser.
    static func parseDouble(_ field: UnsafeRawBufferPointer) -> Double? {
        var index = 0
        var negative = false
        if unsafe field[0] == UInt8(ascii: "-") || field[0] == UInt8(ascii: "+") {
            negative = unsafe field[0] == UInt8(ascii: "-")
            index = 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fraction = 0
        var seenPoint = false
        while index < field.count {
            let byte = unsafe field[index]
            if byte == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else if byte >= 48 && byte <= 57 {
                if digits < 19 { mantissa = mantissa * 10 + UInt64(byte - 48) } else { return unsafe slowDouble(field) }
                digits += 1
                if seenPoint { fraction += 1 }
            } else {
                return unsafe slowDouble(field)
            }
            index += 1
        }
        guard digits > 0 else { return nil }
        guard mantissa <= 1 << 53, fraction <= 22 else { return unsafe slowDouble(field) }
        let value = Double(mantissa) / powersOfTen[fraction]
        return negative ? -value : value
    }

    private static func slowDouble(_ field: UnsafeRawBufferPointer) -> Double? {
        Double(unsafe String(decoding: field, as: UTF8.self))
    }
}
