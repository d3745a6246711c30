import CortexCore
import CortexStorage
import CortexTesting
import Foundation
import Testing

@Suite struct TenantLifecycleTests {
    @Test func tenantsAreCreatedListedAndDeletedWithTheirFolders() async throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close() }
        let acme = try TenantID("acme")
        let globex = try TenantID("globex")
        try engine.createTenant(globex)
        try engine.createTenant(acme)
        #expect(try engine.listTenants().map(\.id) == [acme, globex])
        #expect(FileManager.default.fileExists(atPath: directory.child("data/tenants/acme/data.mdb")))
        #expect(throws: CortexError.conflict("tenant 'acme' already exists")) { try engine.createTenant(acme) }

        try await engine.deleteTenant(acme)
        #expect(try engine.listTenants().map(\.id) == [globex])
        #expect(!FileManager.default.fileExists(atPath: directory.child("data/tenants/acme")))
        await #expect(throws: CortexError.notFound("tenant 'acme' does not exist")) {
            try await engine.deleteTenant(acme)
        }
        // The id can be reused, and the new tenant starts empty.
        try engine.createTenant(acme)
        let count = try engine.withTenantSync(acme) { (environment: Environment) throws(CortexError) -> Int in
            try environment.table("rows", key: UInt64.self, value: [UInt8].self).count(in: environment)
        }
        #expect(count == 0)
    }

    @Test func unknownTenantsAreNotFound() async throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close(); _ = directory }
        await #expect(throws: CortexError.notFound("tenant 'ghost' does not exist")) {
            try await engine.withTenant(try TenantID("ghost")) { (_: Environment) async throws(CortexError) in }
        }
    }

    @Test func tenantDataIsSeparatedPerEnvironment() throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close(); _ = directory }
        let first = try TenantID("first")
        let second = try TenantID("second")
        try engine.createTenant(first)
        try engine.createTenant(second)
        try engine.withTenantSync(first) { (environment: Environment) throws(CortexError) in
            let notes: Table<String, [UInt8]> = try environment.table("notes")
            try environment.writeSync { (tx: inout WriteTransaction) throws(CortexError) in try notes.put([1], for: "secret", in: &tx) }
        }
        let leaked = try engine.withTenantSync(second) { (environment: Environment) throws(CortexError) -> [UInt8]? in
            try environment.table("notes", key: String.self, value: [UInt8].self).get("secret", in: environment)
        }
        #expect(leaked == nil)
    }

    @Test func idleEnvironmentsCloseAndReopenOnDemand() throws {
        let clock = ManualEpochClock()
        let (engine, directory) = try Engines.temporary(clock: clock, tenantsOpenMax: 2, tenantIdleTimeout: .seconds(60))
        defer { engine.close(); _ = directory }
        let ids = try ["a", "b", "c"].map { try TenantID($0) }
        for id in ids {
            try engine.createTenant(id)
            clock.advance(by: .seconds(1))
        }
        // Three created with a limit of two: the least recently used ("a") was closed.
        #expect(engine.openTenantIDs() == [ids[1], ids[2]])
        try engine.withTenantSync(ids[0]) { (environment: Environment) throws(CortexError) in
            let rows: Table<UInt64, [UInt8]> = try environment.table("rows")
            try environment.writeSync { (tx: inout WriteTransaction) throws(CortexError) in try rows.put([9], for: 1, in: &tx) }
        }
        #expect(engine.openTenantIDs() == [ids[0], ids[2]])
        clock.advance(by: .seconds(61))
        #expect(engine.closeIdleTenants() == 2)
        #expect(engine.openTenantIDs().isEmpty)
        let value = try engine.withTenantSync(ids[0]) { (environment: Environment) throws(CortexError) -> [UInt8]? in
            try environment.table("rows", key: UInt64.self, value: [UInt8].self).get(1, in: environment)
        }
        #expect(value == [9])
    }

    @Test func openTenantFastPathNeverOpensAnEnvironment() throws {
        let clock = ManualEpochClock()
        let (engine, directory) = try Engines.temporary(clock: clock, tenantIdleTimeout: .seconds(60))
        defer { engine.close(); _ = directory }
        let id = try TenantID("fast")
        try engine.createTenant(id)
        try engine.withTenantSync(id) { (environment: Environment) throws(CortexError) in
            let rows: Table<UInt64, [UInt8]> = try environment.table("rows")
            try environment.writeSync { (tx: inout WriteTransaction) throws(CortexError) in try rows.put([7], for: 1, in: &tx) }
        }
        let read = { () throws(CortexError) -> [UInt8]?? in
            try engine.withOpenTenantSync(id) { (environment: Environment) throws(CortexError) -> [UInt8]? in
                try environment.table("rows", key: UInt64.self, value: [UInt8].self).get(1, in: environment)
            }
        }
        #expect(try read() == .some([7]), "open: the body runs")
        clock.advance(by: .seconds(61))
        #expect(engine.closeIdleTenants() == 1)
        #expect(try read() == .none, "closed: nil, and the environment stays closed")
        #expect(engine.openTenantIDs().isEmpty)
        #expect(try engine.withOpenTenantSync(try TenantID("nobody")) { (_: Environment) throws(CortexError) in 1 } == nil)
    }

    @Test func environmentInUseIsNotClosedByIdleSweep() async throws {
        let clock = ManualEpochClock()
        let (engine, directory) = try Engines.temporary(clock: clock, tenantIdleTimeout: .seconds(1))
        defer { engine.close(); _ = directory }
        let id = try TenantID("busy")
        try engine.createTenant(id)
        try engine.withTenantSync(id) { (environment: Environment) throws(CortexError) in
            clock.advance(by: .seconds(10))
            #expect(engine.closeIdleTenants() == 0)
            #expect(try environment.table("rows", key: UInt64.self, value: [UInt8].self).count(in: environment) == 0)
        }
        #expect(engine.closeIdleTenants() == 0, "just released: not idle yet")
    }

    @Test func statisticsCoverSystemAndOpenTenants() throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close(); _ = directory }
        try engine.createTenant(try TenantID("stats"))
        let statistics = engine.environmentStatistics()
        #expect(statistics.map(\.name) == ["system", "tenant/stats"])
        #expect(statistics.allSatisfy { $0.mapByteCount >= 1 << 20 && $0.pageCountUsed > 0 && $0.fileByteCount > 0 })
    }
}

