import CortexCore
import CortexSnapshot
import CortexStorage
import CortexTesting
import CortexVector
import Foundation
import Testing

/// A data folder with two tenants: `acme` holds a vector collection, `beta` a plain table.
struct Source {
    let directory = TemporaryDirectory("cortex-snapshot")
    let engine: StorageEngine
    let acme = try! TenantID("acme")
    let beta = try! TenantID("beta")
    var target: LocalFolderTarget { try! LocalFolderTarget(path: directory.child("backups")) }

    init() throws {
        engine = try StorageEngine(options: Engines.options(directory.child("data"), mapByteCountInitial: 8 << 20))
        try engine.createTenant(acme)
        try engine.createTenant(beta)
        try addVectors(ids: 0..<600)
        try setNote("before", for: beta)
    }

    func addVectors(ids: Range<Int>) throws {
        try engine.withTenantSync(acme) { (environment: Environment) throws(CortexError) in
            let store = try VectorStore(environment: environment)
            let collection: VectorCollection
            if try store.list().contains(where: { $0.configuration.name == "docs" }) {
                collection = try store.collection(named: "docs")
            } else {
                collection = try store.create(CollectionConfiguration(name: "docs", dimension: 8, metric: .l2, m: 8, efConstruction: 64))
            }
            _ = try collection.upsertSync(ids.map { VectorRecord(id: "r\($0)", vector: Self.vector($0), metadata: ["n": .int(Int64($0))]) })
        }
    }

    static func vector(_ index: Int) -> [Float] { (0..<8).map { Float((index * 31 + $0 * 7) % 97) / 97 } }

    func setNote(_ text: String, for tenant: TenantID) throws {
        try engine.withTenantSync(tenant) { (environment: Environment) throws(CortexError) in
            let notes: Table<String, [UInt8]> = try environment.table("notes")
            try environment.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
                try notes.put(Array(text.utf8), for: "note", in: &transaction)
            }
        }
    }
}

/// What a user sees of a data folder: nearest neighbours of a few queries, counts, notes.
func observe(_ engine: StorageEngine) throws -> [String] {
    var seen: [String] = try engine.listTenants().map(\.id.rawValue)
    try engine.withTenantSync(try TenantID("acme")) { (environment: Environment) throws(CortexError) in
        let collection = try VectorStore(environment: environment).collection(named: "docs")
        seen.append("count \(try collection.count())")
        for query in [3, 77, 512] { seen.append(try collection.query(Source.vector(query), k: 5).map(\.id).joined(separator: ",")) }
    }
    for tenant in ["acme", "beta"] {
        try engine.withTenantSync(try TenantID(tenant)) { (environment: Environment) throws(CortexError) in
            let notes: Table<String, [UInt8]> = try environment.table("notes")
            let note = try notes.get("note", in: environment).map { String(decoding: $0, as: UTF8.self) }
            seen.append("\(tenant) note \(note ?? "none")")
        }
    }
    return seen
}

@Suite struct SnapshotTests {
    @Test func fullRestoreAnswersExactlyAsTheOriginal() throws {
        let source = try Source()
        defer { source.engine.close() }
        let expected = try observe(source.engine)
        let manifest = try SnapshotWriter(engine: source.engine, target: source.target).create()
        #expect(manifest.environments.map(\.name) == ["system", "tenant/acme", "tenant/beta"])
        #expect(try SnapshotReader(target: source.target).list().map(\.id) == [manifest.id])

        let restoredPath = source.directory.child("restored")
        let tenants = try SnapshotRestorer(target: source.target).restoreAll(manifest, to: restoredPath, replacing: false).tenants
        #expect(tenants.map(\.rawValue) == ["acme", "beta"])
        let restored = try StorageEngine(options: StorageOptions(dataDirectory: restoredPath))
        defer { restored.close() }
        #expect(try observe(restored) == expected)
        #expect(try restored.system.verify().tables.isEmpty == false)
    }

    @Test func tenantRestoreRewindsOneTenantAndLeavesOthersAlone() throws {
        let source = try Source()
        defer { source.engine.close() }
        let manifest = try SnapshotWriter(engine: source.engine, target: source.target).create()
        let atSnapshot = try observe(source.engine)
        try source.addVectors(ids: 600..<700)
        try source.setNote("after", for: source.acme)
        try source.setNote("after", for: source.beta)

        _ = try SnapshotRestorer(target: source.target).restoreTenant(source.acme, from: manifest, into: source.engine)
        let now = try observe(source.engine)
        #expect(now.contains("count 600"), "acme is back at the snapshot")
        #expect(now.contains("acme note none"))
        #expect(now.contains("beta note after"), "beta keeps its later write")
        #expect(Array(now.prefix(5)) == Array(atSnapshot.prefix(5)), "acme's queries answer as at the snapshot")
    }

