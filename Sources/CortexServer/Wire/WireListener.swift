import CortexWire
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The wire-protocol TCP listener (docs/wire-protocol.md), a ServiceLifecycle service.
///
/// ``bind(host:port:services:)`` opens the socket before the service group
/// starts, so the start-up log line can name the real port. On graceful
/// shutdown ``run()`` stops accepting, tells every connection to finish its
/// in-flight requests and close, waits for them, then stops the thread pool.
final class WireListener: Service, Sendable {
    let services: WireServices
    private let serverChannel: any Channel
    private let connections: WireConnections

    /// The port the listener is bound to (the kernel's choice when asked for 0).
    let port: Int

    private init(services: WireServices, serverChannel: any Channel, connections: WireConnections) {
        self.services = services
        self.serverChannel = serverChannel
        self.connections = connections
        port = serverChannel.localAddress?.port ?? 0
    }

    /// Binds `host:port` and starts accepting. Throws what the socket layer throws (port in use, bad address).
    static func bind(host: String, port: Int, services: WireServices) async throws -> WireListener {
        let connections = WireConnections()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(WireConnectionHandler(services: services))
                    connections.add(channel)
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        return WireListener(services: services, serverChannel: channel, connections: connections)
    }

    func run() async throws {
        let serverChannel = self.serverChannel
        await withGracefulShutdownHandler {
            do {
                try await serverChannel.closeFuture.get()
            } catch {
                services.logger.warning("wire listener closed with an error", metadata: ["error": "\(error)"])
            }
        } onGracefulShutdown: {
            serverChannel.close(promise: nil)
        }
        await connections.drain()
        services.logger.info("wire listener drained")
        do {
            try await services.threadPool.shutdownGracefully()
        } catch {
            services.logger.warning("wire thread pool did not stop cleanly", metadata: ["error": "\(error)"])
        }
    }
}

/// Open wire connections, so shutdown can reach and await each one.
final class WireConnections: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = channels.withLock { $0.removeValue(forKey: key) }
        }
    }

    /// Asks every connection to finish and close, and waits until all have closed.
    func drain() async {
        let open = channels.withLock { Array($0.values) }
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(WireShutdownEvent())
        }
        for channel in open {
            do {
                try await channel.closeFuture.get()
            } catch {
                // closeFuture fails only if close itself failed; the channel is gone either way.
            }
        }
    }
}
