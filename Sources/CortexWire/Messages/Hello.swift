import CortexCore

/// The server's HELLO payload (docs/wire-protocol.md §2.2): the negotiated
/// limits and who the connection acts for.
public struct Hello: Sendable, Equatable {
    public var version: UInt16
    public var limits: WireLimits
    public var tenantID: String
    public var keyID: String
    /// Scope bits of the key: 1 admin, 2 ingest, 4 query, 8 widget.
    public var scopeBits: UInt8
    /// Whether the server serves ANALYTICS_APPEND and ANALYTICS_SQL: it sent the analytics limits
    /// after the scope bits (§2.2). Without them, `limits` holds this build's analytics defaults.
    public var supportsAnalytics: Bool

    public init(
        version: UInt16 = Handshake.currentVersion, limits: WireLimits, tenantID: String, keyID: String, scopeBits: UInt8,
        supportsAnalytics: Bool = true
    ) {
        self.version = version
        self.limits = limits
        self.tenantID = tenantID
        self.keyID = keyID
        self.scopeBits = scopeBits
        self.supportsAnalytics = supportsAnalytics
    }

    public func frame() -> Frame {
        var writer = PayloadWriter()
        writer.write(version)
        writer.write(UInt16(0))
        writer.write(UInt32(clamping: limits.framePayloadByteCountMax))
        writer.write(UInt32(clamping: limits.batchCountMax))
        writer.write(UInt32(clamping: limits.kMax))
        writer.write(UInt32(clamping: limits.dimensionMax))
        writer.write(UInt32(clamping: limits.inFlightMax))
        writer.write(UInt32(clamping: limits.idleTimeout.wholeMilliseconds))
        writer.write(tenantID)
        writer.write(keyID)
        writer.write(scopeBits)
        if supportsAnalytics {
            writer.write(UInt32(clamping: limits.analyticsRowCountMax))
            writer.write(UInt32(clamping: limits.analyticsColumnCountMax))
            writer.write(UInt32(clamping: limits.sqlByteCountMax))
            writer.write(UInt32(clamping: limits.parameterCountMax))
        }
        return Frame(opcode: Opcode.hello, requestID: 0, payload: writer.bytes)
    }

    /// Decodes a HELLO payload; bytes after the known fields are ignored (§8).
    public init(payload: [UInt8]) throws(WireError) {
        var reader = PayloadReader(payload, context: "HELLO")
        version = try reader.read(UInt16.self, "version")
        _ = try reader.read(UInt16.self, "reserved")
        let frameMax = Int(try reader.read(UInt32.self, "frame_payload_max"))
        let batchMax = Int(try reader.read(UInt32.self, "batch_max"))
        let kMax = Int(try reader.read(UInt32.self, "k_max"))
        let dimensionMax = Int(try reader.read(UInt32.self, "dimension_max"))
        let inFlightMax = Int(try reader.read(UInt32.self, "in_flight_max"))
        let idleMilliseconds = Int64(try reader.read(UInt32.self, "idle_timeout_ms"))
        guard frameMax > 0, batchMax > 0, kMax > 0, dimensionMax > 0, inFlightMax > 0 else {
            throw .protocolError("HELLO advertises a zero limit")
        }
        limits = WireLimits(
            framePayloadByteCountMax: frameMax, batchCountMax: batchMax, kMax: kMax, dimensionMax: dimensionMax,
            inFlightMax: inFlightMax, idleTimeout: .milliseconds(idleMilliseconds))
        tenantID = try reader.readString("tenant id")
        keyID = try reader.readString("key id")
        scopeBits = try reader.read(UInt8.self, "scopes")
        // A server without analytics ends here; one with it appends its four analytics limits.
        supportsAnalytics = reader.remainingByteCount >= 16
        guard supportsAnalytics else { return }
        let rowsMax = Int(try reader.read(UInt32.self, "analytics_rows_max"))
        let columnsMax = Int(try reader.read(UInt32.self, "analytics_columns_max"))
        let sqlMax = Int(try reader.read(UInt32.self, "sql_bytes_max"))
        let parametersMax = Int(try reader.read(UInt32.self, "parameters_max"))
        guard rowsMax > 0, columnsMax > 0, sqlMax > 0 else { throw .protocolError("HELLO advertises a zero analytics limit") }
        limits.analyticsRowCountMax = rowsMax
        limits.analyticsColumnCountMax = columnsMax
        limits.sqlByteCountMax = sqlMax
        limits.parameterCountMax = parametersMax
    }
}

extension WireError {
    /// This error as an ERROR frame (docs/wire-protocol.md §5).
    public func frame() -> Frame {
        var writer = PayloadWriter(reservingCapacity: 8 + message.utf8.count)
        writer.write(code.rawValue)
        writer.write(retryAfterMilliseconds)
        writer.write(message)
        return Frame(opcode: Opcode.error, requestID: requestID, payload: writer.bytes)
    }

    /// Decodes an ERROR frame's payload; unknown codes read as `internal`.
    public init(errorPayload payload: [UInt8], requestID: UInt64) throws(WireError) {
        var reader = PayloadReader(payload, context: "ERROR")
        let code = try reader.read(UInt16.self, "code")
        let retryAfter = try reader.read(UInt16.self, "retry_after_ms")
        let message = try reader.readString("message")
        try reader.expectEnd()
        self.init(WireErrorCode(wireValue: code), message, requestID: requestID, retryAfterMilliseconds: retryAfter)
    }
}
