public import CortexCore
import Synchronization
import Dispatch

extension AnalyticsTable {
    /// After each group commit: when the hot rows reach `sealRowCount`, start a
    /// new log file (so the sealed records' files can be deleted) and seal in
    /// the background.
    func installSealTrigger() {
        guard options.sealsAutomatically else { return }
        let threshold = options.sealRowCount
        committer.setAfterDrain { [weak self] log, lastLSN in
            guard let self else { return }
            let start = self.state.withLock { state -> Bool in
                guard state.hotRowCount >= threshold, !state.sealing else { return false }
                state.sealing = true
                return true
            }
            guard start else { return }
            do throws(CortexError) { try log.startFile() } catch {
                self.backgroundFailure.withLock { $0 = error }
            }
            self.maintenance.async {
                do throws(CortexError) {
                    try self.seal(through: lastLSN)
                    try self.mergeSmallSegments()
                } catch {
                    self.backgroundFailure.withLock { $0 = error }
                }
                self.state.withLock { $0.sealing = false }
            }
        }
    }

    /// Returns once the background seals and merges started so far have finished (a benchmark
    /// times queries on a settled table, not against a seal running beside them).
    public func waitForBackgroundWork() {
        maintenance.sync {}
    }

    /// Seals every hot row into segments now and merges small segments.
    public func flush() throws(CortexError) {
        let last = try committer.withLog { (log: AppendLog) throws(CortexError) -> UInt64 in
            let last = log.nextLSN - 1
            try log.startFile()
            return last
        }
        try seal(through: last)
        try mergeSmallSegments()
    }

    /// Seals the hot chunks up to `lsn` into segments and publishes them.
    func seal(through lsn: UInt64) throws(CortexError) {
        try publishing.withLock { _ throws(CortexError) in
            let chunks = state.withLock { $0.hot.filter { $0.lastLSN <= lsn } }
            guard !chunks.isEmpty else { return }
            let columns = schema.columns.indices.map { column in ColumnVector.concatenating(chunks.map { $0.columns[column] }) }
            let written = try writeSegments(columns)
            try publish(adding: written, removing: [], sealedLSN: lsn)
        }
        let removable = removableLSN(sealed: lsn)
        try committer.withLog { (log: AppendLog) throws(CortexError) in try log.removeFiles(through: removable) }
    }

    /// Writes rows straight into sealed segments, bypassing the append log
    /// (the bulk loader): durable when this returns. Rows may come in any order
    /// and in any number (they are split by time partition); each value is
    /// checked as ``append(_:)`` checks it.
    ///
    /// - Throws: as ``append(_:)`` for bad batches; nothing is published on failure.
    public func bulkLoad(_ columns: [ColumnVector]) throws(CortexError) {
        let rowCount = try validate(columns, rowCountMax: .max)
        if rowCount == 0 { return }
        let recoded = recode(columns)
        try publishing.withLock { _ throws(CortexError) in
            let written = try writeSegments(recoded)
            let sealedLSN = state.withLock { $0.manifest.sealedLSN }
            try publish(adding: written, removing: [], sealedLSN: sealedLSN)
        }
    }


