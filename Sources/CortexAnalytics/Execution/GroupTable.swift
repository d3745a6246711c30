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
    /// For ``assign(_:_:into:)``: the null-free groups of a one- or two-key table, each slot holding
    /// both keys and the group (group -1: empty), so a probe reads one place instead of four arrays.
    private var pairs: [PairSlot]
    private var pairCount = 0

    struct PairSlot {
        var a: Int64
        var b: Int64
        var group: Int32
        static let empty = PairSlot(a: 0, b: 0, group: -1)
    }

    init(keyCount: Int) {
        precondition(keyCount <= 64, "at most 64 group keys")
        self.keyCount = keyCount
        slots = [Int32](repeating: -1, count: 256)
        slotHashes = [UInt64](repeating: 0, count: 256)
        pairs = keyCount <= 2 ? [PairSlot](repeating: .empty, count: 256) : []
    }

    @inline(__always)
    static func pairHash(_ a: Int64, _ b: Int64) -> UInt64 {
        mix(UInt64(bitPattern: a) ^ mix(UInt64(bitPattern: b) &+ 0x1234_5678))
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
        let count = first.count
        var row = 0
        var last: (a: Int64, b: Int64, group: Int32) = (0, 0, -1)
        while row < count {
            let stop = unsafe pairs.withUnsafeBufferPointer { pairs in
                let mask = pairs.count - 1
                var index = row
                while index < count {
                    // In bounds: index < count, the length of first, second and groups.
                    let a = unsafe first[index], b = unsafe second?[index] ?? 0
                    if last.group >= 0, a == last.a, b == last.b {
                        unsafe groups[index] = last.group
                        index += 1
                        continue
                    }
                    var slot = Int(truncatingIfNeeded: Self.pairHash(a, b)) & mask
                    var found: Int32 = -1
                    while true {
                        // In bounds: slot <= mask < pairs.count.
                        let entry = unsafe pairs[slot]
                        if entry.group < 0 { break }
                        if entry.a == a, entry.b == b {
                            found = entry.group
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
        if count * 2 > slots.count { grow(to: slots.count * 2) }
        if keyCount <= 2, nullMask == 0 {
            let a = keyCount == 0 ? 0 : keys[entry * keyCount], b = keyCount == 2 ? keys[entry * 2 + 1] : 0
            insertPair(PairSlot(a: a, b: b, group: Int32(entry)))
            pairCount += 1
            if pairCount * 2 > pairs.count { growPairs(to: pairs.count * 2) }
        }
        return entry
    }

    private mutating func insertPair(_ pair: PairSlot) {
        let mask = pairs.count - 1
        var slot = Int(truncatingIfNeeded: Self.pairHash(pair.a, pair.b)) & mask
        while pairs[slot].group >= 0 { slot = (slot + 1) & mask }
        pairs[slot] = pair
    }

    /// Room for `groupCount` groups without growing (a merge knows how many may come).
    mutating func reserve(_ groupCount: Int) {
        var capacity = slots.count
        while groupCount * 2 > capacity { capacity *= 2 }
        if capacity > slots.count { grow(to: capacity) }
        if keyCount <= 2, capacity > pairs.count { growPairs(to: capacity) }
    }

    private mutating func growPairs(to capacity: Int) {
        let old = pairs
        pairs = [PairSlot](repeating: .empty, count: capacity)
        for pair in old where pair.group >= 0 { insertPair(pair) }
    }

    @inline(__always)
    private func matches(_ entry: Int, _ key: UnsafeBufferPointer<Int64>) -> Bool {
        let base = entry * keyCount
        for index in 0..<keyCount where keys[base + index] != (unsafe key[index]) { return false }
        return true
    }

    private mutating func grow(to capacity: Int) {
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
