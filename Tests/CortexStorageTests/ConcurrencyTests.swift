import CortexCore
import CortexStorage
import CortexTesting
import Foundation
import Synchronization
import Testing

@Suite struct ConcurrencyTests {
    /// The writer keeps two rows equal in every commit; a reader that ever sees
    /// them differ saw a half-applied transaction.
    @Test func readersSeeConsistentSnapshotsWhileAWriterCommits() async throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close(); _ = directory }
        let pairs: Table<String, UInt64> = try engine.system.table("pairs")
        let environment = engine.system
        let writes: UInt64 = 300
        let counters = Counters()

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for value in 1...writes {
                    try await environment.write { (tx: inout WriteTransaction) throws(CortexError) in
                        try pairs.put(value, for: "left", in: &tx)
                        try pairs.put(value, for: "right", in: &tx)
                    }
                }
            }
            for _ in 0..<4 {
                group.addTask {
                    var last: UInt64 = 0
                    while last < writes {
                        let (left, right) = try environment.read { (tx: borrowing ReadTransaction) throws(CortexError) -> (UInt64, UInt64) in
                            (try pairs.get("left", in: tx) ?? 0, try pairs.get("right", in: tx) ?? 0)
                        }
                        if left != right { counters.inconsistencies.add(1, ordering: .relaxed) }
                        #expect(left >= last, "snapshots went backwards")
                        last = left
                        counters.observations.add(1, ordering: .relaxed)
                        await Task.yield()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(counters.inconsistencies.load(ordering: .relaxed) == 0)
        #expect(counters.observations.load(ordering: .relaxed) >= 4)
    }

    @Test func writesToDifferentTenantsAllLand() async throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close(); _ = directory }
        let tenants = try (0..<6).map { try TenantID("t\($0)") }
        for tenant in tenants { try engine.createTenant(tenant) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for tenant in tenants {
                group.addTask {
                    try await engine.withTenant(tenant) { (environment: Environment) async throws(CortexError) in
                        let rows: Table<UInt64, [UInt8]> = try environment.table("rows")
                        for batch in UInt64(0)..<20 {
                            try await environment.write { (tx: inout WriteTransaction) throws(CortexError) in
                                for row in 0..<10 { try rows.put(Array(tenant.rawValue.utf8), for: batch * 10 + UInt64(row), in: &tx) }
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        for tenant in tenants {
            let count = try engine.withTenantSync(tenant) { (environment: Environment) throws(CortexError) -> Int in
                let rows: Table<UInt64, [UInt8]> = try environment.table("rows")
                return try environment.read { (tx: borrowing ReadTransaction) throws(CortexError) -> Int in
                    let all = try rows.entries(in: tx)
                    #expect(all.allSatisfy { $0.value == Array(tenant.rawValue.utf8) }, "tenant \(tenant) sees foreign rows")
                    return all.count
                }
            }
            #expect(count == 200)
        }
    }

    /// A 64 KiB map must grow many times over to hold ~24 MB; every write survives.
    @Test func mapGrowsAutomaticallyWithoutLosingWrites() throws {
        let (engine, directory) = try Engines.temporary(mapByteCountInitial: 64 << 10)
        defer { engine.close(); _ = directory }
        let blobs: Table<UInt64, [UInt8]> = try engine.system.table("blobs")
        let initial = engine.system.currentMapByteCount
        for batch in UInt64(0)..<60 {
            try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
                for item in UInt64(0)..<100 {
                    try blobs.put([UInt8](repeating: UInt8(truncatingIfNeeded: batch &+ item), count: 4_000), for: batch * 100 + item, in: &tx)
                }
            }
        }
        #expect(engine.system.currentMapByteCount > initial * 64)
        try engine.system.read { (tx: borrowing ReadTransaction) throws(CortexError) in
            #expect(try blobs.count(in: tx) == 6_000)
            for key in stride(from: UInt64(0), to: 6_000, by: 97) {
                #expect(try blobs.get(key, in: tx) == [UInt8](repeating: UInt8(truncatingIfNeeded: key / 100 &+ key % 100), count: 4_000))
            }
        }
    }

    @Test func mapGrowthStopsAtTheConfiguredMaximum() throws {
        let directory = TemporaryDirectory()
        let options = StorageOptions(
            dataDirectory: directory.child("data"),
            environment: EnvironmentOptions(mapByteCountInitial: 1 << 20, mapByteCountMax: 2 << 20))
        let engine = try StorageEngine(options: options)
        defer { engine.close() }
        let blobs: Table<UInt64, [UInt8]> = try engine.system.table("blobs")
        #expect(throws: CortexError.tooLarge(
            "environment system is full: map size reached its limit of 2097152 bytes (storage.map_size_max_bytes)")) {
            try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
                for key in UInt64(0)..<1_000 { try blobs.put([UInt8](repeating: 7, count: 8_000), for: key, in: &tx) }
            }
        }
        // The failed write changed nothing and the environment still works.
        #expect(try blobs.count(in: engine.system) == 0)
    }
}

private final class Counters: Sendable {
    let inconsistencies = Atomic<Int>(0)
    let observations = Atomic<Int>(0)
}
