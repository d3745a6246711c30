public import CortexCore
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

// Installing a tenant environment prepared elsewhere (restore, import).
extension StorageEngine {
    /// A folder under `tenants/` where a caller may prepare an environment
    /// for ``installTenant(_:from:)`` (same file system, so the install is a rename).
    /// Dot-prefixed: never taken for a tenant.
    public func stagingFolder(for id: TenantID) throws(CortexError) -> String {
        let path = dataPath + "/tenants/.staging-" + id.rawValue + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        try DataDirectory.createDirectory(path)
        return path
    }

    /// Makes the environment in `stagedFolder` (holding `data.mdb`) the
    /// tenant's: replaces its current environment, or registers the tenant if
    /// it does not exist. Other tenants are not touched.
    ///
    /// The tenant must not be in use: an idle open environment is closed
    /// first; one in use throws `.conflict`. Crash-safe: the old folder is
    /// renamed aside before the new one is renamed in, and a start after a
    /// crash between the two renames puts the old folder back.
    public func installTenant(_ id: TenantID, from stagedFolder: String) throws(CortexError) {
        let table = tenants
        try lifecycle.withLock { _ throws(CortexError) in
            let existing = try table.get(id.rawValue, in: system)
            if let existing, existing.state != .active {
                throw .conflict("tenant '\(id)' is being deleted")
            }
            let open = slots.withLock { slots -> Result<Environment?, CortexError> in
                guard let slot = slots[id] else { return .success(nil) }
                guard slot.userCount == 0 else { return .failure(.conflict("tenant '\(id)' is in use; retry when its requests have finished")) }
                slots[id] = nil
                return .success(slot.environment)
            }
            try open.get()?.close()
            let target = tenantPath(id)
            let aside = dataPath + "/tenants/.replaced-" + id.rawValue
            try DataDirectory.removeTree(aside)
            if FileManager.default.fileExists(atPath: target) { try Self.rename(target, to: aside) }
            try Self.rename(stagedFolder, to: target)
            try Self.syncFolder(dataPath + "/tenants")
            let record = TenantRecord(id: id, createdAt: existing?.createdAt ?? clock.nowMilliseconds(), state: .active)
            try system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
                try table.put(record, for: id.rawValue, in: &transaction)
            }
            try DataDirectory.removeTree(aside)
        }
        logger.info("installed tenant environment", metadata: ["tenant": "\(id)"])
    }

    /// Marks `path` as a Cortex data folder once its `system/` and `tenants/`
    /// were put in place by a full restore (the marker is written last).
    public static func markRestoredDataFolder(_ path: String) throws(CortexError) {
        try DataDirectory.writeMarker(in: path)
        try syncFolder(path)
    }

    /// At start: puts back a tenant folder an install renamed aside just
    /// before a crash, and removes leftovers of interrupted installs.
    func finishInterruptedInstalls() throws(CortexError) {
        let tenantsFolder = dataPath + "/tenants"
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: tenantsFolder)
        } catch {
            throw .unavailable("cannot list \(tenantsFolder): \(error.localizedDescription)")
        }
        for entry in entries where entry.hasPrefix(".replaced-") {
            let id = String(entry.dropFirst(".replaced-".count))
            let target = tenantsFolder + "/" + id
            if FileManager.default.fileExists(atPath: target) {
                try DataDirectory.removeTree(tenantsFolder + "/" + entry)
            } else {
                logger.notice("restoring tenant folder set aside by an interrupted install", metadata: ["tenant": "\(id)"])
                try Self.rename(tenantsFolder + "/" + entry, to: target)
            }
        }
        for entry in entries where entry.hasPrefix(".staging-") {
            try DataDirectory.removeTree(tenantsFolder + "/" + entry)
        }
    }

    private static func rename(_ from: String, to destination: String) throws(CortexError) {
        guard unsafe Glibc.rename(from, destination) == 0 else {
            throw .unavailable("cannot rename \(from) to \(destination): \(DataDirectory.describeErrno())")
        }
    }

    private static func syncFolder(_ path: String) throws(CortexError) {
        let descriptor = unsafe open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unavailable("cannot open folder \(path): \(DataDirectory.describeErrno())") }
        defer { _ = Glibc.close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .unavailable("cannot fsync folder \(path): \(DataDirectory.describeErrno())") }
    }
}
