import CortexCore
import CortexStorage
import CortexTesting
import Testing

/// A small record type with two encoding versions, as real records evolve.
struct Contact: VersionedRecord, Equatable {
    static let recordName = "contact"
    static let recordVersion: UInt8 = 2
    var name: String
    var tags: [String]

    func encode(to writer: inout BinaryWriter) {
        writer.write(name)
        writer.writeVarUInt(UInt64(tags.count))
        for tag in tags { writer.write(tag) }
    }

    static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> Contact {
        let name = try reader.readString()
        guard version >= 2 else { return Contact(name: name, tags: []) }  // version 1 had no tags
        let count = try reader.readVarUInt()
        var tags: [String] = []
        for _ in 0..<count { tags.append(try reader.readString()) }
        return Contact(name: name, tags: tags)
    }
}

@Suite struct TableTests {
    @Test func putGetDeleteAndCount() throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close(); _ = directory }
        let contacts: Table<UInt64, Contact> = try engine.system.table("contacts")
        try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
            try contacts.put(Contact(name: "Ada", tags: ["vip"]), for: 1, in: &tx)
            try contacts.put(Contact(name: "Bob", tags: []), for: 2, in: &tx)
            try contacts.put(Contact(name: "Ada L.", tags: ["vip", "eu"]), for: 1, in: &tx)
        }
        try engine.system.read { (tx: borrowing ReadTransaction) throws(CortexError) in
            #expect(try contacts.get(1, in: tx) == Contact(name: "Ada L.", tags: ["vip", "eu"]))
            #expect(try contacts.count(in: tx) == 2)
            #expect(try contacts.get(3, in: tx) == nil)
        }
        let removed = try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) -> [Bool] in
            [try contacts.delete(2, in: &tx), try contacts.delete(2, in: &tx)]
        }
        #expect(removed == [true, false])
        #expect(try contacts.get(2, in: engine.system) == nil)
    }

    @Test func abortedWriteLeavesNothing() throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close(); _ = directory }
        let values: Table<String, [UInt8]> = try engine.system.table("values")
        #expect(throws: CortexError.conflict("changed my mind")) {
            try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
                try values.put([1], for: "a", in: &tx)
                throw .conflict("changed my mind")
            }
        }
        #expect(try values.get("a", in: engine.system) == nil)
    }

    @Test func olderRecordVersionsStillDecodeAndNewerOnesAreRefused() throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close(); _ = directory }
        let raw: Table<UInt64, [UInt8]> = try engine.system.table("contacts")
        let contacts: Table<UInt64, Contact> = try engine.system.table("contacts")
        var versionOne = BinaryWriter()
        versionOne.write(UInt8(1))
        versionOne.write("Old Timer")
        var versionThree = BinaryWriter()
        versionThree.write(UInt8(3))
        versionThree.write("Future")
        try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
            try raw.put(versionOne.bytes, for: 1, in: &tx)
            try raw.put(versionThree.bytes, for: 2, in: &tx)
            try raw.put([2, 5, 0x61], for: 3, in: &tx)  // claims a 5-byte name, holds 1
        }
        #expect(try contacts.get(1, in: engine.system) == Contact(name: "Old Timer", tags: []))
        #expect(throws: CortexError.corrupt("contact has encoding version 3; this build reads versions 1...2")) {
            try contacts.get(2, in: engine.system)
        }
        #expect(throws: CortexError.corrupt("contact: length 5 at byte 1 exceeds the 1 bytes left")) {
            try contacts.get(3, in: engine.system)
        }
    }

    /// Every combination of bounds and direction against a sorted reference array.
    @Test func rangeScansMatchASortedReference() throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close(); _ = directory }
        var random = SeededGenerator.fromEnvironment()
        let numbers: Table<Int64, [UInt8]> = try engine.system.table("numbers")
        let keys = Set((0..<400).map { _ in Int64.random(in: -1_000...1_000, using: &random) }).sorted()
        try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
            for key in keys { try numbers.put(key.encodedKey, for: key, in: &tx) }
        }
        for _ in 0..<200 {
            let a = Int64.random(in: -1_100...1_100, using: &random)
            let b = Int64.random(in: -1_100...1_100, using: &random)
            let (low, high) = (min(a, b), max(a, b))
            let reverse = Bool.random(using: &random)
            let inclusive = Bool.random(using: &random)
            let range: KeyRange<Int64> = inclusive ? .from(low, through: high) : .from(low, below: high)
            var expected = keys.filter { $0 >= low && (inclusive ? $0 <= high : $0 < high) }
            if reverse { expected.reverse() }
            let scanned = try engine.system.read { (tx: borrowing ReadTransaction) throws(CortexError) -> [Int64] in
                try numbers.entries(in: tx, range: range, reverse: reverse).map(\.key)
            }
            #expect(scanned == expected, "seed \(random.seed): \(low)..\(high) inclusive=\(inclusive) reverse=\(reverse)")
        }
        let all = try engine.system.read { (tx: borrowing ReadTransaction) throws(CortexError) -> [Int64] in
            try numbers.entries(in: tx, reverse: true, limit: 5).map(\.key)
        }
        #expect(all == Array(keys.suffix(5).reversed()))
        let after = try engine.system.read { (tx: borrowing ReadTransaction) throws(CortexError) -> [Int64] in
            try numbers.entries(in: tx, range: .after(keys[10]), limit: 3).map(\.key)
        }
        #expect(after == Array(keys[11..<14]))
    }

    @Test func prefixScansStayInsideTheirPrefix() throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close(); _ = directory }
        let messages: Table<KeyPair<String, UInt64>, [UInt8]> = try engine.system.table("messages")
        try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
            for conversation in ["c1", "c10", "c2"] {
                for index in UInt64(0)..<5 { try messages.put([UInt8(index)], for: KeyPair(conversation, index), in: &tx) }
            }
        }
        let found = try engine.system.read { (tx: borrowing ReadTransaction) throws(CortexError) -> [String] in
            var seen: [String] = []
            try messages.forEach(in: tx, prefix: "c1", reverse: true) { key, _ in
                seen.append("\(key.first)/\(key.second)")
                return true
            }
            return seen
        }
        #expect(found == ["c1/4", "c1/3", "c1/2", "c1/1", "c1/0"])
    }

    @Test func secondaryIndexFollowsPutsUpdatesAndDeletes() throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close(); _ = directory }
        let index = SecondaryIndex<String, UInt64>(try engine.system.table("contacts.by_tag"))
        let contacts = IndexedTable<UInt64, Contact>(try engine.system.table("contacts")).indexed(by: index) { $0.tags }
        try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
            try contacts.put(Contact(name: "Ada", tags: ["vip", "eu"]), for: 1, in: &tx)
            try contacts.put(Contact(name: "Bob", tags: ["eu"]), for: 2, in: &tx)
            try contacts.put(Contact(name: "Cy", tags: ["vip"]), for: 3, in: &tx)
        }
        func lookup(_ tag: String) throws -> [UInt64] {
            try engine.system.read { (tx: borrowing ReadTransaction) throws(CortexError) -> [UInt64] in
                try index.primaryKeys(for: tag, in: tx)
            }
        }
        #expect(try lookup("vip") == [1, 3])
        #expect(try lookup("eu") == [1, 2])
        try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
            try contacts.put(Contact(name: "Ada", tags: ["eu"]), for: 1, in: &tx)
            try contacts.delete(2, in: &tx)
        }
        #expect(try lookup("vip") == [3])
        #expect(try lookup("eu") == [1])
        #expect(try lookup("missing") == [])
    }

    @Test func oversizeAndEmptyKeysAreRejected() throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close(); _ = directory }
        let names: Table<String, [UInt8]> = try engine.system.table("names")
        #expect(throws: CortexError.tooLarge("key is 602 bytes; the limit is 511")) {
            try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
                try names.put([1], for: String(repeating: "k", count: 600), in: &tx)
            }
        }
        let raw: Table<KeyBytes, [UInt8]> = try engine.system.table("raw")
        // KeyBytes always appends a terminator, so use the raw API for the empty key.
        #expect(throws: CortexError.invalidInput("empty key")) {
            try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
                try tx.put(database: raw.database, key: [], value: [1])
            }
        }
    }
}
