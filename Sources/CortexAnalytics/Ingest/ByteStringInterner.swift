#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Maps byte strings to dictionary codes without building a `String` per
/// value: an open-addressing table of (hash, code) verified against the bytes
/// of the code's first occurrence. One per string column per loader thread.
struct ByteStringInterner {
    private var slots: [Int32]  // index into entries, -1 empty
    private var hashes: [UInt64]
    private var entryBytes: [UInt8] = []
    private var entryStarts: [Int] = [0]
    private var entryCodes: [Int32] = []
    private let dictionary: StringDictionary
    /// Strings of at most 16 bytes, keyed by their bytes as two words (zero past the end) and their
    /// length: found with one multiply-mix and two compares, no byte loop or memcmp.
    private var shortSlots: [ShortSlot]
    private var shortCount = 0

    struct ShortSlot {
        var low: UInt64
        var high: UInt64
        var length: Int32
        var code: Int32
        static let empty = ShortSlot(low: 0, high: 0, length: -1, code: 0)
    }

    init(dictionary: StringDictionary) {
        self.dictionary = dictionary
        slots = [Int32](repeating: -1, count: 1024)
        hashes = [UInt64](repeating: 0, count: 1024)
        shortSlots = [ShortSlot](repeating: .empty, count: 256)
    }

    @inline(__always)
    private static func shortHash(_ low: UInt64, _ high: UInt64, _ length: Int) -> UInt64 {
        var x = (low ^ (high &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(length)) &* 0xD6E8_FEB8_6659_FD93
        x ^= x >> 29
        return x
    }

    /// ``code(for:)``, reading `bytes` as two words when it has at most 16 bytes and 16 bytes
    /// are readable from its start (`readable`, at least `bytes.count`).
    @inline(__always)
    mutating func code(for bytes: UnsafeRawBufferPointer, readable: Int) -> Int32 {
        let length = bytes.count
        guard length <= 16, readable >= 16 else { return unsafe code(for: bytes) }
        // In bounds: 16 bytes are readable from the start; the bytes past `length` are masked off.
        let base = bytes.baseAddress!
        var low = UInt64(littleEndian: unsafe base.loadUnaligned(as: UInt64.self))
        var high = UInt64(littleEndian: unsafe base.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        if length < 8 {
            low &= (1 << UInt64(length * 8)) &- 1
            high = 0
        } else if length < 16 {
            high &= (1 << UInt64((length - 8) * 8)) &- 1
        }
        let mask = shortSlots.count - 1
        var slot = Int(truncatingIfNeeded: Self.shortHash(low, high, length)) & mask
        while true {
            let entry = shortSlots[slot]
            if entry.length < 0 { break }
            if entry.low == low, entry.high == high, entry.length == length { return entry.code }
            slot = (slot + 1) & mask
        }
        let code = unsafe code(for: bytes)
        shortSlots[slot] = ShortSlot(low: low, high: high, length: Int32(length), code: code)
        shortCount += 1
        if shortCount * 2 > shortSlots.count {
            let old = shortSlots
            shortSlots = [ShortSlot](repeating: .empty, count: old.count * 2)
            for entry in old where entry.length >= 0 {
                var target = Int(truncatingIfNeeded: Self.shortHash(entry.low, entry.high, Int(entry.length))) & (shortSlots.count - 1)
                while shortSlots[target].length >= 0 { target = (target + 1) & (shortSlots.count - 1) }
                shortSlots[target] = entry
            }
        }
        return code
    }

    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for index in 0..<bytes.count {
            hash = (hash ^ UInt64(unsafe bytes[index])) &* 0x100_0000_01b3
        }
        return hash
    }

    private static func equal(_ stored: [UInt8], _ start: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        if unsafe bytes.isEmpty { return true }
        return unsafe stored.withUnsafeBytes { all in
            // In bounds: the caller checked the stored entry at `start` has `bytes.count` bytes.
            unsafe memcmp(all.baseAddress! + start, bytes.baseAddress!, bytes.count) == 0
        }
    }

    /// The dictionary code of `bytes` (valid UTF-8 is required; invalid bytes are replaced).
    mutating func code(for bytes: UnsafeRawBufferPointer) -> Int32 {
        let hash = unsafe Self.hash(bytes)
        var slot = Int(hash & UInt64(slots.count - 1))
        while true {
            let entry = slots[slot]
            if entry < 0 { break }
            if hashes[slot] == hash {
                let start = entryStarts[Int(entry)], end = entryStarts[Int(entry) + 1]
                if end - start == bytes.count, unsafe Self.equal(entryBytes, start, bytes) { return entryCodes[Int(entry)] }
            }
            slot = (slot + 1) & (slots.count - 1)
        }
        let string = unsafe String(decoding: bytes, as: UTF8.self)
        let code = dictionary.code(for: string)
        let entry = Int32(entryCodes.count)
        entryCodes.append(code)
        unsafe entryBytes.append(contentsOf: bytes)
        entryStarts.append(entryBytes.count)
        slots[slot] = entry
        hashes[slot] = hash
        if entryCodes.count * 2 > slots.count { grow() }
        return code
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        var newSlots = [Int32](repeating: -1, count: capacity)
        var newHashes = [UInt64](repeating: 0, count: capacity)
        for (slot, entry) in slots.enumerated() where entry >= 0 {
            var target = Int(hashes[slot] & UInt64(capacity - 1))
            while newSlots[target] >= 0 { target = (target + 1) & (capacity - 1) }
            newSlots[target] = entry
            newHashes[target] = hashes[slot]
        }
        slots = newSlots
        hashes = newHashes
    }
}
