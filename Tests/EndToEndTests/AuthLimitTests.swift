import CortexTesting
import Foundation
import Testing

/// Login throttling and per-credential rate limits: 429 with Retry-After and the JSON error body.
@Suite struct AuthLimitTests {
    @Test func failedLoginsLockTheAccountAndThenTheAddress() async throws {
        let auth = try AuthFixture([
            "CORTEX_AUTH_LOGIN_FAILURES_PER_ACCOUNT_MAX": "3", "CORTEX_AUTH_LOGIN_FAILURES_PER_ADDRESS_MAX": "6",
            "CORTEX_AUTH_LOGIN_FAILURE_WINDOW_SECONDS": "600",
        ])
        for email in ["a@example.com", "b@example.com", "c@example.com"] { try await auth.register(email) }
        for _ in 0..<3 {
            #expect(try await auth.login("a@example.com", password: "wrong password!").status == 401)
        }
        // One failure ages out every 600 s / 3 = 200 s, less the time the failures took.
        try expectLimited(try await auth.login("a@example.com"), within: 1...200) { "too many failed logins for this account; try again in \($0) s" }
        #expect(try await auth.login("b@example.com").status == 200, "other accounts are not locked")

        for _ in 0..<3 {
            #expect(try await auth.login("b@example.com", password: "wrong password!").status == 401)
        }
        try expectLimited(try await auth.login("c@example.com"), within: 1...100) { "too many failed logins from this address; try again in \($0) s" }
    }

    @Test func eachCredentialHasItsOwnTokenBucket() async throws {
        let auth = try AuthFixture(["CORTEX_RATE_LIMIT_REQUESTS_PER_SECOND": "1", "CORTEX_RATE_LIMIT_BURST": "3"])
        let owner = try await auth.register("busy@example.com")
        let key = try await auth.createKey(owner.accessToken, scopes: ["query"])
        let keyAPI = auth.api(key.key)
        for _ in 0..<3 {
            #expect(try await keyAPI.send("GET", "/collections").status == 200, "the burst is allowed")
        }
        // The bucket regains one token a second; 20 quick requests outrun it unless each took over a second.
        var limited: TestHTTPClient.Reply?
        for _ in 0..<20 where limited == nil {
            let reply = try await keyAPI.send("GET", "/collections")
            if reply.status == 429 { limited = reply } else { #expect(reply.status == 200) }
        }
        try expectLimited(try #require(limited), within: 1...1) { "rate limit of 1 requests per second (burst 3) exceeded; retry in \($0) s" }
        let other = try await auth.createKey(owner.accessToken, scopes: ["query"])
        #expect(try await auth.api(other.key).send("GET", "/collections").status == 200, "another key has its own bucket")
    }

    @Test func signInRoutesAreLimitedPerAddress() async throws {
        let auth = try AuthFixture(["CORTEX_RATE_LIMIT_ANONYMOUS_REQUESTS_PER_MINUTE": "4"])
        for _ in 0..<4 {
            #expect(try await auth.refresh("crt_unknown").status == 401, "the burst is allowed")
        }
        // One request regains its token every 15 s; 20 quick ones outrun that unless each took 15 s.
        var limited: TestHTTPClient.Reply?
        for _ in 0..<20 where limited == nil {
            let reply = try await auth.login("anyone@example.com")
            if reply.status == 429 { limited = reply } else { #expect(reply.status == 401) }
        }
        try expectLimited(try #require(limited), within: 1...15) {
            "too many sign-in requests from this address (limit 4 per minute); retry in \($0) s"
        }
    }

    /// A 429 whose Retry-After is in `range` and whose message names the same number of seconds.
    func expectLimited(_ reply: TestHTTPClient.Reply, within range: ClosedRange<Int>, message: (Int) -> String) throws {
        let seconds = try #require(reply.headers["retry-after"].flatMap { Int($0) }, "no Retry-After: \(reply.status) \(reply.text)")
        #expect(range.contains(seconds))
        #expect(try ErrorReply(reply) == ErrorReply(status: 429, code: "rate_limited", message: message(seconds)))
    }
}
