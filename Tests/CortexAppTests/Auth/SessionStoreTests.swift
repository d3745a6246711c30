import CortexApp
import CortexCore
import CortexStorage
import CortexTesting
import Testing

@Suite struct SessionStoreTests {
    func makeStore() throws -> (SessionStore, StorageEngine, TemporaryDirectory, ManualEpochClock) {
        let clock = ManualEpochClock()
        let (engine, directory) = try Engines.temporary(clock: clock)
        try engine.createTenant(try TenantID("acme"))
        return (try SessionStore(engine: engine, refreshTokenTTL: .seconds(600), clock: clock), engine, directory, clock)
    }

    let rejected = CortexError.unauthorized(SessionStore.rejectionMessage)

    @Test func eachTokenRotatesOnceAndAReusedTokenEndsTheWholeSession() throws {
        let (store, engine, directory, _) = try makeStore()
        defer { engine.close(); _ = directory }
        let (sessionID, first) = try store.start(userID: "usr_1", tenant: try TenantID("acme"))
        #expect(first.hasPrefix("crt_") && first.count == 47)
        let (session, rotatedID, second) = try store.rotate(first)
        #expect(rotatedID == sessionID)
        #expect(session.userID == "usr_1")
        let (_, _, third) = try store.rotate(second)
        #expect(try store.isLive(sessionID: sessionID))

        #expect(throws: rejected) { try store.rotate(first) }
        let ended = try #require(try store.session(id: sessionID))
        #expect(ended.ending == .reuse, "the reuse is recorded, not rolled back with the refusal")
        #expect(try !store.isLive(sessionID: sessionID))
        #expect(throws: rejected) { try store.rotate(third) }
    }

    @Test func expiredUnknownAndMalformedTokensAreRefusedAlike() throws {
        let (store, engine, directory, clock) = try makeStore()
        defer { engine.close(); _ = directory }
        let (sessionID, token) = try store.start(userID: "usr_1", tenant: try TenantID("acme"))
        #expect(throws: rejected) { try store.rotate("crt_" + String(repeating: "A", count: 43)) }
        #expect(throws: rejected) { try store.rotate("not-a-token") }
        #expect(throws: rejected) { try store.rotate("crt_" + String(repeating: "A", count: 400)) }
        clock.advance(by: .seconds(599))
        let (_, _, next) = try store.rotate(token)
        clock.advance(by: .seconds(599))
        #expect(try store.isLive(sessionID: sessionID), "each rotation moves the session's expiry on")
        clock.advance(by: .seconds(1))
        #expect(throws: rejected) { try store.rotate(next) }
        #expect(try !store.isLive(sessionID: sessionID))
    }

    @Test func loggingOutEndsTheSessionAndItsRefreshTokens() throws {
        let (store, engine, directory, _) = try makeStore()
        defer { engine.close(); _ = directory }
        let (sessionID, token) = try store.start(userID: "usr_1", tenant: try TenantID("acme"))
        let (other, otherToken) = try store.start(userID: "usr_1", tenant: try TenantID("acme"))
        try store.end(sessionID: sessionID)
        try store.end(sessionID: sessionID)
        #expect(try store.session(id: sessionID)?.ending == .logout)
        #expect(throws: rejected) { try store.rotate(token) }
        #expect(try store.isLive(sessionID: other), "other sessions of the user go on")
        _ = try store.rotate(otherToken)
    }

    @Test func theSweepDeletesOnlyWhatHasExpired() throws {
        let (store, engine, directory, clock) = try makeStore()
        defer { engine.close(); _ = directory }
        let tenant = try TenantID("acme")
        let (oldSession, oldToken) = try store.start(userID: "usr_1", tenant: tenant)
        _ = try store.rotate(oldToken)
        clock.advance(by: .seconds(300))
        let (liveSession, liveToken) = try store.start(userID: "usr_2", tenant: tenant)
        #expect(try store.sweepExpired() == 0, "nothing has expired yet")

        clock.advance(by: .seconds(300))
        // The first session's two tokens and the session itself are past their expiry; the second's are not.
        #expect(try store.sweepExpired(limit: 1) == 2, "at most one token and one session per call")
        #expect(try store.sweepExpired() == 1)
        #expect(try store.sweepExpired() == 0)
        #expect(try store.session(id: oldSession) == nil)
        #expect(try store.isLive(sessionID: liveSession))
        _ = try store.rotate(liveToken)
        #expect(throws: rejected) { try store.rotate(oldToken) }
    }
}
