public import CortexCore

/// When and how often a failed delivery is retried.
public struct RetryPolicy: Sendable, Equatable {
    /// Deliveries before an event moves to the dead-letter table (≥ 1).
    public var attemptsMax: UInt32
    /// Wait after the first failure; doubles with each further failure.
    public var backoffInitial: Duration
    /// Upper bound of the wait.
    public var backoffMax: Duration

    public init(attemptsMax: UInt32 = 8, backoffInitial: Duration = .seconds(1), backoffMax: Duration = .seconds(300)) {
        precondition(attemptsMax >= 1, "an event needs at least one attempt")
        precondition(backoffInitial >= .zero && backoffMax >= backoffInitial, "backoff bounds out of order")
        self.attemptsMax = attemptsMax
        self.backoffInitial = backoffInitial
        self.backoffMax = backoffMax
    }

    /// Milliseconds to wait after failed attempt number `attempt` (1-based): initial × 2^(attempt−1), capped.
    public func backoffMilliseconds(afterAttempt attempt: UInt32) -> Int64 {
        let initial = backoffInitial.wholeMilliseconds
        let cap = backoffMax.wholeMilliseconds
        let doublings = min(Int64(max(attempt, 1) - 1), 40)
        let (scaled, overflow) = initial.multipliedReportingOverflow(by: Int64(1) << doublings)
        return overflow ? cap : min(scaled, cap)
    }
}

/// A durable event queue inside one LMDB environment (replaces RabbitMQ/Kafka).
///
/// - Enqueue in the **same write transaction** as the state change the event
///   describes: both commit or neither does.
/// - Consumers ``claim(topic:consumer:countMax:lease:)`` events, which leases
///   them; ``acknowledge(_:)`` removes a delivered event, ``fail(_:reason:)``
///   schedules a retry with exponential backoff. A consumer that dies simply
///   lets its lease expire and the event is claimed again: delivery is
///   at-least-once, so consumers deduplicate on the sequence number.
/// - An event that has used ``RetryPolicy/attemptsMax`` deliveries moves to the
///   dead-letter table, where it can be inspected, redriven or purged.
///
/// Tables: `outbox.events` (sequence → event), `outbox.ready` ((topic,
/// availableAt, sequence) → ∅, the claim order), `outbox.dead` (sequence → dead
/// letter), `outbox.meta` (name → counter). Everything is LMDB state, so the
/// outbox survives restarts and crashes exactly as far as commits did.
public struct Outbox: Sendable {
    public let environment: Environment
    public let policy: RetryPolicy
    let clock: any EpochClock
    let events: Table<UInt64, OutboxEvent>
    let ready: Table<KeyTriple<String, Int64, UInt64>, EmptyValue>
    let dead: Table<UInt64, DeadLetter>
    let meta: Table<String, UInt64>

    private static let nextSequenceKey = "next_sequence"

    /// Opens the outbox tables of `environment` (creating them on first use).
    public init(environment: Environment, policy: RetryPolicy = RetryPolicy(), clock: any EpochClock = SystemEpochClock()) throws(CortexError) {
        self.environment = environment
        self.policy = policy
        self.clock = clock
        events = try environment.table("outbox.events")
        ready = try environment.table("outbox.ready")
        dead = try environment.table("outbox.dead")
        meta = try environment.table("outbox.meta")
    }

