import CortexCore
import Foundation

/// `snapshots/<id>/manifest.json`: what a snapshot holds. Written last, so a
/// snapshot without a manifest is incomplete and never listed or restored.
public struct SnapshotManifest: Codable, Sendable, Equatable {
    public static let currentFormatVersion = 2
    public static let formatName = "cortex-snapshot"

    /// One LMDB environment's compacted copy, zstd-compressed.
    public struct EnvironmentEntry: Codable, Sendable, Equatable {
        /// `system` or `tenant/<id>`.
        public var name: String
        /// The tenant id for tenant environments.
        public var tenant: String?
        /// Object key relative to the snapshot's folder.
        public var object: String
        /// Bytes of the uncompressed LMDB copy (`data.mdb`).
        public var rawBytes: Int
        /// Bytes of the stored (compressed) object.
        public var storedBytes: Int
        /// SHA-256 (hex) of the stored object.
        public var sha256: String
        /// SHA-256 (hex) of the uncompressed copy.
        public var rawSHA256: String
        /// The LMDB transaction id of the commit the copy holds.
        public var transactionID: Int
        /// The change-log LSN of that commit (format 2; nil in format 1 manifests).
        public var lsn: UInt64?
        /// The change log's timeline at that commit, 16 hex digits (format 2).
        public var timeline: String?
        /// Epoch milliseconds when the copy was pinned: every commit it holds happened before (format 2).
        public var pinnedAt: Int64?

        enum CodingKeys: String, CodingKey {
            case name, tenant, object, sha256, lsn, timeline
            case rawBytes = "raw_bytes", storedBytes = "stored_bytes", rawSHA256 = "raw_sha256", transactionID = "transaction_id"
            case pinnedAt = "pinned_at_ms"
        }
    }

    public var format = Self.formatName
    public var formatVersion = Self.currentFormatVersion
    public var id: String
    /// Epoch milliseconds when the snapshot started.
    public var createdAt: Int64
    public var compression = "zstd"
    public var environments: [EnvironmentEntry]
    /// The analytics store (Analytics/AnalyticsSnapshotSection.swift); nil when the data folder had none.
    public var analytics: AnalyticsSnapshotSection? = nil

    public var rawBytes: Int { environments.reduce(0) { $0 + $1.rawBytes } }
    /// When the last environment was pinned: the snapshot holds no commit after it.
    public var pinnedAt: Int64 { environments.compactMap(\.pinnedAt).max() ?? createdAt }
    public var storedBytes: Int { environments.reduce(0) { $0 + $1.storedBytes } }

    enum CodingKeys: String, CodingKey {
        case format, id, compression, environments, analytics
        case formatVersion = "format_version", createdAt = "created_at_ms"
    }

    public init(id: String, createdAt: Int64, environments: [EnvironmentEntry]) {
        self.id = id
        self.createdAt = createdAt
        self.environments = environments
    }

    func encoded() throws(CortexError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(self))
        } catch {
            throw .invalidInput("cannot encode snapshot manifest: \(error)")
        }
    }

    static func decode(_ bytes: [UInt8], key: String) throws(CortexError) -> SnapshotManifest {
        let manifest: SnapshotManifest
        do {
            manifest = try JSONDecoder().decode(SnapshotManifest.self, from: Data(bytes))
        } catch {
            throw .corrupt("\(key) is not a valid snapshot manifest: \(error)")
        }
        guard manifest.format == formatName else { throw .corrupt("\(key): format is \(manifest.format.debugDescription), not \(formatName)") }
        guard manifest.formatVersion <= currentFormatVersion else {
            throw .unavailable("\(key) has format version \(manifest.formatVersion); this build reads up to \(currentFormatVersion)")
        }
        return manifest
    }
}

/// Snapshot ids sort by creation time, to the millisecond: `20261126T193000123Z-1a2b3c4d`
/// (ids of format-1 snapshots have no milliseconds: `20261126T193000Z-1a2b3c4d`).
enum SnapshotID {
    static func make(at milliseconds: Int64) -> String {
        var time = time_t(milliseconds / 1000)
        var parts = tm()
        unsafe gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = Int(milliseconds % 1000 + 1000) % 1000
        let three = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        let stamp = "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))\(three)Z"
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return stamp + "-" + String(repeating: "0", count: 8 - suffix.count) + suffix
    }

    static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && id.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || byte == UInt8(ascii: "-")
        }
    }
}
