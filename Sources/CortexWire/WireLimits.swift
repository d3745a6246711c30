public import CortexCore

/// The limits one connection runs under; the server sends them in HELLO
/// (docs/wire-protocol.md §2.2, §6). Decoders check every count against them
/// before reserving memory.
public struct WireLimits: Sendable, Equatable {
    /// Largest frame payload, in bytes (the 16 header bytes not counted).
    public var framePayloadByteCountMax: Int
    /// Most records in one UPSERT, ids in one GET/DELETE, records one GET returns.
    public var batchCountMax: Int
    /// Largest `k` of a QUERY.
    public var kMax: Int
    /// Largest vector dimension.
    public var dimensionMax: Int
    /// Requests the server works on at once for one connection.
    public var inFlightMax: Int
    /// A connection with nothing in flight and no bytes for this long is closed.
    public var idleTimeout: Duration
    /// Most rows in one ANALYTICS_APPEND.
    public var analyticsRowCountMax: Int
    /// Most columns in one ANALYTICS_APPEND.
    public var analyticsColumnCountMax: Int
    /// Longest SQL text of an ANALYTICS_SQL, in bytes.
    public var sqlByteCountMax: Int
    /// Most `$name` parameters of an ANALYTICS_SQL.
    public var parameterCountMax: Int

    public init(
        framePayloadByteCountMax: Int = Limits.wireFramePayloadByteCountMax, batchCountMax: Int = Limits.wireBatchCountMax,
        kMax: Int = 4096, dimensionMax: Int = 4096, inFlightMax: Int = Limits.wireInFlightRequestCountMax,
        idleTimeout: Duration = Limits.wireIdleTimeoutDefault, analyticsRowCountMax: Int = Limits.wireAnalyticsRowCountMax,
        analyticsColumnCountMax: Int = Limits.wireAnalyticsColumnCountMax, sqlByteCountMax: Int = Limits.wireAnalyticsSQLByteCountMax,
        parameterCountMax: Int = Limits.wireAnalyticsParameterCountMax
    ) {
        precondition(framePayloadByteCountMax > 0 && framePayloadByteCountMax <= Int(UInt32.max), "frame limit out of range")
        precondition(batchCountMax > 0 && kMax > 0 && dimensionMax > 0 && inFlightMax > 0, "limits must be positive")
        precondition(analyticsRowCountMax > 0 && analyticsColumnCountMax > 0 && sqlByteCountMax > 0 && parameterCountMax >= 0, "analytics limits out of range")
        self.framePayloadByteCountMax = framePayloadByteCountMax
        self.batchCountMax = batchCountMax
        self.kMax = kMax
        self.dimensionMax = dimensionMax
        self.inFlightMax = inFlightMax
        self.idleTimeout = idleTimeout
        self.analyticsRowCountMax = analyticsRowCountMax
        self.analyticsColumnCountMax = analyticsColumnCountMax
        self.sqlByteCountMax = sqlByteCountMax
        self.parameterCountMax = parameterCountMax
    }
}
