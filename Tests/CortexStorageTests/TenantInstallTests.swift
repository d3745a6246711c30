import CortexCore
import CortexStorage
import CortexTesting
import Foundation
import Testing

@Suite struct TenantInstallTests {
    private func put(_ value: UInt64, in engine: StorageEngine, tenant: TenantID) throws {
        try engine.withTenantSync(tenant) { (environment: Environment) throws(CortexError) in
            let rows: Table<String, UInt64> = try environment.table("rows")
            try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in try rows.put(value, for: "v", in: &transaction) }
        }
    }

    private func value(in engine: StorageEngine, tenant: TenantID) throws -> UInt64? {
        try engine.withTenantSync(tenant) { (environment: Environment) throws(CortexError) -> UInt64? in
            let rows: Table<String, UInt64> = try environment.table("rows")
            return try rows.get("v", in: environment)
        }
    }

    /// An environment copied from another tenant replaces this tenant's; other tenants keep theirs.
    @Test func installReplacesOneTenantAndRegistersNewOnes() throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close(); _ = directory }
        let acme = try TenantID("acme"), beta = try TenantID("beta"), gamma = try TenantID("gamma")
        try engine.createTenant(acme)
        try engine.createTenant(beta)
        try put(1, in: engine, tenant: acme)
        try put(2, in: engine, tenant: beta)
        // Stage a copy of beta's environment, then install it as acme and as a new tenant gamma.
        for id in [acme, gamma] {
            let staged = try engine.stagingFolder(for: id)
            let descriptor = open(staged + "/data.mdb", O_WRONLY | O_CREAT | O_TRUNC, 0o640)
            #expect(descriptor >= 0)
            _ = try engine.withTenantSync(beta) { (environment: Environment) throws(CortexError) -> CopyPin in try environment.copyCompacted(to: descriptor) }
            close(descriptor)
            try engine.installTenant(id, from: staged)
        }
        #expect(try value(in: engine, tenant: acme) == 2)
        #expect(try value(in: engine, tenant: gamma) == 2)
        #expect(try value(in: engine, tenant: beta) == 2)
        #expect(try engine.listTenants().map(\.id) == [acme, beta, gamma])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.child("data/tenants")).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// A crash between the two renames of an install leaves the old folder set aside; the next start puts it back.
    @Test func aStartAfterAnInterruptedInstallPutsTheOldFolderBack() throws {
        let directory = TemporaryDirectory("cortex-install")
        let options = Engines.options(directory.child("data"))
        let acme = try TenantID("acme")
        var engine = try StorageEngine(options: options)
        try engine.createTenant(acme)
        try put(7, in: engine, tenant: acme)
        engine.close()
        let tenants = directory.child("data/tenants")
        try FileManager.default.moveItem(atPath: tenants + "/acme", toPath: tenants + "/.replaced-acme")
        try FileManager.default.createDirectory(atPath: tenants + "/.staging-acme-1234", withIntermediateDirectories: true)
        engine = try StorageEngine(options: options)
        defer { engine.close() }
        #expect(try value(in: engine, tenant: acme) == 7)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tenants).sorted() == ["acme"])
    }
}
