import CortexCore
import CortexStorage
import Foundation
import Hummingbird
import NIOCore
import NIOPosix

/// How routes do a tenant's storage work: LMDB transactions block, so they run on the HTTP
/// thread pool, never on the cooperative pool; request bodies are read up to a limit and
/// parsed there too.
struct TenantWork: Sendable {
    let engine: StorageEngine
    let pool: NIOThreadPool
    /// Largest request body accepted (`server.http_body_max_bytes`).
    let bodyByteCountMax: Int

    /// Runs `body` with the tenant's environment on the blocking pool.
    func run<T: Sendable>(
        _ tenant: TenantID, _ body: @escaping @Sendable (CortexStorage.Environment) throws(CortexError) -> T
    ) async throws -> T {
        let engine = self.engine
        return try await pool.runIfActive {
            try engine.withTenantSync(tenant) { (environment: CortexStorage.Environment) throws(CortexError) -> T in
                try body(environment)
            }
        }
    }

    /// Reads the body, then parses it and runs `body` with the parsed value and the tenant's
    /// environment in one task on the pool: the same order and errors as ``parse(_:_:)`` followed
    /// by ``run(_:_:)``, with one trip to the pool instead of two (a trip, a wake-up of a pool
    /// thread and of a cooperative one, costs more than parsing a small query body).
    func run<Parsed, T: Sendable>(
        _ tenant: TenantID, parsing request: Request, _ parser: @escaping @Sendable (Data) throws(CortexError) -> Parsed,
        _ body: @escaping @Sendable (Parsed, CortexStorage.Environment) throws(CortexError) -> T
    ) async throws -> T {
        let data = try await self.body(of: request)
        let engine = self.engine
        return try await pool.runIfActive {
            let parsed = try parser(data)
            return try engine.withTenantSync(tenant) { (environment: CortexStorage.Environment) throws(CortexError) -> T in
                try body(parsed, environment)
            }
        }
    }

    /// ``run(_:parsing:_:_:)`` for bounded reads (a k-NN query): with a body of at most
    /// ``inlineBodyByteCountMax`` bytes and the tenant's environment already open, it parses and
    /// runs `body` right on the request's task. Such a read is CPU work of well under a
    /// millisecond on memory-mapped pages, cheaper than the two thread hand-offs of a trip to the
    /// pool (about a sixth of a small query's latency). Anything else (a large body, a tenant to
    /// open or being swapped by a restore) takes the pool, so nothing here waits on a lock.
    func read<Parsed: Sendable, T: Sendable>(
        _ tenant: TenantID, parsing request: Request, _ parser: @escaping @Sendable (Data) throws(CortexError) -> Parsed,
        _ body: @escaping @Sendable (Parsed, CortexStorage.Environment) throws(CortexError) -> T
    ) async throws -> T {
        let data = try await self.body(of: request)
        let engine = self.engine
        if data.count <= Self.inlineBodyByteCountMax {
            let parsed = try parser(data)
            if let result = try engine.withOpenTenantSync(tenant, { (environment: CortexStorage.Environment) throws(CortexError) -> T in
                try body(parsed, environment)
            }) {
                return result
            }
            return try await pool.runIfActive {
                try engine.withTenantSync(tenant) { (environment: CortexStorage.Environment) throws(CortexError) -> T in
                    try body(parsed, environment)
                }
            }
        }
        return try await pool.runIfActive {
            let parsed = try parser(data)
            return try engine.withTenantSync(tenant) { (environment: CortexStorage.Environment) throws(CortexError) -> T in
                try body(parsed, environment)
            }
        }
    }

    /// Bodies up to this size are parsed on the request's task by ``read(_:parsing:_:_:)``
    /// (a 1,536-float query is about 20 KB of JSON).
    static let inlineBodyByteCountMax = 64 * 1024

    /// Reads the body and parses it on the pool: a body of many megabytes takes a while to parse,
    /// and the cooperative pool (two threads on a small machine) must stay free for other requests.
    func parse<T: Sendable>(_ request: Request, _ parser: @escaping @Sendable (Data) throws(CortexError) -> T) async throws -> T {
        let data = try await body(of: request)
        return try await pool.runIfActive { try parser(data) }
    }

    /// The request body, at most `bodyByteCountMax` bytes; `.tooLarge` (413) naming the limit otherwise.
    func body(of request: Request) async throws -> Data {
        try await request.collectBody(upTo: bodyByteCountMax, setting: "server.http_body_max_bytes")
    }
}
