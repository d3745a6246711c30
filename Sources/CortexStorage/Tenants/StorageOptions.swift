/// Where and how the storage engine keeps its environments.
public struct StorageOptions: Sendable, Equatable {
    /// The data folder (`DATA`): `system/`, `tenants/<id>/`, the `CORTEX` marker and `LOCK`.
    public var dataDirectory: String
    /// Map sizes for every environment.
    public var environment: EnvironmentOptions
    /// Tenant environments kept open at once; the least recently used idle one closes beyond it.
    public var tenantsOpenMax: Int
    /// A tenant environment unused this long is closed by ``StorageEngine/closeIdleTenants()``.
    public var tenantIdleTimeout: Duration
    /// Threads that run write transactions (and their fsyncs) for all environments.
    public var writerThreadCount: Int

    public init(
        dataDirectory: String,
        environment: EnvironmentOptions = EnvironmentOptions(),
        tenantsOpenMax: Int = 256,
        tenantIdleTimeout: Duration = .seconds(300),
        writerThreadCount: Int = 8
    ) {
        self.dataDirectory = dataDirectory
        self.environment = environment
        self.tenantsOpenMax = tenantsOpenMax
        self.tenantIdleTimeout = tenantIdleTimeout
        self.writerThreadCount = writerThreadCount
    }
}
