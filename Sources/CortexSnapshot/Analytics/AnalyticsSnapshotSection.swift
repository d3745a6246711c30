/// The `analytics` section of a snapshot manifest (docs/backups.md, "Analytics"):
/// every object of the analytics store's checkpoint. Absent in snapshots of data
/// folders without `analytics/` and in snapshots made before it existed.
public struct AnalyticsSnapshotSection: Codable, Sendable, Equatable {
    /// How an object's bytes are stored.
    public enum Compression: String, Codable, Sendable {
        /// One zstd frame with its content checksum.
        case zstd
        /// The raw bytes (segments: their chunks are already zstd-compressed).
        case none
    }

    /// One stored object.
    public struct Object: Codable, Sendable, Equatable {
        /// The object's key in the target, from the target's root (unlike an
        /// environment's `object`): `snapshots/<id>/analytics/…`, or a shared
        /// `analytics/segments/<table>/<raw sha256>.cxs` for segments.
        public var key: String
        public var compression: Compression
        /// Size and SHA-256 (hex) of the file as the analytics store has it.
        public var rawBytes: Int
        public var rawSHA256: String
        /// Size and SHA-256 (hex) of the stored object (equal to the raw ones for `none`).
        public var storedBytes: Int
        public var sha256: String

        enum CodingKeys: String, CodingKey {
            case key, compression, sha256
            case rawBytes = "raw_bytes", storedBytes = "stored_bytes", rawSHA256 = "raw_sha256"
        }
    }

    /// One segment file the table's MANIFEST lists.
    public struct Segment: Codable, Sendable, Equatable {
        /// The file name inside `<table>/segments/` (`<16 hex digits>.cxs`).
        public var file: String
        public var rowCount: Int
        public var object: Object

        enum CodingKeys: String, CodingKey {
            case file, object
            case rowCount = "row_count"
        }
    }

    /// One table.
    public struct Table: Codable, Sendable, Equatable {
        /// The table's folder name (lowercased table name).
        public var name: String
        /// Every log record up to it is in `segments`.
        public var sealedLSN: UInt64
        /// The snapshot holds every record up to it: `segments`, then `log` (records above `sealedLSN`).
        public var pinnedLSN: UInt64
        /// The table's history (16 hex digits): its shipped log records after `pinnedLSN` are under
        /// `wal/analytics/<name>/<timeline>/`. Nil in snapshots made before the analytics log was shipped.
        public var timeline: String?
        /// The table's MANIFEST file.
        public var manifest: Object
        /// The log records `sealedLSN + 1 … pinnedLSN` as one log file; nil when there are none.
        public var log: Object?
        /// The log file's name inside `<table>/log/`.
        public var logFile: String?
        public var segments: [Segment]

        enum CodingKeys: String, CodingKey {
            case name, manifest, log, segments, timeline
            case sealedLSN = "sealed_lsn", pinnedLSN = "pinned_lsn", logFile = "log_file"
        }
    }

    /// The TABLES file (schemas of created tables); nil when the store has none.
    public var tablesFile: Object?
    public var tables: [Table]

    /// Every object, TABLES first.
    public var objects: [Object] {
        (tablesFile.map { [$0] } ?? []) + tables.flatMap { table in [table.manifest] + (table.log.map { [$0] } ?? []) + table.segments.map(\.object) }
    }

    /// Keys of the shared segment objects.
    public var segmentKeys: Set<String> { Set(tables.flatMap { $0.segments.map(\.object.key) }) }

    enum CodingKeys: String, CodingKey {
        case tables
        case tablesFile = "tables_file"
    }
}

/// What writing the analytics part of a snapshot did.
public struct AnalyticsSnapshotStats: Sendable, Equatable {
    /// Objects the section lists.
    public var objectCount = 0
    /// Objects written in this snapshot, and their stored bytes.
    public var uploadedObjectCount = 0
    public var uploadedByteCount = 0
    /// Segments already in the target (same content), not uploaded again, and their bytes.
    public var reusedSegmentCount = 0
    public var reusedByteCount = 0

    public init() {}
}
