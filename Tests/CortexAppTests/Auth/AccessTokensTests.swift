@testable import CortexApp
import CortexCore
import Testing

@Suite struct AccessTokensTests {
    let keyA = AuthOptions.SigningKey(id: "a", secret: Array("a-secret-0123456789abcdefghijklmnop".utf8))
    let keyB = AuthOptions.SigningKey(id: "b", secret: Array("b-secret-0123456789abcdefghijklmnop".utf8))
    let rejected = CortexError.unauthorized(AccessTokens.rejectionMessage)

    func issue(_ tokens: AccessTokens) async throws -> (token: String, claims: SessionClaims) {
        try await tokens.issue(userID: "usr_1", tenantID: try TenantID("acme"), role: .owner, isPlatformAdmin: false, sessionID: "ses_1")
    }

    @Test func aTokenVerifiesUntilItsExpirySecond() async throws {
        let clock = ManualEpochClock(startingAt: 1_700_000_000_000)
        let tokens = try await AccessTokens(keys: [keyA], signingKeyID: nil, ttl: .seconds(60), clock: clock)
        let (token, claims) = try await issue(tokens)
        #expect(claims.expiresAt == 1_700_000_060)
        #expect(try await tokens.verify(token) == claims)
        clock.advance(by: .milliseconds(59_999))
        #expect(try await tokens.verify(token).userID == "usr_1")
        clock.advance(by: .milliseconds(1))
        await #expect(throws: rejected) { try await tokens.verify(token) }
    }

    @Test func rotationKeepsListedKeysVerifyingAndRefusesDroppedOnes() async throws {
        let clock = ManualEpochClock()
        let before = try await AccessTokens(keys: [keyA], signingKeyID: nil, ttl: .seconds(60), clock: clock)
        let during = try await AccessTokens(keys: [keyA, keyB], signingKeyID: "b", ttl: .seconds(60), clock: clock)
        let after = try await AccessTokens(keys: [keyB], signingKeyID: nil, ttl: .seconds(60), clock: clock)
        let old = try await issue(before).token
        let new = try await issue(during).token
        #expect(try await during.verify(old).sessionID == "ses_1")
        #expect(try await after.verify(new).sessionID == "ses_1")
        await #expect(throws: rejected) { try await after.verify(old) }
        await #expect(throws: rejected) { try await before.verify(new) }
    }

    @Test func aSigningKeyThatIsNotListedIsAConfigurationError() async throws {
        await #expect(throws: CortexError.invalidInput("auth.jwt_signing_key_id 'c' is not one of the keys in auth.jwt_keys")) {
            try await AccessTokens(keys: [keyA], signingKeyID: "c", ttl: .seconds(60), clock: ManualEpochClock())
        }
    }

    @Test func onlyHS256HeadersNamingAListedKeyAreRead() {
        func token(_ header: String) -> String { SecretToken.base64URL(Array(header.utf8)) + ".e30.sig" }
        let ids: Set<String> = ["a"]
        #expect(AccessTokens.headerIsAcceptable(token(#"{"alg":"HS256","kid":"a"}"#), keyIDs: ids))
        #expect(AccessTokens.headerIsAcceptable(token(#"{"alg":"HS256","kid":"a","typ":"JWT"}"#), keyIDs: ids))
        #expect(!AccessTokens.headerIsAcceptable(token(#"{"alg":"HS256","kid":"b"}"#), keyIDs: ids))
        #expect(!AccessTokens.headerIsAcceptable(token(#"{"alg":"HS256"}"#), keyIDs: ids))
        #expect(!AccessTokens.headerIsAcceptable(token(#"{"alg":"none","kid":"a"}"#), keyIDs: ids))
        #expect(!AccessTokens.headerIsAcceptable(token(#"{"alg":"HS256","kid":"a","typ":"at+jwt"}"#), keyIDs: ids))
        #expect(!AccessTokens.headerIsAcceptable(token("[]"), keyIDs: ids))
        #expect(!AccessTokens.headerIsAcceptable("a.b", keyIDs: ids))
        #expect(!AccessTokens.headerIsAcceptable("!!!.e30.sig", keyIDs: ids))
    }

    @Test func keySettingsAreParsedAndCheckedWithoutEchoingSecrets() throws {
        let keys = try AuthOptions.parseKeys("k-2026.11:\(String(repeating: "s", count: 32)),old:\(String(repeating: "t", count: 40))")
        #expect(keys.map(\.id) == ["k-2026.11", "old"])
        #expect(keys[1].secret.count == 40)
        #expect(throws: CortexError.invalidInput("auth.jwt_keys entry 2 is not kid:secret")) { try AuthOptions.parseKeys("a:\(String(repeating: "s", count: 32)),") }
        #expect(throws: CortexError.invalidInput("auth.jwt_keys entry 1 has key id 'a b'; use 1-64 of A-Z a-z 0-9 . _ -")) {
            try AuthOptions.parseKeys("a b:\(String(repeating: "s", count: 32))")
        }
        #expect(throws: CortexError.invalidInput("auth.jwt_keys key 'a' has a 6-byte secret; at least 32 bytes are needed")) {
            try AuthOptions.parseKeys("a:secret")
        }
    }
}
