import CortexStorage
import Prometheus
import Synchronization

/// Storage gauges, refreshed when `/metrics` is scraped.
///
/// Per environment (label `environment`): map size, bytes in use, file size
/// and reader slots; for the system outbox: pending events and dead letters.
/// Gauges of environments that closed are unregistered so scrapes do not
/// report stale tenants forever.
final class StorageMetrics: Sendable {
    private struct EnvironmentGauges {
        let mapBytes: Gauge
        let usedBytes: Gauge
        let fileBytes: Gauge
        let readers: Gauge
    }

    private let registry: PrometheusCollectorRegistry
    private let engine: StorageEngine
    private let outbox: Outbox
    private let gauges = Mutex<[String: EnvironmentGauges]>([:])
    private let outboxPending: Gauge
    private let outboxDead: Gauge
    private let tenantsOpen: Gauge

    init(registry: PrometheusCollectorRegistry, engine: StorageEngine, outbox: Outbox) {
        self.registry = registry
        self.engine = engine
        self.outbox = outbox
        outboxPending = registry.makeGauge(descriptor: Self.name("outbox", "pending", "events", "Events waiting or in flight in the system outbox"))
        outboxDead = registry.makeGauge(descriptor: Self.name("outbox", "dead_letters", "events", "Events in the system outbox's dead-letter table"))
        tenantsOpen = registry.makeGauge(descriptor: Self.name("tenant", "environments_open", "count", "Tenant LMDB environments open now"))
    }

    /// Reads current values into the gauges.
    func refresh() throws {
        let statistics = engine.environmentStatistics()
        let seen = Set(statistics.map(\.name))
        gauges.withLock { gauges in
            for stale in gauges.keys where !seen.contains(stale) {
                if let old = gauges.removeValue(forKey: stale) {
                    for gauge in [old.mapBytes, old.usedBytes, old.fileBytes, old.readers] { registry.unregisterGauge(gauge) }
                }
            }
            for environment in statistics {
                let set = gauges[environment.name] ?? makeGauges(environment.name)
                gauges[environment.name] = set
                set.mapBytes.set(Int64(environment.mapByteCount))
                set.usedBytes.set(Int64(environment.usedByteCount))
                set.fileBytes.set(Int64(environment.fileByteCount))
                set.readers.set(Int64(environment.readerCount))
            }
        }
        tenantsOpen.set(Int64(statistics.count - 1))
        outboxPending.set(Int64(try outbox.pendingCount()))
        outboxDead.set(Int64(try outbox.deadLetterCount()))
    }

    private func makeGauges(_ name: String) -> EnvironmentGauges {
        let labels = [("environment", name)]
        return EnvironmentGauges(
            mapBytes: registry.makeGauge(descriptor: Self.name("lmdb", "map", "bytes", "LMDB map size"), labels: labels),
            usedBytes: registry.makeGauge(descriptor: Self.name("lmdb", "used", "bytes", "LMDB pages in use"), labels: labels),
            fileBytes: registry.makeGauge(descriptor: Self.name("lmdb", "file", "bytes", "Size of data.mdb"), labels: labels),
            readers: registry.makeGauge(descriptor: Self.name("lmdb", "readers", "count", "LMDB reader slots used so far (high-water mark)"), labels: labels))
    }

    /// `cortex_<subsystem>_<name>_<unit>`.
    private static func name(_ subsystem: String, _ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "cortex", subsystem: subsystem, metricName: name, unitName: unit, helpText: help)
    }
}
