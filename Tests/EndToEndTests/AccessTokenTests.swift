import CortexTesting
import Foundation
import Testing

/// Access tokens: forged, tampered and expired tokens get 401; key rotation keeps listed keys verifying.
@Suite struct AccessTokenTests {
    static let rejected = ErrorReply(status: 401, code: "unauthorized", message: "invalid or expired access token")

    @Test func tamperedForgedExpiredAndUnsignedTokensAreRefused() async throws {
        let auth = try AuthFixture()
        let session = try await auth.register("tamper@example.com")
        let victim = try await auth.register("victim@example.com")
        let header: [String: Any] = ["alg": "HS256", "kid": "old", "typ": "JWT"]
        var payload = try TestJWT.payload(of: session.accessToken)
        let now = Int(Date().timeIntervalSince1970)

        // Control: a token built here with the server's key and real claims is accepted, so the refusals below are about the change.
        let genuine = try TestJWT.make(header: header, payload: payload, secret: AuthFixture.oldSecret)
        #expect(try await auth.api(genuine).send("GET", "/me").status == 200)

        var expiredPayload = payload
        expiredPayload["iat"] = now - 3_600
        expiredPayload["exp"] = now - 60
        let expired = try TestJWT.make(header: header, payload: expiredPayload, secret: AuthFixture.oldSecret)

        // Another tenant in the payload, the original signature kept.
        payload["tid"] = victim.tenantID
        let signature = String(session.accessToken.split(separator: ".")[2])
        let changedPayload = try TestJWT.make(header: header, payload: payload, secret: "", signature: signature)
        payload["tid"] = session.tenantID

        let wrongKey = try TestJWT.make(header: header, payload: payload, secret: AuthFixture.newSecret)
        // jwt-kit would verify an unknown kid with its default key; the server must refuse the kid itself.
        let unknownKid = try TestJWT.make(header: ["alg": "HS256", "kid": "nope"], payload: payload, secret: AuthFixture.oldSecret)
        let noKid = try TestJWT.make(header: ["alg": "HS256"], payload: payload, secret: AuthFixture.oldSecret)
        let algNone = try TestJWT.make(header: ["alg": "none", "kid": "old"], payload: payload, secret: "", signature: "")
        let otherAlg = try TestJWT.make(header: ["alg": "HS384", "kid": "old"], payload: payload, secret: AuthFixture.oldSecret)
        var wrongIssuer = payload
        wrongIssuer["iss"] = "someone-else"
        let foreignIssuer = try TestJWT.make(header: header, payload: wrongIssuer, secret: AuthFixture.oldSecret)
        let truncated = String(session.accessToken.dropLast(2))

        let cases = [
            ("expired", expired), ("changed payload", changedPayload), ("wrong key", wrongKey), ("unknown kid", unknownKid),
            ("no kid", noKid), ("alg none", algNone), ("other alg", otherAlg), ("foreign issuer", foreignIssuer),
            ("truncated signature", truncated), ("garbage", "not.a.token"), ("huge", String(repeating: "a", count: 5_000)),
        ]
        for (name, token) in cases {
            let reply = try await auth.api(token).send("GET", "/collections")
            #expect(try ErrorReply(reply) == Self.rejected, "\(name)")
            #expect(reply.headers["www-authenticate"] == "Bearer", "\(name)")
        }
        #expect(try await auth.api(victim.accessToken).send("GET", "/collections").text == #"{"collections":[]}"#)
        #expect(try await auth.api(session.accessToken).send("GET", "/me").status == 200, "the real token still works")
    }

