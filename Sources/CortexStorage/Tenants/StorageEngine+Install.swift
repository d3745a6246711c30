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

    /// Opens the environment in a folder the engine does not manage (a staging folder), with the
    /// engine's writer threads; its commits are not tracked for shipping. The caller closes it.
    public func openDetachedEnvironment(at folder: String, name: String) throws(CortexError) -> Environment {
        try Environment(name: name, path: folder, options: options.environment, pool: pool, logger: logger)
    }

    /// Makes the environment in `stagedFolder` (holding `data.mdb`) the
    /// tenant's: replaces its current environment, or registers the tenant if
    /// it does not exist. Other tenants are not touched.
    ///
    /// The tenant must not be in use: an idle open environment is closed
    /// first; one in use throws `.conflict`. Crash-safe: the old folder is
    /// renamed aside before the new one is renamed in, and a start after a
    /// crash between the two renames puts the old folder back.
    ///
    /// In a running server: requests already using the tenant finish first (for up to `idleWait`,
    /// else `.conflict`); requests arriving meanwhile wait for the install and then see the new
    /// environment.
    public func installTenant(_ id: TenantID, from stagedFolder: String, idleWait: Duration = .seconds(30)) throws(CortexError) {
        let table = tenants
        try lifecycle.withLock { _ throws(CortexError) in
            let existing = try table.get(id.rawValue, in: system)
            if let existing, existing.state != .active {
                throw .conflict("tenant '\(id)' is being deleted")
            }
            try detachForInstall(id, waitingUpTo: idleWait)?.close()
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

    /// Under `lifecycle`: takes the tenant's open environment out of service once its users are done.
    /// Marked closing, new uses go to the slow open path, which waits on `lifecycle` for the install.
    private func detachForInstall(_ id: TenantID, waitingUpTo limit: Duration) throws(CortexError) -> Environment? {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while true {
            let outcome = slots.withLock { slots -> Environment?? in
                guard var slot = slots[id] else { return .some(nil) }
                guard slot.userCount == 0 else {
                    slot.closing = true
                    slots[id] = slot
                    return nil
                }
                slots[id] = nil
                return .some(slot.environment)
            }
            if let detached = outcome { return detached }
            guard clock.now < deadline else {
                slots.withLock { slots in slots[id]?.closing = false }
                throw .conflict("tenant '\(id)' stayed in use for \(limit); retry when its requests have finished")
            }
            usleep(2_000)
        }
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
