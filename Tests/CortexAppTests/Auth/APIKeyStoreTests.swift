import CortexApp
import CortexCore
import CortexStorage
import CortexTesting
import Testing

@Suite struct APIKeyStoreTests {
    let acme: TenantID
    let other: TenantID

    init() throws {
        acme = try TenantID("acme")
        other = try TenantID("other")
    }

    func makeStore() throws -> (APIKeyStore, StorageEngine, TemporaryDirectory, ManualEpochClock) {
        let clock = ManualEpochClock(startingAt: 1_000)
        let (engine, directory) = try Engines.temporary(clock: clock)
        try engine.createTenant(acme)
        try engine.createTenant(other)
        return (try APIKeyStore(engine: engine, clock: clock), engine, directory, clock)
    }

    @Test func aCreatedKeyAuthenticatesToItsTenantAndScopes() throws {
        let (store, engine, directory, _) = try makeStore()
        defer { engine.close(); _ = directory }
        let (key, record) = try store.create(tenant: acme, name: "loader", scopes: [.ingest, .query])
        #expect(key.hasPrefix("ck_"))
        #expect(key.count == 3 + 43, "32 random bytes in unpadded base64url")
        #expect(key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
        #expect(record.keyID.hasPrefix("key_") && record.keyID.count == 20)
        let authenticated = try store.authenticate(key)
        #expect(authenticated == record)
        #expect(authenticated.tenantID == acme)
        #expect(authenticated.scopes.names == ["ingest", "query"])
        #expect(record.keyHash == SHA256.hash(Array(key.utf8)), "only the hash is stored")
    }

    @Test func unknownMalformedAndRevokedKeysGetTheSameRejection() throws {
        let (store, engine, directory, clock) = try makeStore()
        defer { engine.close(); _ = directory }
        let (key, record) = try store.create(tenant: acme, name: "app", scopes: .query)
        let rejection = CortexError.unauthorized("invalid or revoked API key")
        #expect(throws: rejection) { try store.authenticate("ck_" + String(repeating: "A", count: 43)) }
        #expect(throws: rejection) { try store.authenticate("not-a-key") }
        #expect(throws: rejection) { try store.authenticate(String(key.dropLast())) }
        clock.advance(by: .seconds(5))
        let revoked = try store.revoke(tenant: acme, keyID: record.keyID)
        #expect(revoked.revokedAt == 6_000)
        #expect(throws: rejection) { try store.authenticate(key) }
        #expect(throws: CortexError.conflict("API key '\(record.keyID)' is already revoked")) {
            try store.revoke(tenant: acme, keyID: record.keyID)
        }
    }

    @Test func aKeyOfADeletedTenantNoLongerAuthenticates() async throws {
        let (store, engine, directory, _) = try makeStore()
        defer { engine.close(); _ = directory }
        let (key, _) = try store.create(tenant: other, name: "x", scopes: .admin)
        try await engine.deleteTenant(other)
        #expect(throws: CortexError.unauthorized("invalid or revoked API key")) { try store.authenticate(key) }
    }

    @Test func listingShowsOnlyTheTenantsOwnKeysAndRevokeCannotCrossTenants() throws {
        let (store, engine, directory, _) = try makeStore()
        defer { engine.close(); _ = directory }
        let first = try store.create(tenant: acme, name: "one", scopes: .query).record
        let second = try store.create(tenant: acme, name: "two", scopes: [.ingest]).record
        let foreign = try store.create(tenant: other, name: "theirs", scopes: .admin).record
        let listed = try store.list(tenant: acme)
        #expect(Set(listed.map(\.keyID)) == [first.keyID, second.keyID])
        #expect(listed.map(\.keyID) == listed.map(\.keyID).sorted())
        #expect(throws: CortexError.notFound("tenant 'acme' has no API key '\(foreign.keyID)'")) {
            try store.revoke(tenant: acme, keyID: foreign.keyID)
        }
        #expect(try store.list(tenant: other).first?.revokedAt == nil)
    }

    @Test func creationValidatesTenantNameAndScopes() throws {
        let (store, engine, directory, _) = try makeStore()
        defer { engine.close(); _ = directory }
        #expect(throws: CortexError.notFound("tenant 'ghost' does not exist")) {
            try store.create(tenant: try TenantID("ghost"), name: "x", scopes: .query)
        }
        #expect(throws: CortexError.invalidInput("key name must be 1-100 bytes; got 0")) {
            try store.create(tenant: acme, name: "", scopes: .query)
        }
        #expect(throws: CortexError.invalidInput("a key needs at least one scope (admin, ingest, query, widget)")) {
            try store.create(tenant: acme, name: "x", scopes: [])
        }
        #expect(try APIKeyScopes(parsing: "query, Ingest") == [.query, .ingest])
        #expect(throws: CortexError.invalidInput("unknown scope 'read'; use admin, ingest, query or widget")) {
            try APIKeyScopes(parsing: "query,read")
        }
    }

    @Test func scopesGateReadsAndWrites() {
        #expect(APIKeyScopes.query.allows(write: false))
        #expect(!APIKeyScopes.query.allows(write: true))
        #expect(APIKeyScopes.ingest.allows(write: true))
        #expect(!APIKeyScopes.ingest.allows(write: false))
        #expect(APIKeyScopes.admin.allows(write: true) && APIKeyScopes.admin.allows(write: false))
        #expect(!APIKeyScopes.widget.allows(write: false))
    }

    @Test func recordsSurviveTheirBinaryEncoding() throws {
        let record = APIKeyRecord(
            keyID: "key_0011223344556677", tenantID: acme, name: "n", scopes: [.admin, .widget], createdAt: 5, revokedAt: 9,
            keyHash: [UInt8](repeating: 7, count: 32))
        #expect(try APIKeyRecord.decodeValue(record.encodedValue()) == record)
        var bad = record.encodedValue()
        bad[0] = 9
        #expect(throws: CortexError.self) { try APIKeyRecord.decodeValue(bad) }
    }
}
