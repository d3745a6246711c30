import CortexApp
import CortexCore
import CortexSnapshot
import CortexVector
import Foundation
import Hummingbird

/// `/api/v1/admin/…` backup routes, for platform administrators: take and list snapshots, ship the
/// change log now, restore one tenant while the server runs (docs/backups.md).
struct BackupRoutes: Sendable {
    let backups: Backups

    func register(on group: RouterGroup<CortexRequestContext>) {
        group.post("admin/snapshots") { _, context in
            try context.requirePrincipal().requirePlatformAdmin()
            return jsonResponse(SnapshotJSON(try await backups.snapshot(prune: false)), status: .created)
        }
        group.get("admin/snapshots") { _, context in
            try context.requirePrincipal().requirePlatformAdmin()
            return jsonResponse(["snapshots": try await backups.list().map(SnapshotJSON.init)])
        }
        group.post("admin/log/ship") { _, context in
            try context.requirePrincipal().requirePlatformAdmin()
            let report = await backups.ship()
            guard report.failures.isEmpty else {
                throw CortexError.unavailable("shipping failed: " + report.failures.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; "))
            }
            return jsonResponse(ShipJSON(chunks: report.chunks, records: report.records, storedBytes: report.storedBytes))
        }
        group.post("admin/tenants/{tenant}/restore") { request, context in
            try context.requirePrincipal().requirePlatformAdmin()
            let tenant = try TenantID(try context.parameters.require("tenant"))
            let fields = try await AuthRoutes.fields(request, allowed: ["snapshot_id", "at", "lsn", "snapshot_only"])
            let point = try Self.recoveryPoint(fields)
            let (snapshot, replay) = try await backups.restoreTenant(tenant, snapshotID: try fields.optionalString("snapshot_id"), until: point)
            return jsonResponse(RestoreJSON(tenant: tenant.rawValue, snapshot: snapshot, applied: replay.applied, lsn: replay.lastLSN))
        }
    }

    /// `at` (ISO 8601 or epoch ms), `lsn` or `snapshot_only: true`; none of them: the latest state.
    static func recoveryPoint(_ fields: JSONFields) throws(CortexError) -> RecoveryPoint {
        let at = try fields.optional("at")
        let lsn = try fields.optionalInt("lsn")
        var snapshotOnly = false
        if let value = try fields.optional("snapshot_only") {
            guard case .bool(let flag) = value else { throw .invalidInput("snapshot_only must be a boolean") }
            snapshotOnly = flag
        }
        guard [at != nil, lsn != nil, snapshotOnly].filter({ $0 }).count <= 1 else {
            throw .invalidInput("at, lsn and snapshot_only exclude each other")
        }
        if snapshotOnly { return .snapshot }
        if let lsn {
            guard lsn >= 0 else { throw .invalidInput("lsn must be ≥ 0; got \(lsn)") }
            return .lsn(UInt64(lsn))
        }
        switch at {
        case nil: return .latest
        case .int(let milliseconds)?:
            return .time(milliseconds)
        case .string(let text)?:
            let fractional = ISO8601DateFormatter()
            fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            guard let date = fractional.date(from: text) ?? ISO8601DateFormatter().date(from: text) else {
                throw .invalidInput("at \(text.debugDescription) is not an ISO 8601 time such as 2026-11-27T09:30:00Z")
            }
            return .time(Int64((date.timeIntervalSince1970 * 1000).rounded()))
        default:
            throw .invalidInput("at must be an ISO 8601 string or epoch milliseconds")
        }
    }

    struct SnapshotJSON: Encodable {
        let id: String
        let createdAtMilliseconds: Int64
        let environments: Int
        let rawBytes: Int
        let storedBytes: Int

        init(_ manifest: SnapshotManifest) {
            id = manifest.id
            createdAtMilliseconds = manifest.createdAt
            environments = manifest.environments.count
            rawBytes = manifest.rawBytes
            storedBytes = manifest.storedBytes
        }

        enum CodingKeys: String, CodingKey {
            case id, environments
            case createdAtMilliseconds = "created_at_ms", rawBytes = "raw_bytes", storedBytes = "stored_bytes"
        }
    }

    struct ShipJSON: Encodable {
        let chunks: Int
        let records: Int
        let storedBytes: Int
        enum CodingKeys: String, CodingKey {
            case chunks, records
            case storedBytes = "stored_bytes"
        }
    }

    struct RestoreJSON: Encodable {
        let tenant: String
        let snapshot: String?
        let applied: Int
        let lsn: UInt64
    }
}

extension Principal {
    /// Platform administrators only: a user session whose account was promoted (`cortex admin users promote`).
    func requirePlatformAdmin() throws(CortexError) {
        guard case .user(let claims) = credential, claims.isPlatformAdmin else {
            throw .forbidden("this route is for platform administrators")
        }
    }
}
