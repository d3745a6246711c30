import CortexClient
import CortexTesting
import CortexWire
import Foundation
import Testing

/// Writes rows of Int32 as a TEXMEX .ivecs file.
func writeIvecs(_ rows: [[Int32]], to path: String) throws {
    var data = Data()
    for row in rows {
        withUnsafeBytes(of: Int32(row.count).littleEndian) { data.append(contentsOf: $0) }
        for value in row { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    }
    try data.write(to: URL(fileURLWithPath: path))
}

@Suite struct RemoteCommandTests {
    @Test func loadVectorsSendsAFileToARunningServer() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey(scopes: "ingest,query")
        try fixture.start()
        let data = VectorData(count: 700, dimension: 8, seed: 21)
        try writeFvecs(data.vectors, to: fixture.directory.child("v.fvecs"))
        let arguments = ["load", "vectors", "--server", "127.0.0.1:\(fixture.wirePort)", "--api-key", key.key, "--collection", "docs",
                         "--file", fixture.directory.child("v.fvecs"), "--metric", "l2", "--batch", "256", "--json"]
        let first = try runProduct("cortex", arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains(#""inserted" : 700"#))
        #expect(first.stdout.contains(#""collection_count" : 700"#))
        #expect(first.stderr.contains("loaded 256/700"))
        let second = try runProduct("cortex", arguments)
        #expect(second.stdout.contains(#""updated" : 700"#), "re-running is an upsert")

        let client = try await fixture.connect(key.key)
        #expect(try await client.count(collection: "docs") == 700)
        let query = VectorData(count: 1, dimension: 8, seed: 5).vectors[0]
        #expect(try await client.query(collection: "docs", vector: query, k: 10, ef: 700).map(\.record.id) == data.nearest(query, k: 10))

        let wrongTenant = try runProduct("cortex", arguments + ["--tenant", "globex"])
        #expect(wrongTenant.status == 1)
        #expect(wrongTenant.stderr == "cortex: --tenant globex does not match the API key's tenant acme\n")
        let badKey = try runProduct("cortex", ["load", "vectors", "--server", "127.0.0.1:\(fixture.wirePort)", "--api-key", "ck_nope",
                                               "--collection", "docs", "--file", fixture.directory.child("v.fvecs")])
        #expect(badKey.status == 1)
        #expect(badKey.stderr == "cortex: server: invalid or revoked API key (unauthorized)\n")
    }

    @Test func benchVectorMeasuresARunningServerAndCleansUp() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey(scopes: "ingest,query")
        try fixture.start()
        let (folder, _) = try Self.writeDataset(in: fixture, base: VectorData(count: 500, dimension: 8, seed: 31), queryCount: 40, seed: 32)

        let run = try runProduct("cortex", [
            "bench", "vector", "--dataset", folder, "--server", "127.0.0.1:\(fixture.wirePort)", "--api-key", key.key,
            "--metric", "l2", "--ef", "16,500", "--threads", "4", "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try run.stdout.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(lines.count == 3)
        #expect(lines[0]["phase"] as? String == "build")
        #expect(lines[0]["vectors"] as? Int == 500)
        #expect(lines[0]["connections"] as? Int == 4)
        #expect(lines[2]["ef"] as? Int == 500)
        #expect(lines[2]["recall@10"] as? Double == 1.0, "an exhaustive ef finds the exact neighbours")
        #expect((lines[1]["qps"] as? Double ?? 0) > 0)
        let client = try await fixture.connect(key.key)
        #expect(try await client.listCollections().isEmpty, "the scratch collection is dropped")
    }

    @Test func benchVectorQueriesAnExistingCollectionInPassesAndKeepsIt() async throws {
        let fixture = try WireFixture()
        let key = try fixture.mintKey(scopes: "ingest,query")
        try fixture.start()
        let (folder, base) = try Self.writeDataset(in: fixture, base: VectorData(count: 300, dimension: 8, seed: 41), queryCount: 20, seed: 42)
        let client = try await fixture.connect(key.key)
        _ = try await client.createCollection(CollectionSpec(name: "loaded", dimension: 8, metric: .l2))
        let records = base.vectors.enumerated().map { WireRecord(id: String($0.offset), vector: $0.element) }
        _ = try await client.upsert(collection: "loaded", records: records)

        let run = try runProduct("cortex", [
            "bench", "vector", "--dataset", folder, "--server", "127.0.0.1:\(fixture.wirePort)", "--api-key", key.key,
            "--collection", "loaded", "--ef", "300", "--threads", "3", "--passes", "4", "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try run.stdout.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(lines.count == 1, "no build line: nothing is built")
        #expect(lines.first?["phase"] as? String == "search")
        #expect(lines.first?["recall@10"] as? Double == 1.0, "an exhaustive ef finds the exact neighbours in every pass")
        #expect(try await client.count(collection: "loaded") == 300, "the existing collection is kept")

        let local = try runProduct("cortex", ["bench", "vector", "--dataset", folder, "--collection", "loaded"])
        #expect(local.status != 0)
        #expect(local.stderr.contains("--collection and --passes need --server"), "\(local.stderr)")
    }

    /// A TEXMEX dataset folder for `cortex bench vector`: `base`, `queryCount` queries, exact top-10 ground truth.
    static func writeDataset(in fixture: WireFixture, base: VectorData, queryCount: Int, seed: UInt64) throws -> (folder: String, base: VectorData) {
        let queries = VectorData(count: queryCount, dimension: base.vectors[0].count, seed: seed).vectors
        let folder = fixture.directory.child("dataset")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try writeFvecs(base.vectors, to: folder + "/base.fvecs")
        try writeFvecs(queries, to: folder + "/query.fvecs")
        try writeIvecs(queries.map { base.nearest($0, k: 10).map { Int32($0)! } }, to: folder + "/groundtruth.ivecs")
        return (folder, base)
    }
}
