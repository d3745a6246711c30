import CortexCore
import CortexStorage
import CortexTesting
import CortexVector
import Foundation
import Testing

/// Writes `vectors` as a TEXMEX .fvecs file.
func writeFvecs(_ vectors: [[Float]], to path: String) throws {
    var data = Data()
    for vector in vectors {
        withUnsafeBytes(of: Int32(vector.count).littleEndian) { data.append(contentsOf: $0) }
        for component in vector { withUnsafeBytes(of: component.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    }
    try data.write(to: URL(fileURLWithPath: path))
}

/// Writes `vectors` as a NumPy .npy file (format 1.0, '<f4', C order).
func writeNpy(_ vectors: [[Float]], to path: String) throws {
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(vectors.count), \(vectors[0].count)), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var data = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
    data.append(Data(header.utf8))
    for vector in vectors {
        for component in vector { withUnsafeBytes(of: component.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    }
    try data.write(to: URL(fileURLWithPath: path))
}

func randomVectors(count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
    var random = SeededGenerator(seed: seed)
    return (0..<count).map { _ in (0..<dimension).map { _ in Float.random(in: -1...1, using: &random) } }
}

/// Opens `data` in-process and runs `body` with the named collection.
func withCollection<T>(data: String, tenant: String, collection: String, _ body: (VectorCollection) throws(CortexError) -> T) throws -> T {
    let engine = try StorageEngine(options: StorageOptions(dataDirectory: data))
    defer { engine.close() }
    return try engine.withTenantSync(try TenantID(tenant)) { (environment: Environment) throws(CortexError) -> T in
        try body(try VectorStore(environment: environment).collection(named: collection))
    }
}

@Suite struct LoadVectorsTests {
    @Test func loadingTwiceIsIdempotentAndKeepsEveryVector() throws {
        let directory = TemporaryDirectory("cortex-load")
        let vectors = randomVectors(count: 700, dimension: 8, seed: 11)
        try writeFvecs(vectors, to: directory.child("v.fvecs"))
        let arguments = ["load", "vectors", "--data", directory.child("data"), "--tenant", "acme", "--collection", "docs",
                         "--file", directory.child("v.fvecs"), "--metric", "l2", "--batch", "256", "--pq-m", "4", "--json"]
        let first = try runProduct("cortex", arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains(#""inserted" : 700"#))
        #expect(first.stderr.contains("loaded 256/700"))
        let second = try runProduct("cortex", arguments)
        #expect(second.stdout.contains(#""updated" : 700"#))
        #expect(second.stdout.contains(#""collection_count" : 700"#))
        try withCollection(data: directory.child("data"), tenant: "acme", collection: "docs") { (collection: VectorCollection) throws(CortexError) in
            #expect(try collection.count() == 700)
            #expect(collection.descriptor.configuration.pqSubquantizers == 4)
            #expect(collection.descriptor.configuration.metric == .l2)
            let sample = try collection.get(ids: ["0", "399", "699"], includeVectors: true)
            #expect(sample.map(\.vector) == [vectors[0], vectors[399], vectors[699]])
            #expect(try collection.query(vectors[123], k: 1).map(\.id) == ["123"])
            _ = try collection.verify()
        }
    }

    @Test func numpyFilesLoadLikeFvecs() throws {
        let directory = TemporaryDirectory("cortex-load")
        let vectors = randomVectors(count: 300, dimension: 12, seed: 3)
        try writeNpy(vectors, to: directory.child("v.npy"))
        let loaded = try runProduct("cortex", ["load", "vectors", "--data", directory.child("data"), "--tenant", "np", "--collection", "c",
                                               "--file", directory.child("v.npy"), "--metric", "ip"])
        #expect(loaded.status == 0, "\(loaded.stderr)")
        #expect(loaded.stdout.hasPrefix("loaded 300 records (300 new, 0 updated) into np/c"))
        try withCollection(data: directory.child("data"), tenant: "np", collection: "c") { (collection: VectorCollection) throws(CortexError) in
            #expect(try collection.get(ids: ["0", "299"], includeVectors: true).map(\.vector) == [vectors[0], vectors[299]])
        }
        try Data([0x93, 0x4E]).write(to: URL(fileURLWithPath: directory.child("broken.npy")))
        let broken = try runProduct("cortex", ["load", "vectors", "--data", directory.child("data"), "--tenant", "np", "--collection", "c",
                                               "--file", directory.child("broken.npy")])
        #expect(broken.stderr == "cortex: \(directory.child("broken.npy")) is not a NumPy .npy file (bad magic)\n")
    }

    @Test func jsonLinesCarryMetadataAndDocumentsAndBadLinesAreNamed() throws {
        let directory = TemporaryDirectory("cortex-load")
        let lines = [
            #"{"id": "a", "vector": [1, 0, 0], "metadata": {"lang": "en", "year": 2024, "score": 0.5, "ok": true, "tags": ["x", "y"]}, "document": "alpha"}"#,
            #"{"id": "b", "vector": [0, 1, 0]}"#,
        ]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: directory.child("r.jsonl")))
        let loaded = try runProduct("cortex", ["load", "vectors", "--data", directory.child("data"), "--tenant", "t", "--collection", "c",
                                               "--file", directory.child("r.jsonl")])
        #expect(loaded.status == 0, "\(loaded.stderr)")
        try withCollection(data: directory.child("data"), tenant: "t", collection: "c") { (collection: VectorCollection) throws(CortexError) in
            let records = try collection.get(ids: ["a", "b"])
            #expect(records.first?.metadata == ["lang": .string("en"), "year": .int(2024), "score": .double(0.5), "ok": .bool(true), "tags": .stringList(["x", "y"])])
            #expect(records.first?.document == "alpha")
            #expect(records.last?.metadata == nil)
        }
        try Data(#"{"id": "c", "vector": [1, "x", 0]}"#.utf8).write(to: URL(fileURLWithPath: directory.child("bad.jsonl")))
        let bad = try runProduct("cortex", ["load", "vectors", "--data", directory.child("data"), "--tenant", "t", "--collection", "c",
                                            "--file", directory.child("bad.jsonl")])
        #expect(bad.status == 1)
        #expect(bad.stderr == "cortex: \(directory.child("bad.jsonl")) line 1: vector element 1 is not a number\n")
        let unsupported = try runProduct("cortex", ["load", "vectors", "--data", directory.child("data"), "--tenant", "t", "--collection", "c",
                                                    "--file", directory.child("x.csv")])
        #expect(unsupported.stderr == "cortex: \(directory.child("x.csv")): unsupported file type '.csv'; use .fvecs, .npy or .jsonl\n")
    }

    /// kill -9 the loader at random moments: every batch it reported stays, nothing is half-applied.
    @Test func killedLoaderLeavesAConsistentCollectionWithEveryReportedBatch() throws {
        var random = SeededGenerator.fromEnvironment()
        let directory = TemporaryDirectory("cortex-load-crash")
        let vectors = randomVectors(count: 6_000, dimension: 16, seed: 5)
        try writeFvecs(vectors, to: directory.child("v.fvecs"))
        for round in 0..<4 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Products.path(of: "cortex"))
            process.arguments = ["load", "vectors", "--data", directory.child("data"), "--tenant", "acme", "--collection", "docs",
                                 "--file", directory.child("v.fvecs"), "--batch", "300", "--metric", "l2"]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = Pipe()
            try process.run()
            let wanted = Int.random(in: 1...6, using: &random)
            var acknowledged = 0
            var seen = 0
            var buffer = Data()
            while seen < wanted {
                let chunk = errors.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") where line.hasPrefix("loaded ") {
                    let count = Int(line.dropFirst(7).prefix { $0.isNumber }) ?? 0
                    acknowledged = max(acknowledged, count)
                }
                seen = String(decoding: buffer, as: UTF8.self).components(separatedBy: "loaded ").count - 1
            }
            usleep(UInt32.random(in: 0...20_000, using: &random))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try withCollection(data: directory.child("data"), tenant: "acme", collection: "docs") { (collection: VectorCollection) throws(CortexError) in
                let report = try collection.verify()
                #expect(report.liveCount % 300 == 0, "seed \(random.seed) round \(round): \(report.liveCount) records is not whole batches")
                #expect(try collection.count() >= acknowledged, "seed \(random.seed) round \(round): lost acknowledged records")
                let lastAcknowledged = String(max(acknowledged - 1, 0))
                if acknowledged > 0 {
                    #expect(try collection.get(ids: [lastAcknowledged], includeVectors: true).first?.vector == vectors[acknowledged - 1])
                }
            }
        }
        let finished = try runProduct("cortex", ["load", "vectors", "--data", directory.child("data"), "--tenant", "acme", "--collection", "docs",
                                                 "--file", directory.child("v.fvecs"), "--batch", "300", "--metric", "l2"])
        #expect(finished.status == 0, "\(finished.stderr)")
        try withCollection(data: directory.child("data"), tenant: "acme", collection: "docs") { (collection: VectorCollection) throws(CortexError) in
            #expect(try collection.count() == 6_000)
            _ = try collection.verify()
            #expect(try collection.query(vectors[4321], k: 1).map(\.id) == ["4321"])
        }
    }
}