    /// Adds an event in the caller's write transaction; returns its sequence number.
    @discardableResult
    public func enqueue(topic: String, payload: [UInt8], in transaction: inout WriteTransaction) throws(CortexError) -> UInt64 {
        guard !topic.isEmpty, topic.utf8.count <= Limits.outboxTopicByteCountMax else {
            throw .invalidInput("outbox topic must be 1-\(Limits.outboxTopicByteCountMax) bytes; got \(topic.utf8.count)")
        }
        guard payload.count <= Limits.outboxPayloadByteCountMax else {
            throw .tooLarge("outbox payload is \(payload.count) bytes; the limit is \(Limits.outboxPayloadByteCountMax)")
        }
        let sequence = try meta.get(Self.nextSequenceKey, in: transaction) ?? 1
        try meta.put(sequence + 1, for: Self.nextSequenceKey, in: &transaction)
        let now = clock.nowMilliseconds()
        let event = OutboxEvent(
            topic: topic, payload: payload, createdAt: now, attempts: 0, availableAt: now, leaseOwner: nil, lastError: nil)
        try events.put(event, for: sequence, in: &transaction)
        try ready.put(EmptyValue(), for: KeyTriple(topic, now, sequence), in: &transaction)
        return sequence
    }

    /// Leases up to `countMax` events of `topic` that are due, oldest due first.
    ///
    /// Each returned delivery is leased to `consumer` until `leaseExpiresAt`.
    /// Events whose attempts are already used up (their consumer kept dying)
    /// move to the dead-letter table instead of being delivered again.
    public func claim(topic: String, consumer: String, countMax: Int, lease: Duration) async throws(CortexError) -> [OutboxDelivery] {
        guard (1...Limits.outboxClaimCountMax).contains(countMax) else {
            throw .invalidInput("claim count must be 1-\(Limits.outboxClaimCountMax); got \(countMax)")
        }
        guard lease > .zero else { throw .invalidInput("lease must be positive") }
        let outbox = self
        return try await environment.write { (transaction: inout WriteTransaction) throws(CortexError) -> [OutboxDelivery] in
            try outbox.claimDue(topic: topic, consumer: consumer, countMax: countMax, lease: lease, in: &transaction)
        }
    }

    func claimDue(
        topic: String, consumer: String, countMax: Int, lease: Duration, in transaction: inout WriteTransaction
    ) throws(CortexError) -> [OutboxDelivery] {
        let now = clock.nowMilliseconds()
        let due = try ready.entries(
            in: transaction, range: .from(KeyTriple(topic, Int64.min, 0), through: KeyTriple(topic, now, UInt64.max)),
            limit: countMax)
        var deliveries: [OutboxDelivery] = []
        for (readyKey, _) in due {
            let sequence = readyKey.third
            guard var event = try events.get(sequence, in: transaction) else {
                throw .corrupt("outbox index names event \(sequence), which does not exist")
            }
            try ready.delete(readyKey, in: &transaction)
            if event.attempts >= policy.attemptsMax {
                let reason = event.lastError ?? "lease expired \(event.attempts) times without acknowledgement"
                try moveToDeadLetters(sequence, event, reason: reason, now: now, in: &transaction)
                continue
            }
            event.attempts += 1
            event.leaseOwner = consumer
            event.availableAt = now + lease.wholeMilliseconds
            try events.put(event, for: sequence, in: &transaction)
            try ready.put(EmptyValue(), for: KeyTriple(topic, event.availableAt, sequence), in: &transaction)
            deliveries.append(OutboxDelivery(
                sequence: sequence, topic: topic, payload: event.payload, createdAt: event.createdAt,
                attempt: event.attempts, leaseExpiresAt: event.availableAt))
        }
        return deliveries
    }

    /// Removes a delivered event. Throws `.conflict` if the delivery is stale
    /// (the lease expired and the event was claimed again) and `.notFound` if it
    /// was already acknowledged.
    public func acknowledge(_ delivery: OutboxDelivery) async throws(CortexError) {
        let outbox = self
        try await environment.write { (transaction: inout WriteTransaction) throws(CortexError) in
            let event = try outbox.currentEvent(for: delivery, in: transaction)
            try outbox.events.delete(delivery.sequence, in: &transaction)
            try outbox.ready.delete(KeyTriple(event.topic, event.availableAt, delivery.sequence), in: &transaction)
        }
    }