@Suite struct DataFolderErrorTests {
    @Test func aFileInsteadOfAFolderIsAClearError() throws {
        let directory = TemporaryDirectory()
        let path = directory.child("not-a-folder")
        _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
        #expect(throws: CortexError.invalidInput("data folder \(path) exists but is not a directory")) {
            try StorageEngine(options: Engines.options(path))
        }
    }

    @Test func aForeignNonEmptyFolderIsRefused() throws {
        let directory = TemporaryDirectory()
        _ = FileManager.default.createFile(atPath: directory.child("holiday.jpg"), contents: Data([1, 2, 3]))
        #expect(throws: CortexError.invalidInput(
            "data folder \(directory.path) is not empty and has no CORTEX file: it is not a Cortex data folder")) {
            try StorageEngine(options: Engines.options(directory.path))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["holiday.jpg"], "nothing was written")
    }

    @Test func aDamagedSystemEnvironmentIsReportedAsCorrupt() throws {
        let directory = TemporaryDirectory()
        let path = directory.child("data")
        try StorageEngine(options: Engines.options(path)).close()
        // Overwrite both meta pages (the first 8 KiB) with garbage.
        let handle = try #require(FileHandle(forWritingAtPath: path + "/system/data.mdb"))
        handle.write(Data(repeating: 0xAB, count: 8192))
        try handle.close()
        let error = try #require(throws: CortexError.self) { try StorageEngine(options: Engines.options(path)) }
        #expect(error.code == .corrupt)
        #expect(error.message.contains("/system"), "message names the environment: \(error.message)")
        #expect(error.message.contains("damaged or is not an LMDB file"))
    }

    @Test func aDamagedMarkerIsReported() throws {
        let directory = TemporaryDirectory()
        let path = directory.child("data")
        try StorageEngine(options: Engines.options(path)).close()
        _ = FileManager.default.createFile(atPath: path + "/CORTEX", contents: Data("garbage".utf8))
        #expect(throws: CortexError.corrupt(
            "\(path)/CORTEX is damaged: expected 'cortex-data <version>', found \"garbage\"")) {
            try StorageEngine(options: Engines.options(path))
        }
    }

    @Test func aSecondProcessCannotOpenAFolderInUse() throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close() }
        let path = directory.child("data")
        #expect(throws: CortexError.unavailable(
            "cannot lock \(path)/LOCK: another Cortex process is using this data folder")) {
            try StorageEngine(options: Engines.options(path))
        }
    }

    @Test func anUnopenableEnvironmentFileIsReported() throws {
        let directory = TemporaryDirectory()
        let path = directory.child("data")
        try StorageEngine(options: Engines.options(path)).close()
        // A folder where the data file should be: unreadable as a file, whoever we are.
        try FileManager.default.removeItem(atPath: path + "/system/data.mdb")
        try FileManager.default.createDirectory(atPath: path + "/system/data.mdb", withIntermediateDirectories: false)
        let error = try #require(throws: CortexError.self) { try StorageEngine(options: Engines.options(path)) }
        #expect(error.code == .unavailable)
        #expect(error.message.hasPrefix("open environment at \(path)/system failed: Is a directory"), "\(error.message)")
    }
}
