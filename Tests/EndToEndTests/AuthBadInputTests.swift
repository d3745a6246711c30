import CortexTesting
import Foundation
import Testing

/// Bad input on the account and API-key routes: the right status and error body, and nothing stored is lost.
@Suite struct AuthBadInputTests {
    /// (method, path, body, expected status, expected message); `owner` marks routes called with the owner's token.
    typealias Case = (method: String, path: String, body: String, status: Int, message: String)

    static let publicCases: [Case] = [
        ("POST", "/auth/register", #"{"email": "x@example.com", "password": "#, 400, "invalid JSON: Unexpected end of file during JSON parse."),
        ("POST", "/auth/register", "", 400, "the request body is empty; send a JSON object"),
        ("POST", "/auth/register", "[1]", 400, "the request body must be a JSON object; got array"),
        ("POST", "/auth/register", #"{"email": "x@example.com", "password": "long enough password"}"#, 400, "missing field name"),
        ("POST", "/auth/register", #"{"email": 7, "password": "long enough password", "name": "X"}"#, 400, "email must be a string; got number"),
        ("POST", "/auth/register", #"{"email": "x@example.com", "password": "long enough password", "name": null}"#, 400,
         "name is null; omit the field instead"),
        ("POST", "/auth/register", #"{"email": "x@example.com", "password": "long enough password", "name": "X", "role": "admin"}"#, 400,
         "unknown field role; allowed: email, name, password"),
        ("POST", "/auth/register", #"{"email": "no-at-sign", "password": "long enough password", "name": "X"}"#, 400,
         "email must look like name@example.com"),
        ("POST", "/auth/register", #"{"email": "x@example.com", "password": "long enough password", "name": "  "}"#, 400,
         "name must be 1-200 bytes; got 0"),
        ("POST", "/auth/register", #"{"email": "x@example.com", "password": "long enough\u0000password", "name": "X"}"#, 400,
         "password must not contain the NUL character"),
        ("POST", "/auth/login", #"{"email": "x@example.com"}"#, 400, "missing field password"),
        ("POST", "/auth/login", #"{"email": "x@example.com", "password": ["a"]}"#, 400, "password must be a string; got array"),
        ("POST", "/auth/refresh", "{}", 400, "missing field refresh_token"),
        ("POST", "/auth/refresh", #"{"refresh_token": 12}"#, 400, "refresh_token must be a string; got number"),
    ]

    static let ownerCases: [Case] = [
        ("POST", "/api-keys", #"{"name": "k", "scopes": "query"}"#, 400, "scopes must be an array; got string"),
        ("POST", "/api-keys", #"{"name": "k", "scopes": [1]}"#, 400, "scopes[0] must be a string; got number"),
        ("POST", "/api-keys", #"{"name": "k", "scopes": ["read"]}"#, 400, "unknown scope 'read'; use admin, ingest, query or widget"),
        ("POST", "/api-keys", #"{"name": "k", "scopes": []}"#, 400, "a key needs at least one scope (admin, ingest, query, widget)"),
        ("POST", "/api-keys", #"{"scopes": ["query"]}"#, 400, "missing field name"),
        ("POST", "/api-keys", #"{"name": "", "scopes": ["query"]}"#, 400, "key name must be 1-100 bytes; got 0"),
        ("POST", "/api-keys", #"{"name": "k", "scopes": ["query"]"#, 400, "invalid JSON: Unexpected end of file during JSON parse."),
        ("DELETE", "/api-keys/key_0000000000000000", "", 404, "tenant '{tenant}' has no API key 'key_0000000000000000'"),
    ]

    @Test func everyAuthRouteAnswersBadInputWithTheRightStatusAndMessageAndLosesNothing() async throws {
        let auth = try AuthFixture()
        let owner = try await auth.register("keeper@example.com")
        let key = try await auth.createKey(owner.accessToken, scopes: ["admin"])
        for (credential, cases) in [(nil, Self.publicCases), (owner.accessToken, Self.ownerCases)] {
            for testCase in cases {
                let reply = try await auth.api(credential).sendRaw(testCase.method, testCase.path, Data(testCase.body.utf8))
                let expected = testCase.message.replacingOccurrences(of: "{tenant}", with: owner.tenantID)
                #expect(try ErrorReply(reply) == ErrorReply(
                    status: testCase.status, code: testCase.status == 404 ? "not_found" : "invalid_input", message: expected),
                    "\(testCase.method) \(testCase.path) \(testCase.body)")
            }
        }

        // Huge bodies: refused by Content-Length before reading, at 16 KiB.
        let huge = #"{"email": "x@example.com", "password": "long enough password", "name": ""# + String(repeating: "n", count: 20_000) + #""}"#
        for path in ["/auth/register", "/auth/login", "/auth/refresh"] {
            let reply = try await auth.api().sendRaw("POST", path, Data(huge.utf8))
            #expect(try ErrorReply(reply) == ErrorReply(
                status: 413, code: "too_large",
                message: "the request body exceeds the limit of 16384 bytes (the limit of account and API-key routes)"), "\(path)")
        }
        let hugeKey = try await auth.api(owner.accessToken).sendRaw("POST", "/api-keys", Data(huge.utf8))
        #expect(try ErrorReply(hugeKey).status == 413)

        // Nothing was lost or added.
        #expect(try await auth.login("keeper@example.com").status == 200)
        #expect(try ErrorReply(try await auth.login("x@example.com", password: "long enough password")).status == 401)
        let keys = try #require(try await auth.api(owner.accessToken).send("GET", "/api-keys").json()["api_keys"] as? [[String: Any]])
        #expect(keys.map { $0["id"] as? String } == [key.id])
        #expect(try await auth.api(key.key).send("GET", "/me").status == 200)
    }

    @Test func aKeyWithoutTheAdminScopeIsRefusedBeforeItsBodyIsRead() async throws {
        let auth = try AuthFixture()
        let owner = try await auth.register("scoped@example.com")
        let reader = try await auth.createKey(owner.accessToken, scopes: ["query"])
        let reply = try await auth.api(reader.key).sendRaw("POST", "/api-keys", Data("not json".utf8))
        #expect(try ErrorReply(reply) == ErrorReply(
            status: 403, code: "forbidden", message: "managing API keys needs the admin scope (this key has: query)"))
    }
}