    @Test func corruptedAndMissingObjectsAreNamedAndNothingIsRestored() throws {
        let source = try Source()
        defer { source.engine.close() }
        let manifest = try SnapshotWriter(engine: source.engine, target: source.target).create()
        let reader = SnapshotReader(target: source.target)
        try reader.verify(manifest)

        let acmeObject = source.target.root + "/snapshots/\(manifest.id)/tenants/acme.mdb.zst"
        var bytes = try #require(FileManager.default.contents(atPath: acmeObject))
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: acmeObject))
        let corrupt = #expect(throws: CortexError.self) { try reader.verify(manifest) }
        #expect(corrupt?.code == .corrupt)
        #expect(corrupt?.message.contains("tenants/acme.mdb.zst") == true, "\(corrupt?.message ?? "")")

        let restoredPath = source.directory.child("restored")
        #expect(throws: CortexError.self) {
            _ = try SnapshotRestorer(target: source.target).restoreAll(manifest, to: restoredPath, replacing: false)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: restoredPath).filter { !$0.hasPrefix(".") }
        #expect(left.isEmpty, "a failed restore makes nothing live: \(left)")
        // The tenant restore fails too and the live tenant keeps its data.
        try source.setNote("live", for: source.acme)
        #expect(throws: CortexError.self) {
            _ = try SnapshotRestorer(target: source.target).restoreTenant(source.acme, from: manifest, into: source.engine)
        }
        #expect(try observe(source.engine).contains("acme note live"))

        try FileManager.default.removeItem(atPath: source.target.root + "/snapshots/\(manifest.id)/tenants/beta.mdb.zst")
        let missing = #expect(throws: CortexError.self) { try reader.verify(manifest) }
        #expect(missing?.message.contains("tenants/beta.mdb.zst") == true, "\(missing?.message ?? "")")
        #expect(missing?.message.contains("tenants/acme.mdb.zst") == true, "every bad object is named")
    }

    @Test func restoreRefusesANonEmptyFolderUnlessReplacing() throws {
        let source = try Source()
        defer { source.engine.close() }
        let manifest = try SnapshotWriter(engine: source.engine, target: source.target).create()
        let occupied = source.directory.child("occupied")
        try FileManager.default.createDirectory(atPath: occupied, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: occupied + "/notes.txt"))
        let refused = #expect(throws: CortexError.self) {
            _ = try SnapshotRestorer(target: source.target).restoreAll(manifest, to: occupied, replacing: false)
        }
        #expect(refused?.code == .conflict)
        #expect(FileManager.default.fileExists(atPath: occupied + "/notes.txt"))
        // --force never empties a folder that is not a Cortex data folder.
        let foreign = #expect(throws: CortexError.self) {
            _ = try SnapshotRestorer(target: source.target).restoreAll(manifest, to: occupied, replacing: true)
        }
        #expect(foreign?.message.contains("not a Cortex data folder") == true)
        #expect(FileManager.default.fileExists(atPath: occupied + "/notes.txt"))
        // A Cortex data folder with other data is replaced with --force.
        let other = source.directory.child("other")
        try StorageEngine(options: StorageOptions(dataDirectory: other)).createTenantAndClose(try TenantID("zeta"))
        // Snapshots do not carry the analytics store yet, so a full restore must leave it in place.
        try FileManager.default.createDirectory(atPath: other + "/analytics/events", withIntermediateDirectories: true)
        try Data("segment".utf8).write(to: URL(fileURLWithPath: other + "/analytics/events/MANIFEST"))
        _ = try SnapshotRestorer(target: source.target).restoreAll(manifest, to: other, replacing: true)
        let restored = try StorageEngine(options: StorageOptions(dataDirectory: other))
        defer { restored.close() }
        #expect(try observe(restored) == observe(source.engine))
        #expect(FileManager.default.contents(atPath: other + "/analytics/events/MANIFEST") == Data("segment".utf8))
    }

    @Test func incompleteSnapshotsAreNotListedAndPruneKeepsTheNewest() throws {
        let source = try Source()
        defer { source.engine.close() }
        let writer = SnapshotWriter(engine: source.engine, target: source.target)
        var ids: [String] = []
        for _ in 0..<3 {
            ids.append(try writer.create().id)
            try source.setNote("n\(ids.count)", for: source.beta)
        }
        // A snapshot interrupted before its manifest: objects, no manifest.
        try source.target.write("snapshots/20000101T000000Z-00000000/system.mdb.zst", bytes: [1, 2, 3])
        let reader = SnapshotReader(target: source.target)
        #expect(try reader.list().map(\.id) == ids.sorted())
        let deleted = try reader.prune(keep: 2)
        #expect(deleted == ["20000101T000000Z-00000000", ids.sorted()[0]])
        #expect(try reader.list().map(\.id) == Array(ids.sorted().suffix(2)))
        #expect(throws: CortexError.self) { _ = try reader.prune(keep: 0) }
        let unknown = #expect(throws: CortexError.self) { _ = try reader.manifest(id: "20000101T000000Z-00000000") }
        #expect(unknown?.code == .notFound)
    }
}

extension StorageEngine {
    fileprivate func createTenantAndClose(_ id: TenantID) throws {
        defer { close() }
        try createTenant(id)
    }
}
