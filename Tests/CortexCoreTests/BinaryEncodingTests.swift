import CortexCore
import CortexTesting
import Testing

@Suite struct BinaryEncodingTests {
    @Test func valuesOfEveryKindRoundTrip() throws {
        var random = SeededGenerator.fromEnvironment()
        for _ in 0..<2_000 {
            let unsigned = UInt64.random(in: 0...UInt64.max, using: &random) >> UInt64.random(in: 0...63, using: &random)
            let signed = Int64.random(in: Int64.min...Int64.max, using: &random) >> Int64.random(in: 0...63, using: &random)
            let fixed = UInt32.random(in: 0...UInt32.max, using: &random)
            let double = Double(bitPattern: random.next())
            let text = random.string(maxLength: 40)
            let blob = random.bytes(count: Int.random(in: 0...300, using: &random))
            let flag = Bool.random(using: &random)

            var writer = BinaryWriter()
            writer.writeVarUInt(unsigned)
            writer.writeVarInt(signed)
            writer.writeFixed(fixed)
            writer.write(double)
            writer.write(text)
            writer.write(blob: blob)
            writer.write(flag)

            var reader = BinaryReader(writer.bytes, context: "test record")
            #expect(try reader.readVarUInt() == unsigned, "seed \(random.seed)")
            #expect(try reader.readVarInt() == signed, "seed \(random.seed)")
            #expect(try reader.readFixed(UInt32.self) == fixed)
            let decoded = try reader.readDouble()
            #expect(decoded.bitPattern == double.bitPattern)
            #expect(try reader.readString() == text)
            #expect(try reader.readBlob() == blob)
            #expect(try reader.readBool() == flag)
            try reader.expectEnd()
        }
    }

    @Test func extremeIntegersRoundTrip() throws {
        var writer = BinaryWriter()
        for value in [Int64.min, -1, 0, 1, Int64.max] { writer.writeVarInt(value) }
        for value in [UInt64.min, 127, 128, UInt64.max] { writer.writeVarUInt(value) }
        var reader = BinaryReader(writer.bytes, context: "extremes")
        for value in [Int64.min, -1, 0, 1, Int64.max] { #expect(try reader.readVarInt() == value) }
        for value in [UInt64.min, 127, 128, UInt64.max] { #expect(try reader.readVarUInt() == value) }
        #expect(reader.isAtEnd)
    }

    @Test func truncatedInputIsReportedAsCorrupt() {
        var writer = BinaryWriter()
        writer.write("hello world")
        let truncated = Array(writer.bytes.dropLast(3))
        var reader = BinaryReader(truncated, context: "greeting")
        #expect(throws: CortexError.corrupt("greeting: length 11 at byte 0 exceeds the 8 bytes left")) {
            try reader.readString()
        }
        var short = BinaryReader([1, 2], context: "counter")
        #expect(throws: CortexError.corrupt("counter: truncated at byte 0: need 4 more, have 2")) {
            try short.readFixed(UInt32.self)
        }
    }

    @Test func overlongVarintIsCorrupt() {
        var reader = BinaryReader(Array(repeating: 0xFF, count: 11), context: "varint")
        #expect(throws: CortexError.corrupt("varint: varint at byte 0 is longer than 64 bits")) {
            try reader.readVarUInt()
        }
    }

    @Test func invalidUTF8AndBadBoolAreCorrupt() {
        var reader = BinaryReader([2, 0xC3, 0x28], context: "name")
        #expect(throws: CortexError.corrupt("name: string at byte 0 is not valid UTF-8")) { try reader.readString() }
        var flag = BinaryReader([7], context: "flag")
        #expect(throws: CortexError.corrupt("flag: byte 0 is 7, expected a bool (0 or 1)")) { try flag.readBool() }
    }

    @Test func trailingBytesAreCorrupt() throws {
        var reader = BinaryReader([1, 2, 3], context: "record")
        _ = try reader.readByte()
        #expect(throws: CortexError.corrupt("record: 2 unexpected trailing bytes at byte 1")) { try reader.expectEnd() }
    }
}
