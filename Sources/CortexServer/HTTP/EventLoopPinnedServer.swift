import HummingbirdCore
import Logging
import NIOCore

/// Runs each HTTP connection's task on the event loop that owns its socket.
///
/// By default Hummingbird handles a connection on Swift's cooperative pool:
/// every request then crosses threads twice (the event loop reads it and wakes
/// a pool thread; the pool thread writes the answer and wakes the event loop).
/// With one request in flight, those two wake-ups cost about as much CPU as a
/// vector query itself (docs/benchmarks.md, server cost table). Pinned, a
/// request is read, handled and answered on one thread; blocking or long work
/// still goes to the HTTP pool (``TenantWork``) and resumes here.
///
/// What the handlers may do inline is therefore what they may do on an event
/// loop: short CPU work and LMDB reads of an open environment (the documented
/// exceptions in docs/architecture.md, "Threads"); nothing that waits.
extension HTTPServerBuilder {
    /// Hummingbird's `.http1(configuration:)` with each connection pinned to its event loop.
    static func eventLoopPinnedHTTP1(configuration: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            EventLoopPinnedChannel(inner: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}

/// A child-channel setup that runs another one's `handle` with the channel's event loop as task executor.
struct EventLoopPinnedChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value
    let inner: Inner

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(loop: value.channel.eventLoop)) {
            await inner.handle(value: value, logger: logger)
        }
    }
}

/// A task executor that runs jobs on one NIO event loop (in its task queue, between I/O).
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}
