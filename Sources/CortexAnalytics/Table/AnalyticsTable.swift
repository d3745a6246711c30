public import CortexCore
import Dispatch
import Synchronization

/// Tuning of one analytics table.
public struct AnalyticsTableOptions: Sendable {
    /// Hot rows at which the table seals them into segments.
    public var sealRowCount: Int = 256 * 1024
    /// Width of a time partition: sealed segments never span two.
    public var partitionMilliseconds: Int64 = 86_400_000
    /// zstd level for sealed segments.
    public var zstdLevel: Int32 = 3
    /// Seal and merge in the background after appends (off in tests that want
    /// to control when segments appear).
    public var sealsAutomatically = true
    /// Keep append-log files until their records are shipped to a backup target
    /// (``AnalyticsTable/markShipped(through:)``), not only until sealed. The server
    /// turns it on when `backup.target` is set; off, seals delete the log they cover.
    public var keepsLogUntilShipped = false

    public init() {}
}

/// One analytics table: sealed, immutable, time-partitioned segments sorted by
/// tenant inside, plus the hot rows of the append log (docs/analytics-format.md).
///
/// Appends are durable before they return (group commit: one `fdatasync`
/// covers every batch waiting at that moment) and visible to scans from then
/// on. A scan sees one consistent set of segments and hot rows.
///
/// Thread: every method may be called from any thread; `append` and
/// `deleteTenant` block the caller until durable, so call them off Swift's
/// cooperative pool.
public final class AnalyticsTable: ScanSource, Sendable {
    public let schema: TableSchema
    let folder: String
    let options: AnalyticsTableOptions
    /// The table's dictionary per string column (nil for other columns).
    let dictionaries: [StringDictionary?]

    struct State {
        var manifest = TableManifest()
        var segments: [SealedSegment] = []
        var hot: [HotChunk] = []
        var hotRowCount = 0
        var sealing = false
    }
    let state = Mutex(State())
    /// The commit lane: owns the append log (group commit).
    let committer: GroupCommitter
    /// Runs background seals and merges.
    let maintenance = DispatchQueue(label: "cortex.analytics.maintenance")
    /// Held by every operation that writes segments and publishes a manifest
    /// (seal, bulk load, merge, tenant purge), so they run one at a time.
    let publishing = Mutex(())
    /// The last failure of a background seal or merge (retried at the next trigger).
    let backgroundFailure = Mutex<CortexError?>(nil)
    /// Segments that checkpoints hold (AnalyticsTable+Checkpoint.swift): their files outlive a
    /// manifest that drops them until the last checkpoint releases them.
    let pins = Mutex(SegmentPins())

    /// The folder's lock file, held (flock) while this object lives: one writer per table folder.
    let lock: FileLock
    /// The SHIPPED file's content (AnalyticsTable+Shipping.swift).
    let shipState: Mutex<TableShipState>

    var manifestPath: String { folder + "/MANIFEST" }
    var segmentFolder: String { folder + "/segments" }

