@testable import CortexAnalytics
import CortexCore
import CortexTesting
import Foundation
import Testing

@Suite struct CSVLoaderTests {
    private let schema = try! TableSchema(
        name: "t",
        columns: [
            ColumnSchema("tenant_id", .int32, nullable: false), ColumnSchema("ts", .timestamp, nullable: false),
            ColumnSchema("name", .string), ColumnSchema("score", .float64), ColumnSchema("ok", .bool), ColumnSchema("n", .int64),
        ],
        tenantColumn: "tenant_id", timeColumn: "ts")

    private func load(_ text: String, pieceByteCount: Int = 1 << 20, batchRowCount: Int = 1 << 20) throws -> [[String]] {
        let folder = TemporaryDirectory("csv")
        let path = folder.child("in.csv")
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let dictionaries = schema.columns.map { $0.type == .string ? StringDictionary() : nil }
        var rows: [[String]] = []
        _ = try CSVLoader.load(path: path, schema: schema, dictionaries: dictionaries, batchRowCount: batchRowCount, pieceByteCount: pieceByteCount) {
            (columns: [ColumnVector]) throws(CortexError) in
            for row in 0..<columns[0].count {
                rows.append(columns.map { column in
                    if column.isNull(row) { return "NULL" }
                    switch column.values {
                    case .int64(let values): return String(values[row])
                    case .float64(let values): return String(values[row])
                    case .string(let codes, let dictionary): return dictionary.string(for: codes[row])
                    }
                })
            }
        }
        return rows
    }

