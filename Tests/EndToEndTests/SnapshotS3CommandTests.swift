import CortexCore
import CortexTesting
import CortexVector
import Foundation
import Testing

/// `cortex snapshot` and `cortex restore` against a real S3-compatible server (moto, `MotoServer`).
@Suite struct SnapshotS3CommandTests {
    @Test func snapshotToS3ThenRestoreGivesTheSameCollectionAndACorruptObjectIsNamed() throws {
        let moto = try MotoServer()
        let directory = TemporaryDirectory("cortex-s3-cli")
        let data = directory.child("data")
        let vectors = randomVectors(count: 1_500, dimension: 16, seed: 0x53)
        try writeFvecs(vectors, to: directory.child("v.fvecs"))
        let load = try runProduct("cortex", ["load", "vectors", "--data", data, "--tenant", "acme", "--collection", "docs",
                                             "--file", directory.child("v.fvecs"), "--metric", "l2", "--batch", "500"])
        #expect(load.status == 0, "\(load.stderr)")

        let url = "s3://\(moto.bucket)/cli"
        let s3 = ["--endpoint", moto.endpoint]
        let create = try runProduct("cortex", ["snapshot", "create", "--data", data, "--to", url, "--json"] + s3, environment: moto.environment)
        #expect(create.status == 0, "\(create.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(create.stdout.utf8)) as? [String: Any], "\(create.stdout)")
        let id = try #require(summary["id"] as? String, "\(create.stdout)")

        let list = try runProduct("cortex", ["snapshot", "list", "--from", url] + s3, environment: moto.environment)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.hasPrefix(id + "\t"), "\(list.stdout)")
        let verify = try runProduct("cortex", ["snapshot", "verify", "--from", url] + s3, environment: moto.environment)
        #expect(verify.stdout == "snapshot \(id): 2 objects verified\n", "\(verify.stderr)")

        let restoredData = directory.child("restored")
        let restore = try runProduct("cortex", ["restore", "--from", url, "--to", restoredData] + s3, environment: moto.environment)
        #expect(restore.status == 0, "\(restore.stderr)")
        let queries = [vectors[0], vectors[777], vectors[1_499]]
        func observe(_ data: String) throws -> [String] {
            try withCollection(data: data, tenant: "acme", collection: "docs") { (collection: VectorCollection) throws(CortexError) in
                var seen = ["count \(try collection.count())"]
                for query in queries { seen.append(try collection.query(query, k: 10).map(\.id).joined(separator: ",")) }
                let records = try collection.get(ids: ["0", "777", "1499"], includeVectors: true)
                seen += records.map { "\($0.id) \($0.vector)" }
                return seen
            }
        }
        let original = try observe(data)
        #expect(original.first == "count 1500")
        #expect(try observe(restoredData) == original)

        // One object overwritten behind Cortex's back.
        try moto.putObject("cli/snapshots/\(id)/tenants/acme.mdb.zst", bytes: [UInt8](repeating: 0x2A, count: 4096))
        let broken = try runProduct("cortex", ["snapshot", "verify", "--from", url] + s3, environment: moto.environment)
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("tenants/acme.mdb.zst"), "\(broken.stderr)")
        let refused = try runProduct("cortex", ["restore", "--from", url, "--to", directory.child("restored-2")] + s3, environment: moto.environment)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("tenants/acme.mdb.zst"), "\(refused.stderr)")
    }
}
