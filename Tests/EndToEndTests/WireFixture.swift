import CortexClient
import CortexTesting
import CortexWire
import Foundation
import Testing

/// A data folder with tenants and API keys minted by `cortex admin keys create`, then a running server.
final class WireFixture {
    let directory = TemporaryDirectory("cortex-wire")
    var data: String { directory.child("data") }
    private(set) var server: ServerProcess?

    init(tenants: [String] = ["acme"]) throws {
        for tenant in tenants {
            let created = try runProduct("cortex", ["admin", "tenants", "create", tenant, "--data", data])
            guard created.status == 0 else { throw RawSocketError.failed(created.stderr) }
        }
    }

    /// Mints a key (the server must not be running yet); returns (key, key id).
    func mintKey(tenant: String = "acme", scopes: String = "query,ingest") throws -> (key: String, id: String) {
        let created = try runProduct("cortex", ["admin", "keys", "create", "--data", data, "--tenant", tenant, "--name", "test", "--scopes", scopes, "--json"])
        guard created.status == 0, let json = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any],
              let key = json["key"] as? String, let id = json["id"] as? String else {
            throw RawSocketError.failed("key creation failed: \(created.stderr)")
        }
        return (key, id)
    }

    func revoke(tenant: String = "acme", id: String) throws {
        let revoked = try runProduct("cortex", ["admin", "keys", "revoke", "--data", data, "--tenant", tenant, "--id", id])
        guard revoked.status == 0 else { throw RawSocketError.failed(revoked.stderr) }
    }

    @discardableResult
    func start(environment: [String: String] = [:]) throws -> ServerProcess {
        let server = try ServerProcess(arguments: ["--data", data], environment: environment)
        self.server = server
        return server
    }

    var wirePort: Int { server!.wirePort }

    func connect(_ key: String) async throws -> CortexClient {
        try await CortexClient.connect(host: "127.0.0.1", port: wirePort, apiKey: key)
    }

    /// A raw socket that has completed the handshake and consumed HELLO.
    func rawSession(_ key: String) throws -> RawSocket {
        let socket = try RawSocket(port: wirePort)
        try socket.send(Handshake(apiKey: key).encoded())
        let hello = try Self.readFrame(socket)
        #expect(hello.opcode == Opcode.hello)
        return socket
    }

    static func readFrame(_ socket: RawSocket) throws -> Frame {
        let headerBytes = try socket.read(count: FrameHeader.byteCount)
        let header = try #require(try FrameHeader(decoding: headerBytes, payloadByteCountMax: Int(UInt32.max)))
        return Frame(header: header, payload: try socket.read(count: Int(header.payloadByteCount)))
    }

    /// Every frame in `bytes` (a whole connection's output).
    static func frames(in bytes: [UInt8]) throws -> [Frame] {
        var decoder = StreamDecoder(payloadByteCountMax: Int(UInt32.max))
        decoder.append(bytes)
        var frames: [Frame] = []
        while let frame = try decoder.nextFrame() { frames.append(frame) }
        #expect(decoder.bufferedByteCount == 0, "the server sent a partial frame")
        return frames
    }

    static func error(_ frame: Frame) throws -> WireError {
        #expect(frame.opcode == Opcode.error)
        return try WireError(errorPayload: frame.payload, requestID: frame.requestID)
    }
}

/// Seeded vectors and their exact nearest neighbours (squared L2), for checking answers.
struct VectorData {
    let vectors: [[Float]]

    init(count: Int, dimension: Int, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        vectors = (0..<count).map { _ in (0..<dimension).map { _ in Float.random(in: -1...1, using: &generator) } }
    }

    func nearest(_ query: [Float], k: Int, among ids: Set<Int>? = nil) -> [String] {
        let candidates: [Int] = ids.map { Array($0) } ?? Array(vectors.indices)
        var scored: [(index: Int, distance: Float)] = []
        for index in candidates {
            var distance: Float = 0
            for (a, b) in zip(vectors[index], query) { distance += (a - b) * (a - b) }
            scored.append((index, distance))
        }
        scored.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.index < $1.index) }
        return scored.prefix(k).map { String($0.index) }
    }

    func records(_ range: Range<Int>) -> [WireRecord] {
        range.map { index in
            WireRecord(id: String(index), vector: vectors[index], metadata: Array(#"{"group":\#(index % 10)}"#.utf8), document: "document \(index)")
        }
    }
}

/// The WireError `body` threw (request id cleared, so tests compare code and message), or nil.
func caught(_ body: () async throws -> some Any) async -> WireError? {
    do {
        _ = try await body()
        return nil
    } catch let error as WireError {
        return WireError(error.code, error.message)
    } catch {
        Issue.record("expected a WireError, got \(error)")
        return nil
    }
}