    @Test func fieldsOfEveryTypeWithQuotesNullsAndCRLFLoad() throws {
        let text = "\"tenant_id\",ts,name,score,ok,n\r\n1,10,\"a \"\"quoted\"\", name\",0.59907466,true,-9223372036854775808\r\n"
            + "2,11,,,,\n3,12,plain,1e3,0,42\n"
        #expect(try load(text) == [
            ["1", "10", "a \"quoted\", name", "0.59907466", "1", "-9223372036854775808"],
            ["2", "11", "NULL", "NULL", "NULL", "NULL"],
            ["3", "12", "plain", "1000.0", "0", "42"],
        ])
    }

    @Test func headerOrderIsFreeAndAbsentNullableColumnsAreNull() throws {
        #expect(try load("ts,tenant_id,n\n5,7,1\n") == [["7", "5", "NULL", "NULL", "NULL", "1"]])
    }

    @Test func decimalsParseToTheNearestDouble() throws {
        var generator = SeededGenerator(seed: 42)
        var text = "tenant_id,ts,score\n"
        var expected: [Double] = []
        for _ in 0..<500 {
            let digits = Int.random(in: 1...17, using: &generator)
            let mantissa = UInt64.random(in: 0...(UInt64(1) << 53), using: &generator) % UInt64(pow(10.0, Double(min(digits, 15))))
            let literal = "\(mantissa / 1000).\(mantissa % 1000)"
            text += "1,1,\(literal)\n"
            expected.append(Double(literal)!)
        }
        let parsed = try load(text).map { Double($0[3])! }
        #expect(parsed == expected, "seed \(generator.seed)")
    }

    @Test func manyPiecesGiveTheSameRowsInFileOrder() throws {
        var text = "tenant_id,ts,name\n"
        for row in 0..<2000 { text += "\(row % 7),\(row),\"n\(row % 13)\"\n" }
        let whole = try load(text)
        let split = try load(text, pieceByteCount: 512)
        #expect(whole.count == 2000)
        #expect(split == whole)
    }

    @Test func smallBatchesDeliverEveryRowOnceInFileOrder() throws {
        // Many pieces and batches: parsing runs ahead of the consumer on its own thread.
        var text = "tenant_id,ts,name,n\n"
        var expected: [[String]] = []
        for row in 0..<3000 {
            // NULLs only early in n and only late in name: a piece's NULLs must not leak into the next.
            let n = row < 700 && row % 3 == 0 ? "" : "\(row * 7)"
            let name = row > 2500 && row % 2 == 0 ? "" : "\"s\(row % 11)\""
            text += "\(row % 5),\(row),\(name),\(n)\n"
            expected.append([
                "\(row % 5)", "\(row)", name.isEmpty ? "NULL" : "s\(row % 11)", "NULL", "NULL", n.isEmpty ? "NULL" : n,
            ])
        }
        for (pieceByteCount, batchRowCount) in [(256, 1), (256, 50), (1000, 333), (1 << 20, 1)] {
            #expect(try load(text, pieceByteCount: pieceByteCount, batchRowCount: batchRowCount) == expected, "pieces \(pieceByteCount) batch \(batchRowCount)")
        }
    }

    @Test func aFailingConsumerStopsTheLoadWithItsError() throws {
        let folder = TemporaryDirectory("csv")
        let path = folder.child("in.csv")
        var text = "tenant_id,ts\n"
        for row in 0..<5000 { text += "1,\(row)\n" }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        var batches = 0
        #expect(throws: CortexError.unavailable("disk full")) {
            _ = try CSVLoader.load(path: path, schema: schema, dictionaries: schema.columns.map { $0.type == .string ? StringDictionary() : nil }, batchRowCount: 10, pieceByteCount: 64) {
                (_: [ColumnVector]) throws(CortexError) in
                batches += 1
                if batches == 3 { throw .unavailable("disk full") }
            }
        }
        #expect(batches == 3, "no batch is delivered after the consumer failed")
    }

    @Test func aBadLineAfterSomeBatchesFailsAfterDeliveringThem() throws {
        let folder = TemporaryDirectory("csv")
        let path = folder.child("in.csv")
        var text = "tenant_id,ts\n"
        for row in 0..<1000 { text += row == 800 ? "1,x\n" : "1,\(row)\n" }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        var delivered = 0
        #expect(throws: CortexError.invalidInput("\(path): line 802: column ts: 'x' is not a valid timestamp")) {
            _ = try CSVLoader.load(path: path, schema: schema, dictionaries: schema.columns.map { $0.type == .string ? StringDictionary() : nil }, batchRowCount: 100, pieceByteCount: 64) {
                (columns: [ColumnVector]) throws(CortexError) in
                delivered += columns[0].count
            }
        }
        #expect(delivered >= 600 && delivered <= 800, "the batches before the bad line arrive (\(delivered) rows)")
    }

    @Test func badFieldsNameTheLineAndColumn() throws {
        let folder = TemporaryDirectory("csv")
        let path = folder.child("bad.csv")
        func expectError(_ text: String, _ message: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            #expect(throws: CortexError.invalidInput(message)) {
                _ = try CSVLoader.load(path: path, schema: schema, dictionaries: schema.columns.map { $0.type == .string ? StringDictionary() : nil }) {
                    (_: [ColumnVector]) throws(CortexError) in
                }
            }
        }
        try expectError("tenant_id,ts,n\n1,2,3\n1,2,x3\n", "\(path): line 3: column n: 'x3' is not a valid int64")
        try expectError("tenant_id,ts\n1,2,3\n", "\(path): line 2: more fields than the header's 2")
        try expectError("tenant_id,ts,n\n1,2\n", "\(path): line 2: 2 fields; the header has 3")
        try expectError("tenant_id,ts,what\n", "\(path): header names column 'what', which table t does not have")
        try expectError("ts,n\n", "\(path): header lacks NOT NULL column 'tenant_id'")
        try expectError("tenant_id,ts,name\n1,2,\"open\n", "\(path): line 2: unterminated quoted field in column name")
        try expectError("tenant_id,ts,n\n1,2,99999999999999999999\n", "\(path): line 2: column n: '99999999999999999999' is not a valid int64")
    }

    @Test func textsOfEveryShortLengthKeepTheirIdentity() throws {
        // Texts up to 16 bytes are looked up as two words: prefixes of each other, trailing NUL
        // bytes and lengths 8 and 16 must stay distinct, and quoted or not, the same text one code.
        var generator = SeededGenerator(seed: UInt64.random(in: 0...UInt64.max))
        var texts = ["a", "a\u{0}", "a\u{0}\u{0}", "abcdefgh", "abcdefgh\u{0}", "abcdefghijklmnop", "abcdefghijklmnopq", "abcdefghijklmno"]
        for _ in 0..<300 {
            texts.append(String((0..<Int.random(in: 1...20, using: &generator)).map { _ in "ab".randomElement(using: &generator)! }))
        }
        var text = "tenant_id,ts,name\n"
        for (row, value) in texts.enumerated() { text += row % 2 == 0 ? "1,\(row),\(value)\n" : "1,\(row),\"\(value)\"\n" }
        #expect(try load(text).map { $0[2] } == texts, "seed \(generator.seed)")
    }

    @Test func integersParseAsTheStandardLibraryParsesThem() {
        // Word-at-a-time paths: short numbers read as one word when 8 bytes are readable (else digit
        // by digit), 8–18 digits in words, 19 digits starting 0–8 in words, the rest checked.
        var generator = SeededGenerator(seed: UInt64.random(in: 0...UInt64.max))
        var texts = [
            "0", "7", "-0", "+5", "-", "+", "12345678", "123456789", "-99999999", "100000000", "999999999999999999", "-999999999999999999",
            "1234567890123456789", "8999999999999999999", "9000000000000000000", "9223372036854775807", "9223372036854775808",
            "-9223372036854775808", "-9223372036854775809", "00000000000000000001", "12a4", "1234567a", "123456789012x", "1:", "/1",
            "1 2", "١٢", "12345678901234567890123",
        ]
        for _ in 0..<2000 {
            let digits = Int.random(in: 1...20, using: &generator)
            var text = Int.random(in: 0..<4, using: &generator) == 0 ? "-" : ""
            for _ in 0..<digits { text += String(Int.random(in: 0...9, using: &generator)) }
            if Int.random(in: 0..<10, using: &generator) == 0 {
                // One byte just outside the digits (':' is '9' + 1, '/' is '0' - 1) or far from them.
                let bad: [Character] = [":", "/", "a", " ", "\u{7F}", "\u{FF}"]
                var characters = Array(text)
                characters[Int.random(in: 0..<characters.count, using: &generator)] = bad.randomElement(using: &generator)!
                text = String(characters)
            }
            texts.append(text)
        }
        for text in texts {
            let bytes = Array(text.utf8)
            // The field alone, then followed by readable bytes that must not be taken for digits.
            for padding in [0, 1, 8, 16] {
                let buffer = bytes + [UInt8](repeating: UInt8(ascii: "9"), count: padding)
                let parsed = buffer.withUnsafeBytes { raw in
                    CSVParser.parseInt(UnsafeRawBufferPointer(rebasing: raw[0..<bytes.count]), readable: raw.count)
                }
                #expect(parsed == Int64(text), "'\(text)' with \(padding) bytes after it, seed \(generator.seed)")
            }
        }
    }
}
