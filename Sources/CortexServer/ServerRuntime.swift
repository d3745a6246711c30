import CortexAnalytics
import CortexApp
import CortexCore
import CortexStorage
import CortexVector
import CortexWire
import Hummingbird
public import Logging
import Metrics
import NIOCore
import NIOPosix
public import Prometheus
import ServiceLifecycle
import UnixSignals

/// Opens storage, serves HTTP and the wire protocol until SIGTERM/SIGINT, then
/// shuts down in order: stop accepting, drain in-flight requests, close every environment.
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

        // HTTP requests' storage work (key checks, LMDB transactions) runs here, never on the cooperative pool.
        let httpPool = NIOThreadPool(numberOfThreads: settings.wireThreadCount == 0 ? System.coreCount : settings.wireThreadCount)
        httpPool.start()
        let router = Router(context: CortexRequestContext.self)
        // Outermost, so preflights are answered before authentication and error responses get CORS headers too.
        router.add(middleware: CORSMiddleware(list: settings.corsOrigins))
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: RequestMetricsMiddleware())
        router.add(middleware: ErrorMiddleware())
        SystemRoutes(engine: engine, registry: registry, storageMetrics: storageMetrics,
                     metricsBearerToken: settings.metricsBearerToken).register(on: router)
        let authExecutor = ThreadPoolExecutor(pool: httpPool)
        let auth = try await AuthService(engine: engine, options: settings.auth, executor: authExecutor)
        if auth.tokens.isEphemeral {
            logger.warning("auth.jwt_keys is not set: access tokens are signed with a random key and stop working when the server restarts")
        }
        let authRoutes = AuthRoutes(auth: auth)
        let rateLimit = settings.rateLimit
        let addressLimiter = TokenBucketLimiter(
            burst: rateLimit.anonymousRequestsPerMinute, refillPerSecond: Double(rateLimit.anonymousRequestsPerMinute) / 60)
        authRoutes.registerPublic(
            on: router.group("api/v1/auth").add(middleware: RateLimitMiddleware(limiter: addressLimiter, subject: .clientAddress)))
        let principalLimiter = TokenBucketLimiter(burst: rateLimit.burst, refillPerSecond: Double(rateLimit.requestsPerSecond))
        let authentication = Authentication(
            bearer: BearerAuthMiddleware(auth: auth), rateLimit: RateLimitMiddleware(limiter: principalLimiter, subject: .principal))
        let api = authentication.guarding(router.group("api/v1"))
        authRoutes.registerAuthenticated(on: api)
        APIKeyRoutes(auth: auth).register(on: api)
        TenantRoutes(auth: auth).register(on: api)
        let work = TenantWork(engine: engine, pool: httpPool, bodyByteCountMax: settings.httpBodyByteCountMax)
        let embedder = TextEmbedder(provider: try await EmbeddingProviders.make(settings.embedding, logger: logger))
        CollectionRoutes(work: work, embedder: embedder).register(on: api)
        EmbeddingRoutes(embedder: embedder, work: work, authentication: authentication).register(on: router)
        // Conversation analytics (DATA/analytics; one process per folder, enforced by its lock). With a
        // backup target, its append log is kept until shipped (Backups.ship), not only until sealed.
        var analyticsOptions = AnalyticsTableOptions()
        analyticsOptions.keepsLogUntilShipped = settings.backup.target != nil
        let analytics = AnalyticsAccess(
            store: try AnalyticsStore(folder: settings.storage.dataDirectory + "/analytics", options: analyticsOptions),
            numbers: try AnalyticsTenantNumbers(engine: engine))
        AnalyticsRoutes(analytics: analytics, work: work).register(on: api)
        ChromaRoutes(work: work, authentication: authentication).register(on: router)
        // Backups run on threads of their own: a long snapshot never holds up requests or shipping.
        let backupPool = NIOThreadPool(numberOfThreads: 2)
        backupPool.start()
        let backups = try Backups(engine: engine, analytics: analytics.store, settings: settings.backup, executor: ThreadPoolExecutor(pool: backupPool), logger: logger)
        BackupRoutes(backups: backups).register(on: api)

        let wire = try await WireListener.bind(
            host: settings.host, port: settings.wirePort,
            services: try wireServices(settings: settings, engine: engine, analytics: analytics, rateLimiter: principalLimiter, logger: logger))
        let app = Application(
            router: router,
            server: .eventLoopPinnedHTTP1(),
            configuration: .init(address: .hostname(settings.host, port: settings.httpPort), serverName: "cortex"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.httpPort
                logger.notice("listening http=\(port) wire=\(wire.port)", metadata: ["host": "\(settings.host)", "data": "\(settings.storage.dataDirectory)"])
            },
            logger: logger)
        let sweeper = IdleSweeper(engine: engine, interval: settings.idleSweepInterval, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: app), .init(service: wire), .init(service: sweeper),
                .init(service: AuthSweeper(auth: auth, executor: authExecutor, logger: logger)),
                .init(service: BackupService(backups: backups)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.info("http server drained")
        // Every HTTP request has finished, so no work is waiting for the pools.
        for (name, pool) in [("HTTP", httpPool), ("backup", backupPool)] {
            do {
                try await pool.shutdownGracefully()
            } catch {
                logger.warning("\(name) thread pool did not stop cleanly", metadata: ["error": "\(error)"])
            }
        }
    }

    /// What the wire listener's connections share; the thread pool is started here and stopped by the listener.
    ///
    /// `rateLimiter` is the HTTP routes' per-caller limiter: a key's wire requests and HTTP requests draw on one bucket.
    private static func wireServices(
        settings: ServerSettings, engine: StorageEngine, analytics: AnalyticsAccess, rateLimiter: TokenBucketLimiter, logger: Logger
    ) throws(CortexError) -> WireServices {
        let limits = WireLimits(
            framePayloadByteCountMax: Limits.wireFramePayloadByteCountMax, batchCountMax: Limits.wireBatchCountMax,
            kMax: VectorLimits.kMax, dimensionMax: VectorLimits.dimensionMax, inFlightMax: Limits.wireInFlightRequestCountMax,
            idleTimeout: settings.wireIdleTimeout, analyticsRowCountMax: Limits.wireAnalyticsRowCountMax,
            analyticsColumnCountMax: AnalyticsLimits.columnCountMax, sqlByteCountMax: AnalyticsLimits.sqlByteCountMax,
            parameterCountMax: Limits.wireAnalyticsParameterCountMax)
        // The wire's advertised limits are the engine's: a request within them never fails on a lower engine limit.
        assert(Limits.wireAnalyticsColumnCountMax == AnalyticsLimits.columnCountMax, "wire and engine column limits differ")
        assert(Limits.wireAnalyticsSQLByteCountMax == AnalyticsLimits.sqlByteCountMax, "wire and engine SQL limits differ")
        assert(Limits.wireAnalyticsResultRowCountMax == AnalyticsLimits.resultRowCountMax, "wire and engine result limits differ")
        let threadPool = NIOThreadPool(numberOfThreads: settings.wireThreadCount == 0 ? System.coreCount : settings.wireThreadCount)
        threadPool.start()
        return WireServices(
            limits: limits, handshakeTimeout: Limits.wireHandshakeTimeout, keys: try APIKeyStore(engine: engine),
            dispatcher: WireDispatcher(engine: engine, analytics: analytics, limits: limits), rateLimiter: rateLimiter,
            threadPool: threadPool, metrics: WireMetrics(), logger: logger)
    }
}

