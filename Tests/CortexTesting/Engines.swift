public import CortexCore
public import CortexStorage

/// Opens storage engines in temporary folders for tests.
public enum Engines {
    /// A fresh engine in a new temporary folder; keep `directory` alive as long as the engine.
    public static func temporary(
        mapByteCountInitial: Int = 1 << 20, clock: any EpochClock = SystemEpochClock(),
        tenantsOpenMax: Int = 16, tenantIdleTimeout: Duration = .seconds(300)
    ) throws -> (engine: StorageEngine, directory: TemporaryDirectory) {
        let directory = TemporaryDirectory("cortex-storage")
        let engine = try StorageEngine(options: options(directory.child("data"), mapByteCountInitial: mapByteCountInitial,
                                                        tenantsOpenMax: tenantsOpenMax, tenantIdleTimeout: tenantIdleTimeout),
                                       clock: clock)
        return (engine, directory)
    }

    public static func options(
        _ path: String, mapByteCountInitial: Int = 1 << 20, tenantsOpenMax: Int = 16, tenantIdleTimeout: Duration = .seconds(300)
    ) -> StorageOptions {
        StorageOptions(
            dataDirectory: path,
            environment: EnvironmentOptions(mapByteCountInitial: mapByteCountInitial, mapByteCountMax: 1 << 32),
            tenantsOpenMax: tenantsOpenMax, tenantIdleTimeout: tenantIdleTimeout, writerThreadCount: 4)
    }
}
