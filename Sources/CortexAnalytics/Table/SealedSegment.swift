import CortexCore

/// A segment of a table as the table uses it: the file, its place in the
/// manifest, and per string column the map from the segment's dictionary codes
/// to the table's dictionary codes.
final class SealedSegment: Sendable {
    let entry: TableManifest.Entry
    let segment: Segment
    let path: String
    /// Per column: segment code → table code (nil for non-string columns).
    let remaps: [ContiguousArray<Int32>?]
    let dictionaries: [StringDictionary?]

    /// Row ranges of deleted tenants, ascending.
    let deletedRanges: [Range<Int>]

    init(entry: TableManifest.Entry, segment: Segment, path: String, tableDictionaries: [StringDictionary?]) {
        self.entry = entry
        self.segment = segment
        self.path = path
        self.dictionaries = tableDictionaries
        remaps = tableDictionaries.enumerated().map { column, dictionary in
            guard let dictionary, let local = segment.dictionary(column: column) else { return nil }
            return ContiguousArray(local.allStrings().map { dictionary.code(for: $0) })
        }
        deletedRanges = entry.deletedTenants.map { segment.rows(ofTenant: $0) }.filter { !$0.isEmpty }.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// The same segment with `entry` (e.g. more deleted tenants); shares the file and its caches.
    func withEntry(_ entry: TableManifest.Entry) -> SealedSegment {
        SealedSegment(entry: entry, segment: segment, path: path, tableDictionaries: dictionaries)
    }

    /// The parts of `rows` that belong to no deleted tenant.
    func liveRanges(_ rows: Range<Int>) -> [Range<Int>] {
        var live: [Range<Int>] = []
        var start = rows.lowerBound
        for deleted in deletedRanges where deleted.upperBound > start && deleted.lowerBound < rows.upperBound {
            if deleted.lowerBound > start { live.append(start..<deleted.lowerBound) }
            start = max(start, deleted.upperBound)
        }
        if start < rows.upperBound { live.append(start..<rows.upperBound) }
        return live
    }

    /// Live rows: the tenant directory's rows minus deleted tenants.
    var liveRowCount: Int { entry.rowCount - deletedRanges.reduce(0) { $0 + $1.count } }

    /// Every live row of `column` (deleted tenants' rows left out).
    func decodeLive(column: Int) throws(CortexError) -> ColumnVector {
        var parts: [ColumnVector] = []
        for range in liveRanges(0..<entry.rowCount) { parts.append(try decode(column: column, rows: range)) }
        if parts.isEmpty { return try decode(column: column, rows: 0..<0) }
        return parts.count == 1 ? parts[0] : ColumnVector.concatenating(parts)
    }

    /// Rows `rows` of `column`, strings recoded into the table's dictionary.
    func decode(column: Int, rows: Range<Int>) throws(CortexError) -> ColumnVector {
        guard let remap = remaps[column], let dictionary = dictionaries[column] else { return try segment.decode(column: column, rows: rows) }
        return try segment.decode(column: column, rows: rows, remap: remap, dictionary: dictionary)
    }

    /// Whether the zone map `zone` can hold a row satisfying `range`.
    func mayMatch(_ zone: ZoneMap, _ range: ColumnRange, type: ColumnType) -> Bool {
        if zone.rowCount == 0 { return false }
        if zone.nullCount == zone.rowCount { return !range.rejectsNull }
        if type.isIntegerLike {
            return zone.maxInt >= range.lower && zone.minInt <= range.upper
        }
        if type == .string, let strings = range.strings, let local = segment.dictionary(column: range.column) {
            return strings.contains { string in
                guard let code = local.existingCode(for: string) else { return false }
                return Int64(code) >= zone.minInt && Int64(code) <= zone.maxInt
            }
        }
        return true
    }
}

/// Rows of one segment decoded lazily, column by column, on first access.
final class SegmentBlock: ColumnBlock {
    let sealed: SealedSegment
    let rows: Range<Int>
    private var cache: [Int: ColumnVector] = [:]

    init(sealed: SealedSegment, rows: Range<Int>) {
        self.sealed = sealed
        self.rows = rows
    }

    var rowCount: Int { rows.count }

    /// The merged zone maps of the storage blocks the rows lie in (a superset of the rows).
    func integerBounds(_ index: Int) -> (min: Int64, max: Int64)? {
        guard sealed.segment.schema.columns[index].type.isIntegerLike else { return nil }
        var lower = Int64.max, upper = Int64.min
        for block in sealed.segment.blockRange(of: rows) {
            let zone = sealed.segment.zoneMap(column: index, block: block)
            guard zone.nullCount == 0 else { return nil }
            lower = min(lower, zone.minInt)
            upper = max(upper, zone.maxInt)
        }
        return lower <= upper ? (lower, upper) : nil
    }

    /// Through the segment's own dictionary: a string it lacks matches no row, else one pass over
    /// the column's codes (no remap into the table's dictionary, no mask).
    func rows(whereString index: Int, equals text: String) throws(CortexError) -> ContiguousArray<Int32>? {
        guard let local = sealed.segment.dictionary(column: index) else { return nil }
        guard let code = local.existingCode(for: text) else { return [] }
        return try sealed.segment.rows(ofColumn: index, in: rows, withCode: code)
    }

    func column(_ index: Int) throws(CortexError) -> ColumnVector {
        if let cached = cache[index] { return cached }
        let vector = try sealed.decode(column: index, rows: rows)
        cache[index] = vector
        return vector
    }
}

/// Scans a row range of one segment block by block, pruning with block zone maps.
struct SegmentScanUnit: ScanUnit {
    /// Storage blocks delivered per batch at most.
    static let scanBlockCount = 8

    let sealed: SealedSegment
    let rows: Range<Int>
    let schema: TableSchema

    var rowCountEstimate: Int { rows.count }

    func forEachBlock(_ request: ScanRequest, _ body: (any ColumnBlock) throws(CortexError) -> Void) throws(CortexError) {
        // Neighbouring blocks that survive pruning are delivered together (up to `scanBlockCount`
        // storage blocks), so per-batch costs of the executor are paid once per ~16k rows.
        let blockRowCount = AnalyticsLimits.blockRowCount
        var start = rows.lowerBound
        var pending: Range<Int>?
        while start < rows.upperBound {
            let block = start / blockRowCount
            let end = min((block + 1) * blockRowCount, rows.upperBound)
            let pass = request.ranges.allSatisfy { range in
                sealed.mayMatch(sealed.segment.zoneMap(column: range.column, block: block), range, type: schema.columns[range.column].type)
            }
            if pass {
                if let current = pending, current.count < Self.scanBlockCount * blockRowCount {
                    pending = current.lowerBound..<end
                } else {
                    if let current = pending { try body(SegmentBlock(sealed: sealed, rows: current)) }
                    pending = start..<end
                }
            } else if let current = pending {
                try body(SegmentBlock(sealed: sealed, rows: current))
                pending = nil
            }
            start = end
        }
        if let current = pending { try body(SegmentBlock(sealed: sealed, rows: current)) }
    }
}
