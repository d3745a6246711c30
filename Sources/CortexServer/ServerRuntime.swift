import CortexCore
import CortexStorage
import Hummingbird
public import Logging
import Metrics
import NIOCore
public import Prometheus
import ServiceLifecycle
import UnixSignals

/// Opens storage, serves HTTP until SIGTERM/SIGINT, then shuts down in order:
/// stop accepting, drain in-flight requests, close every environment.
public enum ServerRuntime {
    /// Runs the server; returns after a graceful shutdown.
    ///
    /// - Parameters:
    ///   - registry: the Prometheus registry that `MetricsSystem` was bootstrapped with.
    public static func run(settings: ServerSettings, registry: PrometheusCollectorRegistry, logger: Logger) async throws {
        let engine = try StorageEngine(options: settings.storage, clock: SystemEpochClock(), logger: logger)
        defer {
            engine.close()
            logger.info("storage closed")
        }
        let outbox = try Outbox(environment: engine.system)
        let storageMetrics = StorageMetrics(registry: registry, engine: engine, outbox: outbox)

        let router = Router()
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ErrorMiddleware())
        SystemRoutes(engine: engine, registry: registry, storageMetrics: storageMetrics,
                     metricsBearerToken: settings.metricsBearerToken).register(on: router)

        let app = Application(
            router: router,
            configuration: .init(address: .hostname(settings.host, port: settings.httpPort), serverName: "cortex"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.httpPort
                // The wire protocol listener arrives with issue 5; until then it is reported as off.
                logger.notice("listening http=\(port) wire=off", metadata: ["host": "\(settings.host)", "data": "\(settings.storage.dataDirectory)"])
            },
            logger: logger)
        let sweeper = IdleSweeper(engine: engine, interval: settings.idleSweepInterval, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: sweeper)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.info("http server drained")
    }
}

/// Closes tenant environments that have been idle for the configured time.
struct IdleSweeper: Service {
    let engine: StorageEngine
    let interval: Duration
    let logger: Logger

    func run() async throws {
        // Graceful shutdown cancels the sleep, so shutdown never waits a whole interval.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
                let closed = engine.closeIdleTenants()
                if closed > 0 { logger.debug("closed idle tenant environments", metadata: ["count": "\(closed)"]) }
            }
        }
    }
}