    /// Partitions rows by time (unless `partitioned` is false: one segment, as
    /// merges want), sorts each partition by (tenant, cluster columns), encodes
    /// and writes one segment file per partition (in parallel),
    /// fsyncs them and the folder. Segment ids are reserved in memory; files of
    /// a failed or crashed write are never published and are removed at open.
    func writeSegments(_ columns: [ColumnVector], partitioned: Bool = true) throws(CortexError) -> [SealedSegment] {
        let partitions =
            partitioned
            ? SegmentLayout.partition(columns, schema: schema, width: options.partitionMilliseconds)
            : [(SegmentLayout.partitionNumber(of: columns, schema: schema, width: options.partitionMilliseconds), (0..<columns[0].count).map(Int32.init))]
        let firstID = state.withLock { state -> UInt64 in
            let first = state.manifest.nextSegmentID
            state.manifest.nextSegmentID += UInt64(partitions.count)
            return first
        }
        var results = [Result<SealedSegment, CortexError>?](repeating: nil, count: partitions.count)
        let schema = self.schema, folder = segmentFolder, level = options.zstdLevel, dictionaries = self.dictionaries
        unsafe results.withUnsafeMutableBufferPointer { slots in
            let slots = unsafe UnsafeSendable(slots)
            DispatchQueue.concurrentPerform(iterations: partitions.count) { index in
                let (partition, rows) = partitions[index]
                let result: Result<SealedSegment, CortexError>
                do throws(CortexError) {
                    let sorted = SegmentLayout.sorted(columns, rows: rows, schema: schema)
                    let bytes = try SegmentEncoder.encode(sorted, schema: schema, zstdLevel: level)
                    let id = firstID + UInt64(index)
                    let path = AnalyticsTable.segmentPath(folder: folder, id: id)
                    let descriptor = try FileIO.openReadWrite(path)
                    defer { FileIO.closeDescriptor(descriptor) }
                    try FileIO.write(descriptor, bytes, at: 0, path: path)
                    try FileIO.sync(descriptor, path: path)
                    let segment = try Segment(bytes: bytes, schema: schema, name: path)
                    let times = sorted[schema.timeColumn]
                    guard case .int64(let values) = times.values else { preconditionFailure("time column kind") }
                    let entry = TableManifest.Entry(
                        id: id, partition: partition, rowCount: rows.count, minTime: values.min() ?? 0, maxTime: values.max() ?? 0,
                        byteCount: bytes.count)
                    result = .success(SealedSegment(entry: entry, segment: segment, path: path, tableDictionaries: dictionaries))
                } catch {
                    result = .failure(error)
                }
                // In bounds: concurrentPerform passes each index in 0..<partitions.count exactly once.
                unsafe slots.value[index] = result
            }
        }
        var written: [SealedSegment] = []
        for result in results {
            switch result {
            case .success(let sealed): written.append(sealed)
            case .failure(let error):
                for sealed in written { try FileIO.remove(sealed.path) }
                throw error
            case nil: preconditionFailure("a partition was not written")
            }
        }
        try FileIO.syncFolder(segmentFolder)
        return written
    }

    /// Publishes a new manifest (segments added and removed, sealed LSN), then
    /// swaps the in-memory state (dropping hot chunks now sealed) and deletes the
    /// removed segments' files. Caller holds `publishing`.
    func publish(adding: [SealedSegment], removing: Set<UInt64>, sealedLSN: UInt64, keepFiles: Bool = false) throws(CortexError) {
        var manifest = state.withLock { $0.manifest }
        manifest.entries.removeAll { removing.contains($0.id) }
        manifest.entries.append(contentsOf: adding.map(\.entry))
        manifest.entries.sort { ($0.partition, $0.id) < ($1.partition, $1.id) }
        manifest.sealedLSN = sealedLSN
        manifest.nextSegmentID = max(manifest.nextSegmentID, (adding.map(\.entry.id).max() ?? 0) + 1)
        try FileIO.writeAtomically(manifest.encoded(), to: manifestPath)
        let removed: [SealedSegment] = state.withLock { state in
            let removed = state.segments.filter { removing.contains($0.entry.id) }
            state.segments.removeAll { removing.contains($0.entry.id) }
            state.segments.append(contentsOf: adding)
            state.segments.sort { ($0.entry.partition, $0.entry.id) < ($1.entry.partition, $1.entry.id) }
            let dropped = state.hot.filter { $0.lastLSN <= sealedLSN }
            state.hot.removeAll { $0.lastLSN <= sealedLSN }
            state.hotRowCount -= dropped.reduce(0) { $0 + $1.rowCount }
            state.manifest.entries = manifest.entries
            state.manifest.sealedLSN = sealedLSN
            state.manifest.nextSegmentID = max(state.manifest.nextSegmentID, manifest.nextSegmentID)
            return removed
        }
        // An entry replaced by a new entry for the same file (deleted tenants marked) keeps its file.
        if !keepFiles { try removeSegmentFiles(removed) }
    }

