@testable import CortexSnapshot
import CortexCore
import CortexStorage
import CortexTesting
import Foundation
import Testing

/// An S3 client for `moto` with the tests' credentials, the smallest part S3 allows and quick
/// retries (a killed server fails a request after `attemptCountMax` attempts, well under a second).
/// `proxy`: talk to moto through this fault-injecting proxy instead of directly.
func motoClient(
    _ moto: MotoServer, through proxy: S3FaultProxy? = nil, partUploadConcurrency: Int = 4, attemptCountMax: Int = 3,
    stallTimeout: Duration = .seconds(60)
) throws -> S3Client {
    let configuration = S3Configuration(
        endpoint: proxy?.endpoint ?? moto.endpoint, region: MotoServer.region,
        credentials: S3Credentials(accessKeyID: moto.accessKeyID, secretAccessKey: moto.secretAccessKey),
        usesPathStyle: true, partByteCount: S3Configuration.partByteCountMin,
        partUploadConcurrency: partUploadConcurrency, attemptCountMax: attemptCountMax,
        retryDelay: .milliseconds(10), retryDelayMax: .milliseconds(40), stallTimeout: stallTimeout)
    return try S3Client(configuration: configuration, bucket: moto.bucket)
}

/// The whole object `key`, read through the streaming GET.
func download(_ client: S3Client, _ key: String) throws -> [UInt8] {
    var bytes: [UInt8] = []
    try client.getObject(key) { (chunk: UnsafeRawBufferPointer) throws(CortexError) in bytes.append(contentsOf: chunk) }
    return bytes
}

/// The S3 client and the snapshot code against a real S3-compatible server: moto, started by
/// each test on a free loopback port (`MotoServer`) and killed when the test ends. moto checks
/// every request's SigV4 signature, so these tests also check the signer on every request shape.
@Suite struct S3MotoTests {
    @Test func objectsGoUpComeBackInRangesListAcrossPagesAndDelete() throws {
        let moto = try MotoServer()
        let client = try motoClient(moto)
        var random = SeededGenerator(seed: 0x53_33)
        let body = random.bytes(count: 100_000)
        try body.withUnsafeBytes { raw in try client.putObject("objects/one.bin", body: raw) }
        #expect(try client.headObject("objects/one.bin") == body.count)
        #expect(try download(client, "objects/one.bin") == body)

        // The Range a retried GET resumes with (bytes=N-) is signed and honoured.
        var tail: [UInt8] = []
        let ranged = try client.send(S3Request(method: "GET", key: "objects/one.bin", resumeByteOffset: 99_000)) {
            (chunk: UnsafeRawBufferPointer) throws(CortexError) in tail.append(contentsOf: chunk)
        }
        #expect(ranged.status == 206)
        #expect(tail == Array(body[99_000...]))

        // Seven keys two to a page: every page must be followed to its end.
        let keys = (0..<7).map { "list/k\($0)" }
        for key in keys.reversed() { try [UInt8(ascii: "x")].withUnsafeBytes { raw in try client.putObject(key, body: raw) } }
        #expect(try client.listObjects(prefix: "list/", pageKeyCountMax: 2) == keys)
        #expect(try client.listObjects(prefix: "").count == keys.count + 1)
        #expect(try client.listObjects(prefix: "none/", pageKeyCountMax: 2).isEmpty)

        try client.deleteObject("objects/one.bin")
        #expect(try client.headObject("objects/one.bin") == nil)
        let missing = #expect(throws: CortexError.self) { _ = try download(client, "objects/one.bin") }
        #expect(missing?.code == .notFound)
        #expect(missing?.message == "snapshot object objects/one.bin is missing from s3://cortex-test (NoSuchKey)")
        try client.deleteObject("objects/one.bin")  // a missing object deletes without error
    }

