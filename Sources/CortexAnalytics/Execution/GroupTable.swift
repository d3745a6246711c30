/// Open-addressing hash table from group keys (a fixed number of `Int64`s plus
/// a null mask) to dense group indexes 0, 1, 2, … in insertion order.
///
/// Keys are compared exactly; the hash is a multiply–xorshift mix, cheap enough
/// to run once per input row.
struct GroupTable {
    let keyCount: Int
    /// `keyCount` values per group.
    private(set) var keys: [Int64] = []
    private(set) var nullMasks: [UInt64] = []
    private var slots: [Int32]
    private var slotHashes: [UInt64]
    private(set) var count = 0

    init(keyCount: Int) {
        precondition(keyCount <= 64, "at most 64 group keys")
        self.keyCount = keyCount
        slots = [Int32](repeating: -1, count: 256)
        slotHashes = [UInt64](repeating: 0, count: 256)
    }

    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var x = value &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 32
        x = x &* 0xD6E8_FEB8_6659_FD93
        return x ^ (x >> 32)
    }

    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<Int64>, nullMask: UInt64) -> UInt64 {
        var hash = mix(nullMask &+ 0x1234_5678)
        for index in 0..<key.count { hash = mix(hash ^ UInt64(bitPattern: unsafe key[index])) }
        return hash
    }

    /// The group of `key` (`keyCount` values), inserting it when new.
    mutating func group(_ key: UnsafeBufferPointer<Int64>, nullMask: UInt64) -> Int {
        let hash = unsafe Self.hash(key, nullMask: nullMask)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { break }
            if slotHashes[slot] == hash, nullMasks[entry] == nullMask, unsafe matches(entry, key) { return entry }
            slot = (slot + 1) & mask
        }
        unsafe keys.append(contentsOf: key)
        return insert(slot: slot, hash: hash, nullMask: nullMask)
    }

    /// `group(_:nullMask:)` for tables of one or two keys, without a key buffer.
    @inline(__always)
    mutating func group(_ first: Int64, _ second: Int64, nullMask: UInt64) -> Int {
        var hash = Self.mix(nullMask &+ 0x1234_5678)
        hash = Self.mix(hash ^ UInt64(bitPattern: first))
        if keyCount == 2 { hash = Self.mix(hash ^ UInt64(bitPattern: second)) }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(slots[slot])
            if entry < 0 { break }
            if slotHashes[slot] == hash, nullMasks[entry] == nullMask, keys[entry * keyCount] == first,
                keyCount == 1 || keys[entry * 2 + 1] == second
            {
                return entry
            }
            slot = (slot + 1) & mask
        }
        keys.append(first)
        if keyCount == 2 { keys.append(second) }
        return insert(slot: slot, hash: hash, nullMask: nullMask)
    }

    /// `groups[row]` = the group of (`first[row]`, `second?[row]`) for every row, inserting new
    /// groups; one or two keys, none null. Rows repeating the previous row's key reuse its group
    /// (sorted data comes in runs); the rest probe the table through raw pointers, leaving them
    /// only to insert a key not seen yet (an insert may grow and move the arrays).
    mutating func assign(_ first: UnsafeBufferPointer<Int64>, _ second: UnsafeBufferPointer<Int64>?, into groups: UnsafeMutableBufferPointer<Int32>) {
        unsafe precondition(keyCount == (second == nil ? 1 : 2), "assign: \(keyCount) keys in the table")
        unsafe precondition(groups.count == first.count && (second?.count ?? first.count) == first.count, "assign: lengths differ")
        let count = first.count, keyCount = self.keyCount
        let seed = Self.mix(0x1234_5678)
        var row = 0
        var last: (a: Int64, b: Int64, group: Int32) = (0, 0, -1)
        while row < count {
            let stop = unsafe slots.withUnsafeBufferPointer { slots in
                unsafe slotHashes.withUnsafeBufferPointer { hashes in
                    unsafe keys.withUnsafeBufferPointer { tableKeys in
                        unsafe nullMasks.withUnsafeBufferPointer { masks in
                            let mask = slots.count - 1
                            var index = row
                            while index < count {
                                // In bounds: index < count, the length of first, second and groups.
                                let a = unsafe first[index], b = unsafe second?[index] ?? 0
                                if last.group >= 0, a == last.a, b == last.b {
                                    unsafe groups[index] = last.group
                                    index += 1
                                    continue
                                }
                                var hash = Self.mix(seed ^ UInt64(bitPattern: a))
                                if keyCount == 2 { hash = Self.mix(hash ^ UInt64(bitPattern: b)) }
                                var slot = Int(truncatingIfNeeded: hash) & mask
                                var found: Int32 = -1
                                while true {
                                    // In bounds: slot <= mask < slots.count == hashes.count; an entry
                                    // indexes masks and, times keyCount, tableKeys (one row per group).
                                    let entry = unsafe slots[slot]
                                    if entry < 0 { break }
                                    let base = Int(entry) * keyCount
                                    let secondMatches = unsafe keyCount == 1 || tableKeys[base + 1] == b
                                    if unsafe hashes[slot] == hash, unsafe masks[Int(entry)] == 0, unsafe tableKeys[base] == a, secondMatches {
                                        found = entry
                                        break
                                    }
                                    slot = (slot + 1) & mask
                                }
                                if found < 0 { return index }
                                unsafe groups[index] = found
                                last = (a, b, found)
                                index += 1
                            }
                            return index
                        }
                    }
                }
            }
            guard stop < count else { break }
            let a = unsafe first[stop], b = unsafe second?[stop] ?? 0
            let group = Int32(self.group(a, b, nullMask: 0))
            unsafe groups[stop] = group
            last = (a, b, group)
            row = stop + 1
        }
    }

    /// Records a new group whose keys were just appended, in `slot`.
    private mutating func insert(slot: Int, hash: UInt64, nullMask: UInt64) -> Int {
        let entry = count
        nullMasks.append(nullMask)
        slots[slot] = Int32(entry)
        slotHashes[slot] = hash
        count += 1
        if count * 2 > slots.count { grow() }
        return entry
    }

    @inline(__always)
    private func matches(_ entry: Int, _ key: UnsafeBufferPointer<Int64>) -> Bool {
        let base = entry * keyCount
        for index in 0..<keyCount where keys[base + index] != (unsafe key[index]) { return false }
        return true
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        var newSlots = [Int32](repeating: -1, count: capacity)
        var newHashes = [UInt64](repeating: 0, count: capacity)
        for slot in slots.indices where slots[slot] >= 0 {
            var target = Int(truncatingIfNeeded: slotHashes[slot]) & (capacity - 1)
            while newSlots[target] >= 0 { target = (target + 1) & (capacity - 1) }
            newSlots[target] = slots[slot]
            newHashes[target] = slotHashes[slot]
        }
        slots = newSlots
        slotHashes = newHashes
    }
}
