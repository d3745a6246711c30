@testable import CortexSnapshot
import CortexCore
import CortexStorage
import CortexTesting
import Foundation
import Testing

/// The S3 client's retry, resume and failure paths, against moto behind `S3FaultProxy`, which
/// answers chosen requests with 5xx or 4xx, stalls them, cuts response bodies and logs every
/// request, so each test checks both the outcome and the requests the client really sent.
/// Backoff is 10–40 ms (`motoClient`), so retries cost no real time.
@Suite struct S3FaultTests {
    /// The statuses the client got for the requests with `method` whose `path?query` contains `fragment`.
    static func statuses(_ proxy: S3FaultProxy, _ method: String, _ fragment: String) throws -> [Int?] {
        try proxy.requests().filter { $0.method == method && $0.target.contains(fragment) }.map(\.status)
    }

    /// Uploads `body` through a fresh writer for `key` in 700,001-byte appends, then commits.
    static func write(_ body: [UInt8], to key: String, in target: S3Target) throws {
        let writer = try target.makeWriter(for: key)
        var offset = 0
        while offset < body.count {
            let end = min(offset + 700_001, body.count)
            try body[offset..<end].withUnsafeBytes { raw in try writer.append(raw) }
            offset = end
        }
        try writer.commit()
    }

    @Test func aPutAndAMultipartPartAnswered503TwiceAreRetriedAndArriveIntact() throws {
        let moto = try MotoServer()
        let proxy = try S3FaultProxy(upstream: moto)
        let client = try motoClient(moto, through: proxy, attemptCountMax: 3)
        try proxy.setRules([
            .fail(status: 503, code: "SlowDown", method: "PUT", pattern: "/small\\.bin$", count: 2),
            .fail(status: 503, code: "SlowDown", method: "PUT", pattern: "partNumber=2&", count: 2),
        ])
        var random = SeededGenerator(seed: 0x503)
        let small = random.bytes(count: 10_000)
        try small.withUnsafeBytes { raw in try client.putObject("faults/small.bin", body: raw) }
        #expect(try download(client, "faults/small.bin") == small)
        #expect(try Self.statuses(proxy, "PUT", "/small.bin") == [503, 503, 200])

        let big = random.bytes(count: 2 * S3Configuration.partByteCountMin + 4_321)
        try Self.write(big, to: "big.bin", in: S3Target(client: client, prefix: "faults"))
        #expect(try download(client, "faults/big.bin") == big)
        #expect(try Self.statuses(proxy, "PUT", "partNumber=2&") == [503, 503, 200])
        #expect(try Self.statuses(proxy, "PUT", "partNumber=1&") == [200])
        #expect(try Self.statuses(proxy, "PUT", "partNumber=3&") == [200])
    }

    @Test func aCompleteMultipartUploadAnswered500IsRetried() throws {
        let moto = try MotoServer()
        let proxy = try S3FaultProxy(upstream: moto)
        let client = try motoClient(moto, through: proxy)
        // CompleteMultipartUpload is the POST with `?uploadId=`; CreateMultipartUpload's is `?uploads=`.
        try proxy.setRules([.fail(status: 500, code: "InternalError", method: "POST", pattern: "\\?uploadId=")])
        var random = SeededGenerator(seed: 0x500)
        let big = random.bytes(count: S3Configuration.partByteCountMin + 1)
        try Self.write(big, to: "big.bin", in: S3Target(client: client, prefix: "faults"))
        #expect(try download(client, "faults/big.bin") == big)
        #expect(try Self.statuses(proxy, "POST", "?uploadId=") == [500, 200])
    }