    /// Merges small segments (under a quarter of `segmentRowCountMax` rows) that
    /// are neighbours in time into segments of up to `segmentRowCountMax` rows:
    /// fresh data is sealed per day, older data ends up regrouped by tenant over
    /// several days, so a tenant's rows for a month sit in a few segments.
    /// Large segments are never rewritten by a merge.
    public func mergeSmallSegments() throws(CortexError) {
        try publishing.withLock { _ throws(CortexError) in
            let target = AnalyticsLimits.segmentRowCountMax
            let small = state.withLock { $0.segments }.filter { $0.entry.rowCount < target / 4 }
                .sorted { ($0.entry.minTime, $0.entry.id) < ($1.entry.minTime, $1.entry.id) }
            var groups: [[SealedSegment]] = [[]]
            var rows = 0
            for sealed in small {
                if rows + sealed.entry.rowCount > target {
                    groups.append([])
                    rows = 0
                }
                groups[groups.count - 1].append(sealed)
                rows += sealed.entry.rowCount
            }
            for group in groups where group.count > 1 {
                let columns = try schema.columns.indices.map { (column: Int) throws(CortexError) -> ColumnVector in
                    var parts: [ColumnVector] = []
                    for sealed in group { parts.append(try sealed.decodeLive(column: column)) }
                    return ColumnVector.concatenating(parts)
                }
                guard columns[0].count > 0 else {
                    try publish(adding: [], removing: Set(group.map(\.entry.id)), sealedLSN: state.withLock { $0.manifest.sealedLSN })
                    continue
                }
                let written = try writeSegments(columns, partitioned: false)
                let sealedLSN = state.withLock { $0.manifest.sealedLSN }
                try publish(adding: written, removing: Set(group.map(\.entry.id)), sealedLSN: sealedLSN)
            }
        }
    }

    /// Deletes every row of `tenant` (a privacy request): durable and invisible to
    /// every scan when this returns. Hot rows go at once (a log record makes that
    /// survive a crash); in segments the tenant is marked deleted in the manifest,
    /// without rewriting anything, and its rows are dropped physically the next time
    /// the segment is rewritten — by a merge or by ``compactDeletedRows()``.
    public func deleteTenant(_ tenant: Int64) throws(CortexError) {
        var writer = BinaryWriter(reservingCapacity: 8)
        writer.writeFixed(tenant)
        let tenantColumn = schema.tenantColumn
        // One publishing section around the record and the marking: a seal publishes a sealed LSN
        // only under `publishing`, so it cannot move the sealed LSN past this record while the
        // segments are still unmarked. After a crash in between, replay sees the record and marks
        // them at open; otherwise the record could be skipped and the tenant's sealed rows return.
        try publishing.withLock { _ throws(CortexError) in
            _ = try committer.commit(.deleteTenant, writer.bytes) { _ in
                self.state.withLock { state in
                    state.hot = state.hot.compactMap { $0.removing(tenant: tenant, tenantColumn: tenantColumn) }
                    state.hotRowCount = state.hot.reduce(0) { $0 + $1.rowCount }
                }
            }
            try markDeleted(tenant)
        }
    }

    /// Marks `tenant` deleted in every segment that holds its rows (one manifest replacement).
    func purgeSegments(ofTenant tenant: Int64) throws(CortexError) {
        try publishing.withLock { _ throws(CortexError) in try markDeleted(tenant) }
    }

    /// ``purgeSegments(ofTenant:)``'s work; the caller holds `publishing`.
    private func markDeleted(_ tenant: Int64) throws(CortexError) {
        let affected = state.withLock { $0.segments }.filter {
            !$0.segment.rows(ofTenant: tenant).isEmpty && !$0.entry.deletedTenants.contains(tenant)
        }
        guard !affected.isEmpty else { return }
        let marked = affected.map { sealed in
            var entry = sealed.entry
            entry.deletedTenants = (entry.deletedTenants + [tenant]).sorted()
            return sealed.withEntry(entry)
        }
        try publish(adding: marked, removing: Set(affected.map(\.entry.id)), sealedLSN: state.withLock { $0.manifest.sealedLSN }, keepFiles: true)
    }

    /// Rewrites every segment that holds deleted tenants' rows without them (the
    /// physical half of ``deleteTenant(_:)``; run it to bound how long deleted
    /// bytes stay on disk).
    public func compactDeletedRows() throws(CortexError) {
        try publishing.withLock { _ throws(CortexError) in
            for sealed in state.withLock({ $0.segments }) where !sealed.deletedRanges.isEmpty {
                let columns = try schema.columns.indices.map { (column: Int) throws(CortexError) -> ColumnVector in try sealed.decodeLive(column: column) }
                let written = columns[0].count > 0 ? try writeSegments(columns, partitioned: false) : []
                try publish(adding: written, removing: [sealed.entry.id], sealedLSN: state.withLock { $0.manifest.sealedLSN })
            }
        }
    }
}

/// A value the caller promises is safe to share across the threads of one
/// `concurrentPerform` (each thread touches disjoint elements).
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
