/// How an LMDB environment is opened and grown.
public struct EnvironmentOptions: Sendable, Equatable {
    /// Map size for a new environment, in bytes. The map is virtual address
    /// space, not disk: the file grows only as pages are written.
    public var mapByteCountInitial: Int
    /// The map doubles on `MDB_MAP_FULL` up to this size; beyond it writes fail with `.tooLarge`.
    public var mapByteCountMax: Int
    /// Whether every write transaction that changes a table also stores a change record
    /// (tables `changelog.records` / `changelog.meta`, in the same transaction). On by default:
    /// log shipping and point-in-time restore need it; only tools that write throwaway
    /// environments turn it off.
    public var keepsChangeLog: Bool

    public init(mapByteCountInitial: Int = 64 << 20, mapByteCountMax: Int = 256 << 30, keepsChangeLog: Bool = true) {
        precondition(mapByteCountInitial > 0, "initial map size must be positive")
        precondition(mapByteCountMax >= mapByteCountInitial, "map size maximum below the initial size")
        self.mapByteCountInitial = mapByteCountInitial
        self.mapByteCountMax = mapByteCountMax
        self.keepsChangeLog = keepsChangeLog
    }
}

/// A point-in-time view of an environment's size, for metrics and `cortex admin`.
public struct EnvironmentStatistics: Sendable, Equatable {
    /// The environment's name: `system` or `tenant/<id>`.
    public var name: String
    /// Current map size in bytes.
    public var mapByteCount: Int
    /// Pages in use (last used page number + 1).
    public var pageCountUsed: Int
    public var pageByteCount: Int
    /// Size of the data file on disk.
    public var fileByteCount: Int
    /// Reader slots in use.
    public var readerCount: Int

    /// Bytes of the map that hold pages.
    public var usedByteCount: Int { pageCountUsed * pageByteCount }
}
