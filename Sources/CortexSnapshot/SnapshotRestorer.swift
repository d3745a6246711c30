public import CortexCore
public import CortexStorage
import Foundation

/// Restores a snapshot into a data folder: every environment, or one tenant.
/// Every object is decompressed and checked against the manifest before
/// anything is made live; a failed restore leaves the folder as it was.
public struct SnapshotRestorer {
    let reader: SnapshotReader

    public init(target: any SnapshotTarget) { reader = SnapshotReader(target: target) }

    /// Restores every environment of `manifest` into `dataFolder`, which must
    /// be missing or empty unless `replacing` and it is a Cortex data folder
    /// (then its contents are removed once the snapshot has been verified).
    /// Returns the restored tenants.
    public func restoreAll(
        _ manifest: SnapshotManifest, to dataFolder: String, replacing: Bool, progress: (SnapshotProgress) -> Void = { _ in }
    ) throws(CortexError) -> [TenantID] {
        let files = FileManager.default
        let existing = try visibleEntries(of: dataFolder)
        if !existing.isEmpty {
            guard replacing else {
                throw .conflict("data folder \(dataFolder) is not empty; restore into an empty folder or pass --force to replace its contents")
            }
            // --force replaces a Cortex data folder only, never an arbitrary folder's files.
            guard existing.contains("CORTEX") else {
                throw .conflict("\(dataFolder) is not empty and is not a Cortex data folder (no CORTEX file); refusing to replace its contents")
            }
            // Opening takes the folder's lock: fails while a server uses it.
            try StorageEngine(options: StorageOptions(dataDirectory: dataFolder)).close()
        }
        let staging = dataFolder + "/.restore-" + manifest.id
        try removeTree(staging)
        var tenants: [TenantID] = []
        do throws(CortexError) {
            for entry in manifest.environments {
                progress(.environmentStarted(name: entry.name))
                if let tenant = entry.tenant {
                    let id = try TenantID(tenant)
                    tenants.append(id)
                    try reader.extract(entry, of: manifest, into: staging + "/tenants/" + id.rawValue)
                } else {
                    guard entry.name == "system" else { throw .corrupt("manifest entry \(entry.name) names no tenant and is not the system environment") }
                    try reader.extract(entry, of: manifest, into: staging + "/system")
                }
                progress(.environmentFinished(name: entry.name, rawBytes: entry.rawBytes, storedBytes: entry.storedBytes))
            }
            guard files.fileExists(atPath: staging + "/system/data.mdb") else {
                throw .corrupt("snapshot \(manifest.id) has no system environment")
            }
            try stageAnalytics(of: manifest, in: staging, progress: progress)
        } catch {
            try? removeTree(staging)
            throw error
        }
        // A snapshot without analytics (older, or of a folder without it) keeps an existing analytics store.
        for entry in existing where entry != "analytics" || manifest.analytics != nil { try removeTree(dataFolder + "/" + entry) }
        try createFolder(staging + "/tenants")
        try move(staging + "/system", to: dataFolder + "/system")
        try move(staging + "/tenants", to: dataFolder + "/tenants")
        if manifest.analytics != nil { try move(staging + "/analytics", to: dataFolder + "/analytics") }
        try removeTree(staging)
        try StorageEngine.markRestoredDataFolder(dataFolder)
        // Open what was restored: the registry must list every restored tenant.
        let engine = try StorageEngine(options: StorageOptions(dataDirectory: dataFolder))
        defer { engine.close() }
        let registered = Set(try engine.listTenants().map(\.id))
        for id in tenants where !registered.contains(id) {
            throw .corrupt("restored tenant \(id) is missing from the restored tenant registry")
        }
        if manifest.analytics != nil { try checkRestoredAnalytics(dataFolder + "/analytics") }
        return tenants
    }

    /// Restores one tenant of `manifest` into the data folder of `engine`,
    /// replacing that tenant (or adding it); other tenants are untouched.
    public func restoreTenant(_ id: TenantID, from manifest: SnapshotManifest, into engine: StorageEngine) throws(CortexError) {
        guard let entry = manifest.environments.first(where: { $0.tenant == id.rawValue }) else {
            throw .notFound("snapshot \(manifest.id) has no tenant '\(id)'")
        }
        let staging = try engine.stagingFolder(for: id)
        do throws(CortexError) {
            try reader.extract(entry, of: manifest, into: staging)
            try engine.installTenant(id, from: staging)
        } catch {
            try? removeTree(staging)
            throw error
        }
    }

    /// Entries of `folder` that do not start with a dot; none if it does not exist.
    private func visibleEntries(of folder: String) throws(CortexError) -> [String] {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard unsafe files.fileExists(atPath: folder, isDirectory: &isDirectory) else {
            try createFolder(folder)
            return []
        }
        guard isDirectory.boolValue else { throw .invalidInput("\(folder) exists and is not a folder") }
        do {
            return try files.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw .unavailable("cannot list \(folder): \(error.localizedDescription)")
        }
    }
}

func createFolder(_ path: String) throws(CortexError) {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw .unavailable("cannot create \(path): \(error.localizedDescription)")
    }
}

func removeTree(_ path: String) throws(CortexError) {
    guard FileManager.default.fileExists(atPath: path) else { return }
    do {
        try FileManager.default.removeItem(atPath: path)
    } catch {
        throw .unavailable("cannot remove \(path): \(error.localizedDescription)")
    }
}

func move(_ from: String, to destination: String) throws(CortexError) {
    do {
        try FileManager.default.moveItem(atPath: from, toPath: destination)
    } catch {
        throw .unavailable("cannot move \(from) to \(destination): \(error.localizedDescription)")
    }
}
