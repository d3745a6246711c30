import CortexCore
import CortexStorage
import CortexTesting
import Testing

@Suite struct OutboxTests {
    private let policy = RetryPolicy(attemptsMax: 3, backoffInitial: .seconds(2), backoffMax: .seconds(60))

    private func claim(_ outbox: Outbox, count: Int = 10, lease: Duration = .seconds(30)) async throws -> [OutboxDelivery] {
        try await outbox.claim(topic: "mail", consumer: "worker-1", countMax: count, lease: lease)
    }

    @Test func eventsCommitOrAbortWithTheStateChangeTheyDescribe() async throws {
        let clock = ManualEpochClock()
        let (engine, directory) = try Engines.temporary(clock: clock)
        defer { engine.close(); _ = directory }
        let outbox = try Outbox(environment: engine.system, policy: policy, clock: clock)
        let orders: Table<UInt64, [UInt8]> = try engine.system.table("orders")
        try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
            try orders.put([1], for: 1, in: &tx)
            try outbox.enqueue(topic: "mail", payload: Array("order 1".utf8), in: &tx)
        }
        #expect(throws: CortexError.self) {
            try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
                try orders.put([2], for: 2, in: &tx)
                try outbox.enqueue(topic: "mail", payload: Array("order 2".utf8), in: &tx)
                throw .conflict("payment declined")
            }
        }
        let deliveries = try await claim(outbox)
        #expect(deliveries.map { String(decoding: $0.payload, as: UTF8.self) } == ["order 1"])
        #expect(try orders.get(2, in: engine.system) == nil)
    }

    @Test func acknowledgedEventsAreGoneAndOthersWaitForTheirLease() async throws {
        let clock = ManualEpochClock()
        let (engine, directory) = try Engines.temporary(clock: clock)
        defer { engine.close(); _ = directory }
        let outbox = try Outbox(environment: engine.system, policy: policy, clock: clock)
        try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
            for index in 0..<3 { try outbox.enqueue(topic: "mail", payload: [UInt8(index)], in: &tx) }
            try outbox.enqueue(topic: "other", payload: [9], in: &tx)
        }
        let first = try await claim(outbox, count: 2)
        #expect(first.map(\.sequence) == [1, 2])
        #expect(first.allSatisfy { $0.attempt == 1 })
        try await outbox.acknowledge(first[0])
        // Event 2 is leased, event 3 is free: the next claim gets only 3.
        #expect(try await claim(outbox).map(\.sequence) == [3])
        #expect(try await claim(outbox).isEmpty)
        // The consumer of event 2 died: after the lease it is delivered again, attempt 2.
        clock.advance(by: .seconds(31))
        let redelivered = try await claim(outbox)
        #expect(redelivered.map(\.sequence) == [2, 3])
        #expect(redelivered.map(\.attempt) == [2, 2])
        // The stale first delivery of event 2 can no longer acknowledge it.
        await #expect(throws: CortexError.conflict(
            "outbox event 2: delivery attempt 1 is stale; attempt 2 holds it now")) {
            try await outbox.acknowledge(first[1])
        }
        for delivery in redelivered { try await outbox.acknowledge(delivery) }
        await #expect(throws: CortexError.notFound(
            "outbox event 2 is no longer pending (acknowledged or dead-lettered)")) {
            try await outbox.acknowledge(redelivered[0])
        }
        #expect(try outbox.pendingCount() == 1)  // only the "other" topic's event
    }

    @Test func failuresBackOffExponentiallyThenDeadLetter() async throws {
        let clock = ManualEpochClock()
        let (engine, directory) = try Engines.temporary(clock: clock)
        defer { engine.close(); _ = directory }
        let outbox = try Outbox(environment: engine.system, policy: policy, clock: clock)
        try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
            try outbox.enqueue(topic: "mail", payload: [42], in: &tx)
        }
        var delivery = try #require(try await claim(outbox).first)
        try await outbox.fail(delivery, reason: "SMTP 451")
        // Backoff after attempt 1 is 2 s: not due at +1.9 s, due at +2 s.
        clock.advance(by: .milliseconds(1_900))
        #expect(try await claim(outbox).isEmpty)
        clock.advance(by: .milliseconds(100))
        delivery = try #require(try await claim(outbox).first)
        #expect(delivery.attempt == 2)
        try await outbox.fail(delivery, reason: "SMTP 451")
        // Backoff after attempt 2 is 4 s.
        clock.advance(by: .milliseconds(3_999))
        #expect(try await claim(outbox).isEmpty)
        clock.advance(by: .milliseconds(1))
        delivery = try #require(try await claim(outbox).first)
        #expect(delivery.attempt == 3)
        try await outbox.fail(delivery, reason: "SMTP 550 mailbox unavailable")
        // Third failure with attemptsMax 3: dead letter, never delivered again.
        clock.advance(by: .seconds(3_600))
        #expect(try await claim(outbox).isEmpty)
        #expect(try outbox.pendingCount() == 0)
        let dead = try outbox.deadLetters()
        #expect(dead.count == 1)
        #expect(dead[0].letter.reason == "SMTP 550 mailbox unavailable")
        #expect(dead[0].letter.event.payload == [42])
        // Redrive gives it a fresh budget.
        try await outbox.redrive(sequence: dead[0].sequence)
        let again = try #require(try await claim(outbox).first)
        #expect(again.attempt == 1)
        #expect(again.sequence == dead[0].sequence)
    }

    @Test func eventsWhoseConsumersKeepDyingEndAsDeadLetters() async throws {
        let clock = ManualEpochClock()
        let (engine, directory) = try Engines.temporary(clock: clock)
        defer { engine.close(); _ = directory }
        let outbox = try Outbox(environment: engine.system, policy: policy, clock: clock)
        try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
            try outbox.enqueue(topic: "mail", payload: [1], in: &tx)
        }
        for attempt in UInt32(1)...3 {
            #expect(try await claim(outbox, lease: .seconds(5)).map(\.attempt) == [attempt])
            clock.advance(by: .seconds(6))  // the consumer never answers
        }
        #expect(try await claim(outbox).isEmpty)
        #expect(try outbox.deadLetterCount() == 1)
        #expect(try outbox.deadLetters()[0].letter.reason == "lease expired 3 times without acknowledgement")
    }

    @Test func pendingEventsAndDeadLettersSurviveARestart() async throws {
        let clock = ManualEpochClock()
        let directory = TemporaryDirectory()
        let options = Engines.options(directory.child("data"))
        do {
            let engine = try StorageEngine(options: options, clock: clock)
            let outbox = try Outbox(environment: engine.system, policy: policy, clock: clock)
            try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
                for index in 0..<3 { try outbox.enqueue(topic: "mail", payload: [UInt8(index)], in: &tx) }
            }
            let leased = try await claim(outbox, count: 1)
            #expect(leased.map(\.sequence) == [1])
            engine.close()
        }
        let engine = try StorageEngine(options: options, clock: clock)
        defer { engine.close() }
        let outbox = try Outbox(environment: engine.system, policy: policy, clock: clock)
        #expect(try outbox.pendingCount() == 3)
        #expect(try await claim(outbox).map(\.sequence) == [2, 3])  // 1 is still leased
        clock.advance(by: .seconds(31))
        #expect(try await claim(outbox).map(\.sequence) == [1, 2, 3])
        // Sequence numbers continue after the restart; they are never reused.
        let next = try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) -> UInt64 in
            try outbox.enqueue(topic: "mail", payload: [], in: &tx)
        }
        #expect(next == 4)
    }

    @Test func consumerAcknowledgesSuccessesAndRetriesFailures() async throws {
        let clock = ManualEpochClock()
        let (engine, directory) = try Engines.temporary(clock: clock)
        defer { engine.close(); _ = directory }
        let outbox = try Outbox(environment: engine.system, policy: policy, clock: clock)
        try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
            for payload in ["ok-1", "fail", "ok-2"] { try outbox.enqueue(topic: "mail", payload: Array(payload.utf8), in: &tx) }
        }
        struct HandlerError: Error {}
        let consumer = OutboxConsumer(outbox: outbox, topic: "mail", consumer: "mailer")
        let handled = try await consumer.processBatch { delivery in
            if delivery.payload == Array("fail".utf8) { throw HandlerError() }
        }
        #expect(handled == 3)
        #expect(try outbox.pendingCount() == 1)
        clock.advance(by: .seconds(2))
        let retry = try await claim(outbox)
        #expect(retry.map { String(decoding: $0.payload, as: UTF8.self) } == ["fail"])
        #expect(retry[0].attempt == 2)
    }

    @Test func badTopicsPayloadsAndClaimSizesAreRejected() async throws {
        let (engine, directory) = try Engines.temporary()
        defer { engine.close(); _ = directory }
        let outbox = try Outbox(environment: engine.system)
        #expect(throws: CortexError.invalidInput("outbox topic must be 1-128 bytes; got 0")) {
            try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
                try outbox.enqueue(topic: "", payload: [], in: &tx)
            }
        }
        #expect(throws: CortexError.tooLarge("outbox payload is 1048577 bytes; the limit is 1048576")) {
            try engine.system.writeSync { (tx: inout WriteTransaction) throws(CortexError) in
                try outbox.enqueue(topic: "t", payload: [UInt8](repeating: 0, count: (1 << 20) + 1), in: &tx)
            }
        }
        await #expect(throws: CortexError.invalidInput("claim count must be 1-1000; got 0")) {
            try await outbox.claim(topic: "t", consumer: "c", countMax: 0, lease: .seconds(1))
        }
    }
}
