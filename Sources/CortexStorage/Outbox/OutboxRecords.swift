public import CortexCore

/// One event waiting in the outbox (table `outbox.events`, key = sequence number).
public struct OutboxEvent: VersionedRecord, Equatable {
    public static let recordName = "outbox event"
    public static let recordVersion: UInt8 = 1

    public var topic: String
    public var payload: [UInt8]
    /// When the event was enqueued (epoch ms).
    public var createdAt: Int64
    /// Deliveries handed out so far; a delivery is identified by (sequence, attempt).
    public var attempts: UInt32
    /// Earliest time of the next delivery (epoch ms): enqueue time, lease expiry or backoff end.
    public var availableAt: Int64
    /// Consumer holding the current lease, if any.
    public var leaseOwner: String?
    /// Why the last delivery failed, if it did.
    public var lastError: String?

    public func encode(to writer: inout BinaryWriter) {
        writer.write(topic)
        writer.write(blob: payload)
        writer.writeVarInt(createdAt)
        writer.writeVarUInt(UInt64(attempts))
        writer.writeVarInt(availableAt)
        writer.writeOptional(leaseOwner)
        writer.writeOptional(lastError)
    }

    public static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> Self {
        let topic = try reader.readString()
        let payload = try reader.readBlob()
        let createdAt = try reader.readVarInt()
        let attempts = try reader.readVarUInt()
        guard attempts <= UInt64(UInt32.max) else { throw .corrupt("outbox event: attempt count \(attempts) out of range") }
        return OutboxEvent(
            topic: topic, payload: payload, createdAt: createdAt, attempts: UInt32(attempts),
            availableAt: try reader.readVarInt(),
            leaseOwner: try reader.readOptionalString(),
            lastError: try reader.readOptionalString())
    }
}

/// An event that exhausted its attempts (table `outbox.dead`, key = original sequence number).
public struct DeadLetter: VersionedRecord, Equatable {
    public static let recordName = "outbox dead letter"
    public static let recordVersion: UInt8 = 1

    public var event: OutboxEvent
    /// When the event was moved here (epoch ms).
    public var failedAt: Int64
    public var reason: String

    public func encode(to writer: inout BinaryWriter) {
        event.encode(to: &writer)
        writer.writeVarInt(failedAt)
        writer.write(reason)
    }

    public static func decode(from reader: inout BinaryReader, version: UInt8) throws(CortexError) -> Self {
        let event = try OutboxEvent.decode(from: &reader, version: 1)
        return DeadLetter(event: event, failedAt: try reader.readVarInt(), reason: try reader.readString())
    }
}

/// One delivery of an event to a consumer, valid until its lease expires.
public struct OutboxDelivery: Sendable, Equatable {
    /// The event's sequence number: unique and increasing per environment; consumers dedupe on it.
    public var sequence: UInt64
    public var topic: String
    public var payload: [UInt8]
    public var createdAt: Int64
    /// 1 for the first delivery; acknowledgements must quote it.
    public var attempt: UInt32
    /// When the lease ends and the event becomes claimable again (epoch ms).
    public var leaseExpiresAt: Int64
}

extension BinaryWriter {
    /// A presence byte, then the string if present.
    mutating func writeOptional(_ value: String?) {
        write(value != nil)
        if let value { write(value) }
    }
}

extension BinaryReader {
    mutating func readOptionalString() throws(CortexError) -> String? {
        try readBool() ? try readString() : nil
    }
}