    @Test func aGetCutMidBodyResumesWithRangeAndTheBytesMatch() throws {
        let moto = try MotoServer()
        let proxy = try S3FaultProxy(upstream: moto)
        let client = try motoClient(moto, through: proxy)
        var random = SeededGenerator(seed: 0xC07)
        let body = random.bytes(count: 300_000)
        try body.withUnsafeBytes { raw in try client.putObject("faults/cut.bin", body: raw) }
        try proxy.setRules([.cut(afterByteCount: 100_000, method: "GET", pattern: "/cut\\.bin$")])
        #expect(try download(client, "faults/cut.bin") == body)
        let gets = try proxy.requests().filter { $0.method == "GET" }
        #expect(gets.map(\.fault) == ["cut", nil], "\(gets)")
        #expect(gets.map(\.range) == [nil, "bytes=100000-"], "\(gets)")
        #expect(gets.last?.status == 206)
    }

    @Test func a403IsNotRetried() throws {
        let moto = try MotoServer()
        let proxy = try S3FaultProxy(upstream: moto)
        let client = try motoClient(moto, through: proxy, attemptCountMax: 5)
        try proxy.setRules([.fail(status: 403, code: "AccessDenied", method: "PUT")])
        let refused = #expect(throws: CortexError.self) {
            try [UInt8]([1, 2, 3]).withUnsafeBytes { raw in try client.putObject("faults/denied.bin", body: raw) }
        }
        #expect(refused?.code == .forbidden)
        #expect(refused?.message == """
            S3 denied access to s3://cortex-test/faults/denied.bin (AccessDenied); the credentials lack permission for PUT \
            (HTTP 403 AccessDenied: injected by s3_fault_proxy)
            """)
        #expect(try Self.statuses(proxy, "PUT", "denied.bin") == [403])
    }

    @Test func a5xxBeyondTheRetryBudgetFailsNamingTheObjectAndTheStatus() throws {
        let moto = try MotoServer()
        let proxy = try S3FaultProxy(upstream: moto)
        let client = try motoClient(moto, through: proxy, attemptCountMax: 3)
        try proxy.setRules([.fail(status: 503, code: "SlowDown", method: "PUT", count: 100)])
        let failure = #expect(throws: CortexError.self) {
            try [UInt8]([1, 2, 3]).withUnsafeBytes { raw in try client.putObject("faults/busy.bin", body: raw) }
        }
        #expect(failure?.code == .unavailable)
        #expect(failure?.message == """
            S3 PUT s3://cortex-test/faults/busy.bin failed after 3 attempts at \(proxy.endpoint): \
            HTTP 503 SlowDown: injected by s3_fault_proxy
            """)
        #expect(try Self.statuses(proxy, "PUT", "busy.bin") == [503, 503, 503])
    }

    @Test func aStalledRequestTimesOutAndIsRetried() throws {
        let moto = try MotoServer()
        let proxy = try S3FaultProxy(upstream: moto)
        // libcurl's stall check counts whole seconds: 1 s is the shortest timeout it has.
        let client = try motoClient(moto, through: proxy, stallTimeout: .seconds(1))
        try proxy.setRules([.stall(method: "PUT")])
        let body: [UInt8] = [7, 8, 9]
        try body.withUnsafeBytes { raw in try client.putObject("faults/stalled.bin", body: raw) }
        #expect(try download(client, "faults/stalled.bin") == body)
        let puts = try proxy.requests().filter { $0.method == "PUT" }
        #expect(puts.map(\.fault) == ["stall", nil], "\(puts)")
        #expect(puts.last?.status == 200)
    }

    @Test func aSnapshotWhoseUploadFailsPastItsRetriesWritesNoManifestAndIsNotListed() throws {
        let moto = try MotoServer()
        let proxy = try S3FaultProxy(upstream: moto)
        let source = try Source()
        defer { source.engine.close() }
        let target = S3Target(client: try motoClient(moto, through: proxy, attemptCountMax: 3), prefix: "backups")
        try proxy.setRules([.fail(status: 503, code: "SlowDown", method: "PUT", pattern: "/tenants/acme\\.mdb\\.zst$", count: 100)])
        let failure = #expect(throws: CortexError.self) {
            _ = try SnapshotWriter(engine: source.engine, target: target).create()
        }
        #expect(failure?.code == .unavailable)
        let message = failure?.message ?? ""
        #expect(message.hasPrefix("S3 PUT s3://cortex-test/backups/snapshots/"), "\(message)")
        #expect(message.hasSuffix("/tenants/acme.mdb.zst failed after 3 attempts at \(proxy.endpoint): HTTP 503 SlowDown: injected by s3_fault_proxy"), "\(message)")
        let requests = try proxy.requests()
        #expect(requests.filter { $0.target.hasSuffix("/tenants/acme.mdb.zst") }.map(\.status) == [503, 503, 503])
        #expect(requests.contains { $0.target.hasSuffix("/system.mdb.zst") && $0.status == 200 }, "\(requests)")
        #expect(!requests.contains { $0.target.contains("manifest.json") }, "\(requests)")
        #expect(try SnapshotReader(target: target).list().isEmpty)
    }

    @Test func partsGoUpInParallelUpToTheConfiguredCountAndCompleteInPartOrder() throws {
        let moto = try MotoServer()
        let proxy = try S3FaultProxy(upstream: moto)
        let client = try motoClient(moto, through: proxy, partUploadConcurrency: 3)
        // Parts 1–3 are held until all three are in flight (so they must be sent together), then
        // answered last first; the rest pass untouched. A client with fewer than 3 parts in flight
        // fails on the proxy's BarrierTimeout instead.
        try proxy.setRules([.barrier(parties: 3, reversed: true, method: "PUT", pattern: "partNumber=")])
        var random = SeededGenerator(seed: 0x9A7)
        let big = random.bytes(count: 5 * S3Configuration.partByteCountMin + 99)
        try Self.write(big, to: "parallel.bin", in: S3Target(client: client, prefix: "faults"))
        // moto joins parts in the order CompleteMultipartUpload lists them: the bytes prove the order.
        #expect(try download(client, "faults/parallel.bin") == big)
        #expect(try proxy.peakInFlightCount() == 3)
        let parts = try proxy.requests().filter { $0.method == "PUT" }
        #expect(parts.count == 6, "\(parts)")
        #expect(parts.allSatisfy { $0.status == 200 }, "\(parts)")
    }

    @Test func aPartFailingPastItsRetriesAbortsTheUploadAndTheWriterNamesThePart() throws {
        let moto = try MotoServer()
        let proxy = try S3FaultProxy(upstream: moto)
        let client = try motoClient(moto, through: proxy, partUploadConcurrency: 2, attemptCountMax: 3)
        try proxy.setRules([.fail(status: 503, code: "SlowDown", method: "PUT", pattern: "partNumber=2&", count: 100)])
        var random = SeededGenerator(seed: 0xFA1)
        let big = random.bytes(count: 3 * S3Configuration.partByteCountMin + 7)
        let failure = #expect(throws: CortexError.self) {
            try Self.write(big, to: "failed.bin", in: S3Target(client: client, prefix: "faults"))
        }
        #expect(failure?.code == .unavailable)
        #expect(failure?.message == """
            S3 multipart upload of s3://cortex-test/faults/failed.bin failed at part 2: S3 PUT s3://cortex-test/faults/failed.bin \
            failed after 3 attempts at \(proxy.endpoint): HTTP 503 SlowDown: injected by s3_fault_proxy
            """)
        let requests = try proxy.requests()
        #expect(requests.filter { $0.target.contains("partNumber=2&") }.map(\.status) == [503, 503, 503])
        #expect(requests.filter { $0.method == "DELETE" && $0.target.contains("?uploadId=") }.map(\.status) == [204], "\(requests)")
        #expect(!requests.contains { $0.method == "POST" && $0.target.contains("?uploadId=") }, "never completed: \(requests)")
        #expect(try client.headObject("faults/failed.bin") == nil)
        let uploads = try client.send(S3Request(method: "GET", key: "", query: [("uploads", "")]))
        #expect(S3XML(uploads.body).values(of: "UploadId").isEmpty, "\(S3XML(uploads.body).text)")
    }
}
