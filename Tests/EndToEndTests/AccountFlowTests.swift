import CortexTesting
import Foundation
import Testing

/// Register, me, refresh with rotation and reuse detection, login, logout: the whole account flow on a real server.
@Suite struct AccountFlowTests {
    @Test func registerMeRefreshReuseLoginAndLogoutBehaveAsDocumented() async throws {
        let auth = try AuthFixture()
        let registered = try await auth.api().send(
            "POST", "/auth/register", ["email": "  Ada@Example.COM ", "password": "correct horse battery", "name": "Ada Lovelace"])
        #expect(registered.status == 201, "\(registered.text)")
        let first = try Session(registered)
        let user = try #require(first.json["user"] as? [String: Any])
        #expect(user["email"] as? String == "ada@example.com", "emails are trimmed and lower-cased")
        #expect(user["name"] as? String == "Ada Lovelace")
        #expect(user["platform_admin"] as? Bool == false)
        #expect(first.userID.hasPrefix("usr_"))
        #expect((first.json["tenant"] as? [String: Any])?["role"] as? String == "owner")
        #expect(first.json["token_type"] as? String == "Bearer")
        #expect(first.json["expires_in"] as? Int == 900)
        #expect(first.refreshToken.hasPrefix("crt_") && first.refreshToken.count == 4 + 43)
        #expect(try TestJWT.header(of: first.accessToken)["kid"] as? String == "old")
        #expect(!auth.server.log.contains(first.refreshToken), "tokens never reach the log")

        let me = try await auth.api(first.accessToken).send("GET", "/me")
        #expect(me.status == 200, "\(me.text)")
        let meJSON = try me.json()
        #expect((meJSON["user"] as? [String: Any])?["id"] as? String == first.userID)
        #expect((meJSON["tenant"] as? [String: Any])?["id"] as? String == first.tenantID)
        #expect((meJSON["memberships"] as? [[String: Any]])?.map { $0["role"] as? String } == ["owner"])

        // The access token reaches the tenant's data routes.
        #expect(try await auth.api(first.accessToken).createCollection("notes", dimension: 2).status == 201)

        let refreshed = try await auth.refresh(first.refreshToken)
        #expect(refreshed.status == 200, "\(refreshed.text)")
        let second = try Session(refreshed)
        #expect(second.refreshToken != first.refreshToken)
        #expect(second.tenantID == first.tenantID)
        #expect(try await auth.api(second.accessToken).send("GET", "/me").status == 200)

        // The first refresh token was used: presenting it again ends the whole family.
        let reuse = try await auth.refresh(first.refreshToken)
        let rejectedRefresh = ErrorReply(status: 401, code: "unauthorized", message: "invalid, expired or already used refresh token")
        #expect(try ErrorReply(reuse) == rejectedRefresh)
        #expect(try ErrorReply(try await auth.refresh(second.refreshToken)) == rejectedRefresh, "the family's newest token died too")
        let rejectedAccess = ErrorReply(status: 401, code: "unauthorized", message: "invalid or expired access token")
        #expect(try ErrorReply(try await auth.api(second.accessToken).send("GET", "/me")) == rejectedAccess,
                "the family's access tokens end with it")

        let loggedIn = try await auth.login("ADA@example.com")
        #expect(loggedIn.status == 200, "\(loggedIn.text)")
        let third = try Session(loggedIn)
        #expect(third.tenantID == first.tenantID, "login opens a session in the same tenant")
        #expect(try await auth.api(third.accessToken).count("notes") == 0, "the tenant's data is still there")

        let logout = try await auth.api(third.accessToken).send("POST", "/auth/logout")
        #expect(logout.status == 204, "\(logout.text)")
        #expect(try ErrorReply(try await auth.api(third.accessToken).send("GET", "/me")) == rejectedAccess)
        #expect(try ErrorReply(try await auth.refresh(third.refreshToken)) == rejectedRefresh)
        #expect(try await auth.login("ada@example.com").status == 200, "logging out ends one session, not the account")
    }

    @Test func wrongPasswordsWeakPasswordsAndDuplicateEmailsAreClearErrors() async throws {
        let auth = try AuthFixture()
        try await auth.register("grace@example.com")
        let rejected = ErrorReply(status: 401, code: "unauthorized", message: "invalid email or password")
        #expect(try ErrorReply(try await auth.login("grace@example.com", password: "wrong horse battery")) == rejected)
        #expect(try ErrorReply(try await auth.login("nobody@example.com")) == rejected, "an unknown email looks like a wrong password")
        #expect(try ErrorReply(try await auth.login("not an email")) == rejected)

        let weak = try await auth.api().send("POST", "/auth/register", ["email": "weak@example.com", "password": "short", "name": "W"])
        #expect(try ErrorReply(weak) == ErrorReply(
            status: 400, code: "invalid_input", message: "password must have at least 10 characters; it has 5"))
        let long = try await auth.api().send(
            "POST", "/auth/register", ["email": "long@example.com", "password": String(repeating: "é", count: 40), "name": "L"])
        #expect(try ErrorReply(long) == ErrorReply(
            status: 400, code: "invalid_input", message: "password must be at most 72 bytes of UTF-8; it has 80"))
        let duplicate = try await auth.api().send(
            "POST", "/auth/register", ["email": "Grace@Example.com", "password": "another long password", "name": "G"])
        #expect(try ErrorReply(duplicate) == ErrorReply(status: 409, code: "conflict", message: "an account with this email already exists"))
        #expect(try await auth.login("grace@example.com").status == 200, "the refused duplicate changed nothing")
        #expect(try ErrorReply(try await auth.login("weak@example.com", password: "short")) == rejected, "no account was made")
    }

    @Test func accessTokenTTLFollowsTheSetting() async throws {
        let auth = try AuthFixture(["CORTEX_AUTH_ACCESS_TOKEN_TTL_SECONDS": "120"])
        let session = try await auth.register("ttl@example.com")
        let payload = try TestJWT.payload(of: session.accessToken)
        let issuedAt = try #require(payload["iat"] as? Int)
        #expect(payload["exp"] as? Int == issuedAt + 120)
        #expect(session.json["expires_in"] as? Int == 120)
    }

    @Test func anOperatorPromotesAPlatformAdministratorWhoseNextTokensSaySo() async throws {
        let auth = try AuthFixture()
        let before = try await auth.register("root@example.com")
        #expect(try TestJWT.payload(of: before.accessToken)["adm"] as? Bool == false)
        #expect(auth.server.stop() == 0)
        let promoted = try runProduct("cortex", ["admin", "users", "promote", "--data", auth.fixture.data, "--email", "ROOT@example.com"])
        #expect(promoted.status == 0, "\(promoted.stderr)")
        #expect(promoted.stdout == "root@example.com (\(before.userID)) is now a platform administrator\n")
        let unknown = try runProduct("cortex", ["admin", "users", "promote", "--data", auth.fixture.data, "--email", "ghost@example.com"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "cortex: no account has the email ghost@example.com\n")

        try auth.restart([:])
        let after = try Session(try await auth.login("root@example.com"))
        #expect(try TestJWT.payload(of: after.accessToken)["adm"] as? Bool == true)
        let me = try await auth.api(after.accessToken).send("GET", "/me")
        #expect((try me.json()["user"] as? [String: Any])?["platform_admin"] as? Bool == true)
    }
}