    @Test func multipartUploadIsInvisibleUntilCommittedAndReadsBackIntact() throws {
        let moto = try MotoServer()
        let client = try motoClient(moto)
        let target = S3Target(client: client, prefix: "multipart")
        var random = SeededGenerator(seed: 0x4D50)
        // Two full 5 MiB parts and a short last one, appended in chunks that straddle part boundaries.
        let body = random.bytes(count: 2 * S3Configuration.partByteCountMin + 123_457)
        let writer = try target.makeWriter(for: "big.bin")
        var offset = 0
        while offset < body.count {
            let end = min(offset + 700_001, body.count)
            try body[offset..<end].withUnsafeBytes { raw in try writer.append(raw) }
            offset = end
        }
        #expect(try client.headObject("multipart/big.bin") == nil, "parts are not an object before CompleteMultipartUpload")
        try writer.commit()
        #expect(try client.headObject("multipart/big.bin") == body.count)
        let stored = try download(client, "multipart/big.bin")
        #expect(stored.count == body.count)
        #expect(SHA256.hexHash(stored) == SHA256.hexHash(body))

        // An aborted upload leaves neither an object nor an open multipart upload behind.
        let aborted = try target.makeWriter(for: "aborted.bin")
        try body[0..<(S3Configuration.partByteCountMin + 1)].withUnsafeBytes { raw in try aborted.append(raw) }
        aborted.abort()
        #expect(try client.headObject("multipart/aborted.bin") == nil)
        let uploads = try client.send(S3Request(method: "GET", key: "", query: [("uploads", "")]))
        #expect(S3XML(uploads.body).values(of: "UploadId").isEmpty, "\(S3XML(uploads.body).text)")
    }

