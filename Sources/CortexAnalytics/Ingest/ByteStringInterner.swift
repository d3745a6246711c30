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

    init(dictionary: StringDictionary) {
        self.dictionary = dictionary
        slots = [Int32](repeating: -1, count: 1024)
        hashes = [UInt64](repeating: 0, count: 1024)
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
