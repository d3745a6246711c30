public import CortexCore

/// A tenant's row in the system environment's `tenants` table (key = tenant id).
public struct TenantRecord: VersionedRecord, Equatable {
    public static let recordName = "tenant record"
    public static let recordVersion: UInt8 = 1

    public enum State: UInt8, Sendable {
        case active = 1
        /// Deletion started; the folder may be partly removed. Finished at the next start.
        case deleting = 2
    }

    public var id: TenantID
    /// Creation time, epoch ms.
    public var createdAt: Int64
    public var state: State

    public init(id: TenantID, createdAt: Int64, state: State) {
        self.id = id
        self.createdAt = createdAt
        self.state = state
    }

    public func encode(to writer: inout BinaryWriter) {
        writer.write(id.rawValue)
        writer.writeVarInt(createdAt)
        writer.write(state.rawValue)
    }

    public static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> Self {
        let rawID = try reader.readString()
        let id: TenantID
        do { id = try TenantID(rawID) } catch { throw .corrupt("tenant record holds an invalid id: \(error.message)") }
        let createdAt = try reader.readVarInt()
        let rawState = try reader.readByte()
        guard let state = State(rawValue: rawState) else { throw .corrupt("tenant record \(rawID) has unknown state \(rawState)") }
        return TenantRecord(id: id, createdAt: createdAt, state: state)
    }
}
