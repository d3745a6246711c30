public import CortexCore
package import Logging

/// Runs a handler over the outbox events of one topic: claim, handle,
/// acknowledge on success, `fail` (retry with backoff, then dead letter) on error.
public struct OutboxConsumer: Sendable {
    public let outbox: Outbox
    public let topic: String
    /// Name recorded as the lease owner (shows in dead letters and logs).
    public let consumer: String
    public var batchCountMax = 32
    /// How long a handler may take before its event is handed to someone else.
    public var lease: Duration = .seconds(30)
    /// Wait between polls when the topic is empty.
    public var pollInterval: Duration = .milliseconds(250)
    let logger: Logger

    package init(outbox: Outbox, topic: String, consumer: String, logger: Logger) {
        self.outbox = outbox
        self.topic = topic
        self.consumer = consumer
        self.logger = logger
    }

    public init(outbox: Outbox, topic: String, consumer: String) {
        self.init(outbox: outbox, topic: topic, consumer: consumer, logger: Logger(label: "cortex.outbox"))
    }

    /// Claims one batch and handles it; returns how many events were claimed.
    public func processBatch(
        _ handler: @Sendable (OutboxDelivery) async throws -> Void
    ) async throws(CortexError) -> Int {
        let deliveries = try await outbox.claim(topic: topic, consumer: consumer, countMax: batchCountMax, lease: lease)
        for delivery in deliveries {
            do {
                try await handler(delivery)
            } catch {
                logger.warning("outbox handler failed", metadata: [
                    "topic": "\(topic)", "sequence": "\(delivery.sequence)", "attempt": "\(delivery.attempt)",
                    "error": "\(error)",
                ])
                try await settle { () async throws(CortexError) in try await outbox.fail(delivery, reason: "\(error)") }
                continue
            }
            try await settle { () async throws(CortexError) in try await outbox.acknowledge(delivery) }
        }
        return deliveries.count
    }

    /// Processes batches until the task is cancelled, sleeping `pollInterval` when idle.
    public func run(_ handler: @Sendable (OutboxDelivery) async throws -> Void) async {
        while !Task.isCancelled {
            let handled: Int
            do throws(CortexError) {
                handled = try await processBatch(handler)
            } catch {
                logger.error("outbox claim failed", metadata: ["topic": "\(topic)", "error": "\(error)"])
                handled = 0
            }
            if handled == 0 {
                do { try await Task.sleep(for: pollInterval) } catch { return }  // cancelled: stop
            }
        }
    }

    /// Acknowledging or failing a delivery whose lease was lost is not an error
    /// for the consumer: the event is someone else's now (at-least-once).
    private func settle(_ operation: () async throws(CortexError) -> Void) async throws(CortexError) {
        do {
            try await operation()
        } catch where error.code == .conflict || error.code == .notFound {
            logger.notice("outbox delivery superseded", metadata: ["topic": "\(topic)", "reason": "\(error.message)"])
        }
    }
}
