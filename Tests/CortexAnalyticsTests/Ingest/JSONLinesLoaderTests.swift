@testable import CortexAnalytics
import CortexCore
import CortexTesting
import Foundation
import Testing

@Suite struct JSONLinesLoaderTests {
    private let schema = try! TableSchema(
        name: "t",
        columns: [
            ColumnSchema("tenant_id", .int32, nullable: false), ColumnSchema("ts", .timestamp, nullable: false),
            ColumnSchema("name", .string), ColumnSchema("score", .float64), ColumnSchema("ok", .bool),
        ],
        tenantColumn: "tenant_id", timeColumn: "ts")

    private func load(_ text: String) throws -> [[String]] {
        let folder = TemporaryDirectory("jsonl")
        let path = folder.child("in.jsonl")
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        var rows: [[String]] = []
        _ = try JSONLinesLoader.load(path: path, schema: schema, dictionaries: schema.columns.map { _ in nil }) {
            (columns: [ColumnVector]) throws(CortexError) in
            for row in 0..<columns[0].count { rows.append(columns.map { render($0, row) }) }
        }
        return rows
    }

    @Test func objectsLoadWithConversionsAndAbsentColumnsAsNull() throws {
        let text = """
            {"tenant_id": 1, "ts": 1751328000000, "name": "caf\\u00e9 \\"x\\"", "score": 0.5, "ok": true}

            {"ts": "2025-07-01T00:00:01.250Z", "tenant_id": 2, "score": 3, "ok": null}
            """
        #expect(try load(text) == [["1", "1751328000000", "café \"x\"", "0.5", "1"], ["2", "1751328001250", "NULL", "3.0", "NULL"]])
    }

    @Test func badLinesNameTheLineAndTheProblem() throws {
        let folder = TemporaryDirectory("jsonl")
        let path = folder.child("bad.jsonl")
        func expectError(_ text: String, _ message: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            #expect(throws: CortexError.invalidInput(message)) {
                _ = try JSONLinesLoader.load(path: path, schema: schema, dictionaries: schema.columns.map { _ in nil }) {
                    (_: [ColumnVector]) throws(CortexError) in
                }
            }
        }
        try expectError("{\"tenant_id\": 1, \"ts\": 2}\n{\"tenant_id\": 1, \"ts\": 2,}", "\(path): line 2: expected a string at byte 26")
        try expectError("{\"tenant_id\": 1}", "\(path): line 1: row 0: column ts is NOT NULL")
        try expectError("{\"tenant_id\": 3000000000, \"ts\": 1}", "\(path): line 1: row 0: column tenant_id is int32; 3000000000 is out of range")
        try expectError("{\"tenant_id\": 1, \"ts\": 1, \"nope\": 2}", "\(path): line 1: row 0: table t has no column 'nope'")
        try expectError("{\"tenant_id\": 1, \"ts\": 1, \"ok\": \"yes\"}", "\(path): line 1: row 0: column ok expects bool; got string(\"yes\")")
        try expectError("{\"tenant_id\": [1], \"ts\": 1}", "\(path): line 1: nested arrays and objects are not supported at byte 15")
    }
}