    @Test func aTokenSignedWithThePreviousKeyVerifiesWhileThatKeyIsListed() async throws {
        let auth = try AuthFixture()
        let before = try await auth.register("rotate@example.com")
        #expect(try TestJWT.header(of: before.accessToken)["kid"] as? String == "old")

        // Step 1 of a rotation: the new key signs, the old one still verifies.
        try auth.restart([
            "CORTEX_AUTH_JWT_KEYS": "new:\(AuthFixture.newSecret),old:\(AuthFixture.oldSecret)", "CORTEX_AUTH_JWT_SIGNING_KEY_ID": "new",
        ])
        #expect(try await auth.api(before.accessToken).send("GET", "/me").status == 200, "the old key still verifies")
        let during = try Session(try await auth.login("rotate@example.com"))
        #expect(try TestJWT.header(of: during.accessToken)["kid"] as? String == "new")
        let refreshed = try Session(try await auth.refresh(before.refreshToken))
        #expect(try TestJWT.header(of: refreshed.accessToken)["kid"] as? String == "new", "refresh moves a session to the new key")

        // Step 2: the old key is dropped once its tokens have expired; any left are refused.
        try auth.restart(["CORTEX_AUTH_JWT_KEYS": "new:\(AuthFixture.newSecret)"])
        #expect(try ErrorReply(try await auth.api(before.accessToken).send("GET", "/me")) == Self.rejected)
        #expect(try await auth.api(during.accessToken).send("GET", "/me").status == 200)
        #expect(try await auth.api(refreshed.accessToken).send("GET", "/me").status == 200)
    }

    @Test func withoutConfiguredKeysTheServerWarnsAndTokensDieWithTheProcess() async throws {
        let auth = try AuthFixture(["CORTEX_AUTH_JWT_KEYS": ""])
        #expect(auth.server.log.contains("auth.jwt_keys is not set"))
        let session = try await auth.register("ephemeral@example.com")
        #expect(try await auth.api(session.accessToken).send("GET", "/me").status == 200)
        try auth.restart(["CORTEX_AUTH_JWT_KEYS": ""])
        #expect(try ErrorReply(try await auth.api(session.accessToken).send("GET", "/me")) == Self.rejected)
        #expect(try await auth.refresh(session.refreshToken).status == 200, "refresh tokens live in storage and survive")
    }

    @Test func badKeySettingsStopTheServerWithAClearMessage() throws {
        let directory = TemporaryDirectory("cortex-auth-config")
        let cases = [
            (["CORTEX_AUTH_JWT_KEYS": "k1:short"], "auth.jwt_keys key 'k1' has a 5-byte secret; at least 32 bytes are needed"),
            (["CORTEX_AUTH_JWT_KEYS": "no-colon"], "auth.jwt_keys entry 1 is not kid:secret"),
            (["CORTEX_AUTH_JWT_KEYS": "k1:\(AuthFixture.oldSecret),k1:\(AuthFixture.newSecret)"], "auth.jwt_keys names key 'k1' twice"),
            (["CORTEX_AUTH_JWT_KEYS": "k1:\(AuthFixture.oldSecret)", "CORTEX_AUTH_JWT_SIGNING_KEY_ID": "k2"],
             "configuration key auth.jwt_signing_key_id (environment variable CORTEX_AUTH_JWT_SIGNING_KEY_ID) is 'k2', which auth.jwt_keys does not list"),
            (["CORTEX_AUTH_BCRYPT_COST": "3"],
             "configuration key auth.bcrypt_cost (environment variable CORTEX_AUTH_BCRYPT_COST) is 3; it must be in 4...31"),
            (["CORTEX_AUTH_INVITATION_TTL_SECONDS": "0"],
             "configuration key auth.invitation_ttl_seconds (environment variable CORTEX_AUTH_INVITATION_TTL_SECONDS) is 0; it must be in 1...2592000"),
        ]
        for (environment, message) in cases {
            #expect {
                try ServerProcess(arguments: ["--data", directory.child("data")], environment: environment)
            } throws: { error in
                guard case ServerProcessError.exitedBeforeListening(let status, let output) = error else { return false }
                return status == 2 && output.contains(message) && !output.contains(AuthFixture.oldSecret)
            }
        }
    }
}
