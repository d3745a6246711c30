public import CortexCore
public import CortexStorage
public import CortexAnalytics
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What a long snapshot or restore reports as it goes (for progress lines).
public enum SnapshotProgress: Sendable {
    case environmentStarted(name: String)
    case environmentFinished(name: String, rawBytes: Int, storedBytes: Int)
    /// The analytics store's objects are written (or found already in the target).
    case analyticsFinished(AnalyticsSnapshotStats)
}

/// Takes full snapshots of a data folder: the system environment and every
/// tenant environment, each a compacted LMDB copy made in one read
/// transaction, zstd-compressed and hashed as it streams to the target.
/// Objects are written first and the manifest last.
public struct SnapshotWriter {
    let engine: StorageEngine
    let target: any SnapshotTarget
    let clock: any EpochClock
    /// The data folder's analytics store, when it has one (snapshotted first: see create).
    let analytics: AnalyticsStore?

    public init(engine: StorageEngine, target: any SnapshotTarget, analytics: AnalyticsStore? = nil, clock: any EpochClock = SystemEpochClock()) {
        self.engine = engine
        self.target = target
        self.analytics = analytics
        self.clock = clock
    }

    /// Writes one snapshot and returns its manifest.
    public func create(progress: (SnapshotProgress) -> Void = { _ in }) throws(CortexError) -> SnapshotManifest {
        // A failed target write closes the pipe under LMDB's copy: that must be EPIPE, not a signal.
        signal(SIGPIPE, SIG_IGN)
        let createdAt = clock.nowMilliseconds()
        let id = SnapshotID.make(at: createdAt)
        let folder = "snapshots/" + id + "/"
        var entries: [SnapshotManifest.EnvironmentEntry] = []
        // Analytics before the system environment: every tenant number its rows carry is then in the system copy.
        let analyticsSection = try analytics.map { (store: AnalyticsStore) throws(CortexError) in
            try writeAnalytics(store, folder: folder, progress: progress)
        }
        progress(.environmentStarted(name: engine.system.name))
        var entry = try copy(engine.system, object: "system.mdb.zst", key: folder + "system.mdb.zst")
        entries.append(entry)
        progress(.environmentFinished(name: entry.name, rawBytes: entry.rawBytes, storedBytes: entry.storedBytes))
        for tenant in try engine.listTenants() {
            let object = "tenants/" + tenant.id.rawValue + ".mdb.zst"
            progress(.environmentStarted(name: "tenant/\(tenant.id)"))
            entry = try engine.withTenantSync(tenant.id) { (environment: Environment) throws(CortexError) in
                try copy(environment, object: object, key: folder + object)
            }
            entry.tenant = tenant.id.rawValue
            entries.append(entry)
            progress(.environmentFinished(name: entry.name, rawBytes: entry.rawBytes, storedBytes: entry.storedBytes))
        }
        var manifest = SnapshotManifest(id: id, createdAt: createdAt, environments: entries)
        manifest.analytics = analyticsSection
        try target.write(folder + "manifest.json", bytes: try manifest.encoded())
        return manifest
    }

    /// Streams a compacted copy of `environment` through zstd into the object `key`.
    private func copy(_ environment: Environment, object: String, key: String) throws(CortexError) -> SnapshotManifest.EnvironmentEntry {
        var descriptors: [Int32] = [0, 0]
        guard unsafe pipe(&descriptors) == 0 else { throw .unavailable("cannot create a pipe: \(describeErrno())") }
        let (readEnd, writeEnd) = (descriptors[0], descriptors[1])
        let copied = Mutex<Result<CopyPin, CortexError>?>(nil)
        let done = DispatchGroup()
        done.enter()
        DispatchQueue.global().async {
            let result: Result<CopyPin, CortexError>
            do throws(CortexError) {
                result = .success(try environment.copyCompacted(to: writeEnd))
            } catch {
                result = .failure(error)
            }
            copied.withLock { $0 = result }
            _ = Glibc.close(writeEnd)
            done.leave()
        }
        let writer: any SnapshotObjectWriter
        do throws(CortexError) {
            writer = try target.makeWriter(for: key)
        } catch {
            _ = Glibc.close(readEnd)
            done.wait()
            throw error
        }
        var readOpen = true
        defer { if readOpen { _ = Glibc.close(readEnd) } }
        var rawHasher = SHA256(), storedHasher = SHA256()
        var rawBytes = 0, storedBytes = 0
        do throws(CortexError) {
            let compressor = try ZstdCompressor()
            let sink = { (chunk: UnsafeRawBufferPointer) throws(CortexError) in
                storedHasher.update(chunk)
                storedBytes += chunk.count
                try writer.append(chunk)
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buffer.deallocate() }
            while true {
                let count = Glibc.read(readEnd, buffer.baseAddress, buffer.count)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw .unavailable("cannot read the copy of \(environment.name): \(describeErrno())")
                }
                if count == 0 { break }
                let chunk = UnsafeRawBufferPointer(start: buffer.baseAddress, count: count)
                rawHasher.update(chunk)
                rawBytes += count
                try compressor.compress(chunk, sink: sink)
            }
            _ = Glibc.close(readEnd)
            readOpen = false
            done.wait()
            let pin = try copied.withLock { $0 }!.get()
            try compressor.finish(sink: sink)
            try writer.commit()
            return SnapshotManifest.EnvironmentEntry(
                name: environment.name, tenant: nil, object: object, rawBytes: rawBytes, storedBytes: storedBytes,
                sha256: SHA256.hex(storedHasher.finalize()), rawSHA256: SHA256.hex(rawHasher.finalize()), transactionID: pin.transactionID,
                lsn: pin.lsn, timeline: Timeline.hex(pin.timeline), pinnedAt: pin.pinnedAt)
        } catch {
            // Closing the read end first ends a copy still writing (EPIPE).
            if readOpen { _ = Glibc.close(readEnd) }
            readOpen = false
            done.wait()
            writer.abort()
            throw error
        }
    }
}