    /// Opens (or creates) the table in `folder`: reads the manifest, opens every
    /// segment (footer checks), removes segment files no manifest names (a crash
    /// between writing and publishing), and replays the append log above the
    /// sealed LSN into the hot rows.
    ///
    /// - Throws: `.corrupt` for a damaged manifest, segment footer or log record
    ///   that is not a torn tail; `.unavailable` for file-system failures.
    public init(folder: String, schema: TableSchema, options: AnalyticsTableOptions = AnalyticsTableOptions()) throws(CortexError) {
        self.schema = schema
        self.folder = folder
        self.options = options
        // Code 0 is always "" so a null row's placeholder code is valid in every vector the table delivers.
        dictionaries = schema.columns.map { $0.type == .string ? StringDictionary([""]) : nil }
        try FileIO.createFolder(folder)
        lock = try FileIO.lockExclusively(folder + "/LOCK", what: "analytics table folder \(folder)")
        shipState = Mutex(try TableShipState.load(folder + "/SHIPPED"))
        try FileIO.createFolder(folder + "/segments")
        var manifest = TableManifest()
        if FileIO.exists(folder + "/MANIFEST") {
            manifest = try TableManifest.decode(try FileIO.readAll(folder + "/MANIFEST"), path: folder + "/MANIFEST")
        }
        var segments: [SealedSegment] = []
        for entry in manifest.entries {
            let path = Self.segmentPath(folder: folder + "/segments", id: entry.id)
            let segment = try Segment(path: path, schema: schema)
            segments.append(SealedSegment(entry: entry, segment: segment, path: path, tableDictionaries: dictionaries))
        }
        let known = Set(manifest.entries.map { Self.segmentFileName(id: $0.id) })
        for name in try FileIO.list(folder + "/segments") where !known.contains(name) {
            try FileIO.remove(folder + "/segments/" + name)
        }
        let log = try AppendLog(folder: folder + "/log")
        committer = GroupCommitter(log: log)
        var hot: [HotChunk] = []
        var deletedTenants: [Int64] = []
        var lastTimeMark: Int64 = 0
        let schema = self.schema
        let dictionaries = self.dictionaries
        try log.replay(after: manifest.sealedLSN) { (record: LogRecord) throws(CortexError) in
            switch record.kind {
            case .rows:
                var reader = BinaryReader(record.payload, context: "append log record \(record.lsn)")
                let columns = try RowBatchCodec.decode(&reader, schema: schema, dictionaries: dictionaries)
                hot.append(HotChunk(columns: columns, lastLSN: record.lsn))
            case .deleteTenant:
                var reader = BinaryReader(record.payload, context: "append log record \(record.lsn)")
                let tenant = try reader.readFixed(Int64.self)
                hot = hot.compactMap { $0.removing(tenant: tenant, tenantColumn: schema.tenantColumn) }
                deletedTenants.append(tenant)
            case .timeMark:
                var reader = BinaryReader(record.payload, context: "append log record \(record.lsn)")
                lastTimeMark = try reader.readFixed(Int64.self)
            }
        }
        committer.noteReplayed(through: log.nextLSN - 1, timeMark: lastTimeMark)
        state.withLock {
            $0.manifest = manifest
            $0.segments = segments
            $0.hot = hot
            $0.hotRowCount = hot.reduce(0) { $0 + $1.rowCount }
        }
        // A delete whose segment rewrite did not finish before a crash is finished now.
        for tenant in deletedTenants { try purgeSegments(ofTenant: tenant) }
        installSealTrigger()
    }

    static func segmentFileName(id: UInt64) -> String {
        let hex = String(id, radix: 16)
        return String(repeating: "0", count: max(0, 16 - hex.count)) + hex + ".cxs"
    }

    static func segmentPath(folder: String, id: UInt64) -> String { folder + "/" + segmentFileName(id: id) }

    /// Rows in the table (sealed and hot).
    public var rowCount: Int {
        state.withLock { state in state.hotRowCount + state.segments.reduce(0) { $0 + $1.liveRowCount } }
    }

    /// Bytes of sealed segments on disk (the append log is excluded: it is temporary).
    public var segmentByteCount: Int { state.withLock { $0.segments.reduce(0) { $0 + $1.entry.byteCount } } }

    /// The number of sealed segments.
    public var segmentCount: Int { state.withLock { $0.segments.count } }

    public func scanUnits(for request: ScanRequest) throws(CortexError) -> [any ScanUnit] {
        let (segments, hot) = state.withLock { ($0.segments, $0.hot) }
        var units: [any ScanUnit] = []
        // An equality bound on the tenant column narrows segments to that tenant's rows just like scoping does.
        let tenantBound = request.ranges.first { $0.column == schema.tenantColumn && $0.lower == $0.upper }?.lower
        for sealed in segments {
            var rows = 0..<sealed.entry.rowCount
            if let tenant = request.tenant ?? tenantBound {
                if let scoped = request.tenant, let tenantBound, scoped != tenantBound { continue }
                rows = sealed.segment.rows(ofTenant: tenant)
                if rows.isEmpty { continue }
            }
            let pass = request.ranges.allSatisfy { range in
                sealed.mayMatch(sealed.segment.zoneMap(column: range.column), range, type: schema.columns[range.column].type)
            }
            if !pass { continue }
            // Deleted tenants' rows are cut out; ranges split every 16 blocks (32,768 rows) so both
            // threads get work from one segment, or from one tenant's rows in it, in even shares.
            let step = 16 * AnalyticsLimits.blockRowCount
            for live in sealed.liveRanges(rows) {
                var start = live.lowerBound
                while start < live.upperBound {
                    let end = min(live.upperBound, (start / step + 1) * step)
                    units.append(SegmentScanUnit(sealed: sealed, rows: start..<end, schema: schema))
                    start = end
                }
            }
        }
        if !hot.isEmpty {
            units.append(HotScanUnit(chunks: hot, tenantColumn: schema.tenantColumn))
        }
        return units
    }

    /// The table's dictionary of string column `column` (nil for other types):
    /// loaders that code strings in it directly skip a recoding pass.
    public func stringDictionary(column: Int) -> StringDictionary? { dictionaries[column] }

    /// Checks every segment's checksums and payloads.
    public func verify() throws(CortexError) {
        for sealed in state.withLock({ $0.segments }) { try sealed.segment.verify() }
    }
}