    @Test func snapshotToS3RestoresTheSameCollectionAndIgnoresIncompleteSnapshots() throws {
        let moto = try MotoServer()
        let source = try Source()
        defer { source.engine.close() }
        let client = try motoClient(moto)
        let target = S3Target(client: client, prefix: "/backups/node-1/")
        let expected = try observe(source.engine)
        let manifest = try SnapshotWriter(engine: source.engine, target: target).create()
        let folder = "backups/node-1/snapshots/\(manifest.id)/"
        #expect(try client.listObjects(prefix: "") == [
            folder + "manifest.json", folder + "system.mdb.zst", folder + "tenants/acme.mdb.zst", folder + "tenants/beta.mdb.zst",
        ])

        // Objects of a snapshot whose manifest was never written: not listed, pruned.
        try target.write("snapshots/20000101T000000Z-00000000/system.mdb.zst", bytes: [1, 2, 3])
        let reader = SnapshotReader(target: target)
        #expect(try reader.list().map(\.id) == [manifest.id])
        try reader.verify(reader.manifest(id: nil))

        let restoredPath = source.directory.child("restored")
        let tenants = try SnapshotRestorer(target: target).restoreAll(manifest, to: restoredPath, replacing: false).tenants
        #expect(tenants.map(\.rawValue) == ["acme", "beta"])
        let restored = try StorageEngine(options: StorageOptions(dataDirectory: restoredPath))
        defer { restored.close() }
        #expect(try observe(restored) == expected)

        // Pruning to the newest snapshot deletes the older one and the incomplete one, objects and all.
        let newer = try SnapshotWriter(engine: source.engine, target: target).create()
        #expect(try reader.prune(keep: 1) == ["20000101T000000Z-00000000", manifest.id])
        #expect(try reader.list().map(\.id) == [newer.id])
        #expect(try client.listObjects(prefix: "").allSatisfy { $0.hasPrefix("backups/node-1/snapshots/\(newer.id)/") })
    }

    @Test func anObjectOverwrittenInTheBucketIsNamedByVerifyAndRestore() throws {
        let moto = try MotoServer()
        let source = try Source()
        defer { source.engine.close() }
        let client = try motoClient(moto)
        let target = S3Target(client: client, prefix: "backups")
        let manifest = try SnapshotWriter(engine: source.engine, target: target).create()
        let reader = SnapshotReader(target: target)
        try reader.verify(manifest)

        let key = "backups/snapshots/\(manifest.id)/tenants/acme.mdb.zst"
        var random = SeededGenerator(seed: 0xBAD)
        try random.bytes(count: 4096).withUnsafeBytes { raw in try client.putObject(key, body: raw) }
        let corrupt = #expect(throws: CortexError.self) { try reader.verify(manifest) }
        #expect(corrupt?.code == .corrupt)
        #expect(corrupt?.message.contains("tenants/acme.mdb.zst") == true, "\(corrupt?.message ?? "")")
        #expect(corrupt?.message.contains("beta") == false, "only the bad object is named: \(corrupt?.message ?? "")")

        let restoredPath = source.directory.child("restored")
        let refused = #expect(throws: CortexError.self) {
            _ = try SnapshotRestorer(target: target).restoreAll(manifest, to: restoredPath, replacing: false)
        }
        #expect(refused?.message.contains("tenants/acme.mdb.zst") == true, "\(refused?.message ?? "")")
        let left = try FileManager.default.contentsOfDirectory(atPath: restoredPath).filter { !$0.hasPrefix(".") }
        #expect(left.isEmpty, "a failed restore makes nothing live: \(left)")
    }

    @Test func wrongCredentialsAreRefusedWithAMessageThatNamesThemAndHidesTheSecret() throws {
        let moto = try MotoServer()
        let secret = "wrong-secret-must-not-appear"
        func list(accessKeyID: String) throws -> CortexError? {
            let configuration = try S3Configuration.fromEnvironment(
                endpoint: moto.endpoint, environment: ["AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secret])
            let target = try S3Target(url: "s3://\(moto.bucket)/backups", configuration: configuration)
            return #expect(throws: CortexError.self) { _ = try SnapshotReader(target: target).list() }
        }
        let unknown = try list(accessKeyID: "AKIDUNKNOWN")
        #expect(unknown?.code == .unauthorized)
        #expect(unknown?.message == """
            S3 rejected the credentials (InvalidAccessKeyId) at \(moto.endpoint); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY \
            and AWS_SESSION_TOKEN (HTTP 403 InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records.)
            """)
        let wrongSecret = try list(accessKeyID: moto.accessKeyID)
        #expect(wrongSecret?.code == .unauthorized)
        #expect(wrongSecret?.message.hasPrefix("""
            S3 rejected the credentials (SignatureDoesNotMatch) at \(moto.endpoint); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY \
            and AWS_SESSION_TOKEN (HTTP 403 SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided.
            """) == true, "\(wrongSecret?.message ?? "")")
        for message in [unknown?.message, wrongSecret?.message] {
            #expect(message?.contains(secret) == false)
            #expect(message?.contains(moto.secretAccessKey) == false)
        }
    }

    @Test func killingTheServerMidSnapshotFailsTheSnapshotWithoutWritingAManifest() throws {
        let moto = try MotoServer()
        let source = try Source()
        defer { source.engine.close() }
        let target = S3Target(client: try motoClient(moto), prefix: "backups")
        // Killed once the first environment is stored: the next object's upload meets a dead server.
        let failure = #expect(throws: CortexError.self) {
            _ = try SnapshotWriter(engine: source.engine, target: target).create { progress in
                if case .environmentFinished(name: "system", _, _) = progress { moto.kill() }
            }
        }
        #expect(failure?.code == .unavailable)
        let message = failure?.message ?? ""
        #expect(message.hasPrefix("S3 PUT s3://cortex-test/backups/snapshots/"), "\(message)")
        #expect(message.contains("/tenants/acme.mdb.zst failed after 3 attempts at \(moto.endpoint): "), "\(message)")
        // The server saw the first object and never a manifest.
        let log = moto.log
        #expect(log.contains("/system.mdb.zst HTTP/1.1\" 200"), "\(log)")
        #expect(!log.contains("manifest.json"), "\(log)")
    }
}
