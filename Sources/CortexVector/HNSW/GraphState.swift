public import CortexCore
public import CortexStorage

/// The mutable header of a collection's graph (`vector.state`, key = collection id).
public struct GraphState: VersionedRecord, Equatable {
    public static let recordName = "graph state"
    public static let recordVersion: UInt8 = 1

    /// Slots ever allocated (the arrays' length); slot numbers are < slotCount.
    public var slotCount: UInt32 = 0
    /// Nodes not deleted.
    public var liveCount: UInt32 = 0
    /// Nodes with level ≥ 1 (the upper arrays' length).
    public var upperCount: UInt32 = 0
    /// Entry point slot, `UInt32.max` when the graph is empty.
    public var entryPoint: UInt32 = UInt32.max
    public var maxLevel: UInt32 = 0
    /// Next insertion sequence number (orders `list`).
    public var nextSequence: UInt64 = 1

    public init() {}

    public func encode(to writer: inout BinaryWriter) {
        writer.writeVarUInt(UInt64(slotCount))
        writer.writeVarUInt(UInt64(liveCount))
        writer.writeVarUInt(UInt64(upperCount))
        writer.writeFixed(entryPoint)
        writer.writeVarUInt(UInt64(maxLevel))
        writer.writeVarUInt(nextSequence)
    }

    public static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> Self {
        var state = GraphState()
        func readUInt32(_ reader: inout BinaryReader, _ field: String) throws(CortexError) -> UInt32 {
            let value = try reader.readVarUInt()
            guard value <= UInt64(UInt32.max) else { throw .corrupt("graph state: \(field) \(value) out of range") }
            return UInt32(value)
        }
        state.slotCount = try readUInt32(&reader, "slot count")
        state.liveCount = try readUInt32(&reader, "live count")
        state.upperCount = try readUInt32(&reader, "upper count")
        state.entryPoint = try reader.readFixed(UInt32.self)
        state.maxLevel = try readUInt32(&reader, "max level")
        state.nextSequence = try reader.readVarUInt()
        guard state.liveCount <= state.slotCount, state.upperCount <= state.slotCount, state.maxLevel < 64,
              state.entryPoint == UInt32.max || state.entryPoint < state.slotCount else {
            throw .corrupt("graph state is inconsistent: \(state)")
        }
        return state
    }
}