/// Closes tenant environments that have been idle for the configured time.
struct IdleSweeper: Service {
    let engine: StorageEngine
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await runEvery(interval) {
            let closed = engine.closeIdleTenants()
            if closed > 0 { logger.debug("closed idle tenant environments", metadata: ["count": "\(closed)"]) }
        }
    }
}

/// Deletes expired sessions, refresh tokens and old invitations from the system environment (docs/auth.md §3, §7).
struct AuthSweeper: Service {
    /// How often; each pass deletes at most 1,000 tokens, 1,000 sessions and 1,000 invitations.
    static let interval: Duration = .seconds(600)

    let auth: AuthService
    let executor: any BlockingExecutor
    let logger: Logger

    func run() async throws {
        await runEvery(Self.interval) {
            let (sessions, invitations) = (auth.sessions, auth.invitations)
            do {
                let deleted = try await executor.run { () throws(CortexError) in try sessions.sweepExpired() + invitations.sweepExpired() }
                if deleted > 0 { logger.debug("deleted expired sessions, refresh tokens and invitations", metadata: ["count": "\(deleted)"]) }
            } catch {
                // The next pass tries again; expired entries are refused meanwhile, so nothing is at risk.
                logger.warning("sweeping expired sessions failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// Runs `body` every `interval` until graceful shutdown, which cancels the sleep, so shutdown never waits a whole interval.
func runEvery(_ interval: Duration, _ body: @escaping @Sendable () async -> Void) async {
    await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            await body()
        }
    }
}
