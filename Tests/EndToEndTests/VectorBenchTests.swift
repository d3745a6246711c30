import CortexTesting
import Foundation
import Testing

@Suite struct VectorBenchTests {
    /// A TEXMEX dataset folder of 500 base vectors and 20 queries with their exact l2 neighbours.
    private func dataset(in directory: TemporaryDirectory) throws -> String {
        let base = VectorData(count: 500, dimension: 8, seed: 41)
        let queries = VectorData(count: 20, dimension: 8, seed: 42).vectors
        let folder = directory.child("dataset")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try writeFvecs(base.vectors, to: folder + "/base.fvecs")
        try writeFvecs(queries, to: folder + "/query.fvecs")
        try writeIvecs(queries.map { base.nearest($0, k: 10).map { Int32($0)! } }, to: folder + "/groundtruth.ivecs")
        return folder
    }

    private func buildLine(_ arguments: [String]) throws -> [String: Any] {
        let run = try runProduct("cortex", arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try run.stdout.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(lines.count == 3, "build, one ef, reopen")
        #expect(lines[1]["recall@10"] as? Double == 1.0, "an exhaustive ef finds the exact neighbours")
        return try #require(lines.first { $0["phase"] as? String == "build" })
    }

    @Test func noChangeLogBuildsTheSameCollectionWithoutTheLogsBytes() throws {
        let directory = TemporaryDirectory("cortex-bench-vector")
        let arguments = ["bench", "vector", "--dataset", try dataset(in: directory), "--metric", "l2", "--ef", "500", "--batch", "100",
                         "--extended", "--json"]
        let withLog = try buildLine(arguments)
        let withoutLog = try buildLine(arguments + ["--no-change-log"])
        #expect(withLog["change_log"] as? Bool == true)
        #expect(withoutLog["change_log"] as? Bool == false)
        #expect(withoutLog["vectors"] as? Int == 500)
        // With the log every value written is stored a second time, in the unshipped change records.
        let diskWith = try #require(withLog["bytes_per_vector_disk"] as? Double)
        let diskWithout = try #require(withoutLog["bytes_per_vector_disk"] as? Double)
        #expect(diskWith > diskWithout)
    }

    @Test func noChangeLogIsRefusedWithAServer() throws {
        let directory = TemporaryDirectory("cortex-bench-vector")
        let run = try runProduct("cortex", [
            "bench", "vector", "--dataset", try dataset(in: directory), "--server", "127.0.0.1:1", "--api-key", "ck_unused", "--no-change-log",
        ])
        #expect(run.status != 0)
        #expect(run.stderr.contains("--filter-selectivity, --extended and --no-change-log are not available with --server"))
    }
}