    /// Records a failed delivery: retries after the policy's backoff, or moves
    /// the event to the dead-letter table when this was its last attempt.
    public func fail(_ delivery: OutboxDelivery, reason: String) async throws(CortexError) {
        let outbox = self
        try await environment.write { (transaction: inout WriteTransaction) throws(CortexError) in
            var event = try outbox.currentEvent(for: delivery, in: transaction)
            let now = outbox.clock.nowMilliseconds()
            try outbox.ready.delete(KeyTriple(event.topic, event.availableAt, delivery.sequence), in: &transaction)
            event.lastError = String(reason.prefix(1000))
            event.leaseOwner = nil
            if event.attempts >= outbox.policy.attemptsMax {
                try outbox.moveToDeadLetters(delivery.sequence, event, reason: event.lastError ?? reason, now: now, in: &transaction)
                return
            }
            event.availableAt = now + outbox.policy.backoffMilliseconds(afterAttempt: event.attempts)
            try outbox.events.put(event, for: delivery.sequence, in: &transaction)
            try outbox.ready.put(EmptyValue(), for: KeyTriple(event.topic, event.availableAt, delivery.sequence), in: &transaction)
        }
    }

    private func currentEvent(for delivery: OutboxDelivery, in transaction: borrowing WriteTransaction) throws(CortexError) -> OutboxEvent {
        guard let event = try events.get(delivery.sequence, in: transaction) else {
            throw .notFound("outbox event \(delivery.sequence) is no longer pending (acknowledged or dead-lettered)")
        }
        guard event.attempts == delivery.attempt else {
            throw .conflict(
                "outbox event \(delivery.sequence): delivery attempt \(delivery.attempt) is stale; attempt \(event.attempts) holds it now")
        }
        return event
    }

    private func moveToDeadLetters(
        _ sequence: UInt64, _ event: OutboxEvent, reason: String, now: Int64, in transaction: inout WriteTransaction
    ) throws(CortexError) {
        try events.delete(sequence, in: &transaction)
        try dead.put(DeadLetter(event: event, failedAt: now, reason: reason), for: sequence, in: &transaction)
    }
}

// MARK: - Inspection and dead letters

extension Outbox {
    /// Events waiting or in flight.
    public func pendingCount() throws(CortexError) -> Int {
        try environment.read { transaction throws(CortexError) in try events.count(in: transaction) }
    }

    /// Events in the dead-letter table.
    public func deadLetterCount() throws(CortexError) -> Int {
        try environment.read { transaction throws(CortexError) in try dead.count(in: transaction) }
    }

    /// Up to `limit` dead letters, oldest sequence first, starting after `sequence`.
    public func deadLetters(after sequence: UInt64 = 0, limit: Int = 100) throws(CortexError) -> [(sequence: UInt64, letter: DeadLetter)] {
        try environment.read { transaction throws(CortexError) in
            try dead.entries(in: transaction, range: .after(sequence), limit: limit).map { ($0.key, $0.value) }
        }
    }

    /// Puts a dead letter back in the queue with a fresh attempt budget, due now.
    public func redrive(sequence: UInt64) async throws(CortexError) {
        let outbox = self
        try await environment.write { (transaction: inout WriteTransaction) throws(CortexError) in
            guard let letter = try outbox.dead.get(sequence, in: transaction) else {
                throw .notFound("no dead letter with sequence \(sequence)")
            }
            var event = letter.event
            event.attempts = 0
            event.leaseOwner = nil
            event.availableAt = outbox.clock.nowMilliseconds()
            try outbox.dead.delete(sequence, in: &transaction)
            try outbox.events.put(event, for: sequence, in: &transaction)
            try outbox.ready.put(EmptyValue(), for: KeyTriple(event.topic, event.availableAt, sequence), in: &transaction)
        }
    }

    /// Deletes a dead letter for good; returns whether it existed.
    @discardableResult
    public func purgeDeadLetter(sequence: UInt64) async throws(CortexError) -> Bool {
        let dead = self.dead
        return try await environment.write { (transaction: inout WriteTransaction) throws(CortexError) -> Bool in
            try dead.delete(sequence, in: &transaction)
        }
    }
}
