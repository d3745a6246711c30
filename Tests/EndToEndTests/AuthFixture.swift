import CortexCore
import CortexTesting
import Foundation
import Testing

/// A server for account tests: bcrypt at its lowest cost, known JWT keys, no tenants until someone registers.
final class AuthFixture {
    static let oldSecret = "old-secret-0123456789abcdefghijklmnopqrstuvwxyz"
    static let newSecret = "new-secret-0123456789abcdefghijklmnopqrstuvwxyz"

    let fixture: WireFixture
    private(set) var server: ServerProcess

    /// Settings every auth test uses; `overrides` are merged over them, and an empty override unsets a variable.
    static func environment(_ overrides: [String: String] = [:]) -> [String: String] {
        [
            "CORTEX_AUTH_BCRYPT_COST": "4",
            "CORTEX_AUTH_JWT_KEYS": "old:\(oldSecret)",
        ].merging(overrides) { $1 }.filter { !$0.value.isEmpty }
    }

    init(_ overrides: [String: String] = [:]) throws {
        fixture = try WireFixture(tenants: [])
        server = try fixture.start(environment: Self.environment(overrides))
    }

    /// Stops the server and starts another on the same data folder with new settings.
    func restart(_ overrides: [String: String]) throws {
        #expect(server.stop() == 0)
        server = try fixture.start(environment: Self.environment(overrides))
    }

    /// Calls `/api/v1` with `credential` as the bearer (nil: none).
    func api(_ credential: String? = nil) -> VectorAPI { VectorAPI(server, key: credential) }

    /// Registers an account; returns its session, requiring a 201.
    @discardableResult
    func register(_ email: String, password: String = "correct horse battery", name: String = "Ada") async throws -> Session {
        let reply = try await api().send("POST", "/auth/register", ["email": email, "password": password, "name": name])
        try #require(reply.status == 201, "\(reply.text)")
        return try Session(reply)
    }

    func login(_ email: String, password: String = "correct horse battery") async throws -> TestHTTPClient.Reply {
        try await api().send("POST", "/auth/login", ["email": email, "password": password])
    }

    func refresh(_ token: String) async throws -> TestHTTPClient.Reply {
        try await api().send("POST", "/auth/refresh", ["refresh_token": token])
    }

    /// Mints an API key over HTTP with `credential` (an owner's token or an admin key), requiring a 201.
    func createKey(_ credential: String, scopes: [String], name: String = "test") async throws -> (key: String, id: String) {
        let reply = try await api(credential).send("POST", "/api-keys", ["name": name, "scopes": scopes])
        try #require(reply.status == 201, "\(reply.text)")
        let json = try reply.json()
        return (try #require(json["key"] as? String), try #require(json["id"] as? String))
    }

    /// Invites `email` into `credential`'s tenant, requiring a 201; returns the token and the invitation id.
    func invite(_ credential: String, _ email: String, role: String = "member") async throws -> (token: String, id: String) {
        let reply = try await api(credential).send("POST", "/tenant/invitations", ["email": email, "role": role])
        try #require(reply.status == 201, "\(reply.text)")
        let json = try reply.json()
        return (try #require(json["token"] as? String), try #require(json["invitation_id"] as? String))
    }

    func accept(_ token: String, password: String = "correct horse battery", name: String = "Bob") async throws -> TestHTTPClient.Reply {
        try await api().send("POST", "/auth/accept-invitation", ["token": token, "password": password, "name": name])
    }

    /// Invites `email` as `role` and accepts for them, requiring a 201; returns the new member's session.
    func addMember(_ owner: String, _ email: String, role: String = "member") async throws -> Session {
        let reply = try await accept(try await invite(owner, email, role: role).token)
        try #require(reply.status == 201, "\(reply.text)")
        return try Session(reply)
    }

    /// The `user_id → role` of `credential`'s tenant's members, requiring a 200.
    func members(_ credential: String) async throws -> [String: String] {
        let reply = try await api(credential).send("GET", "/tenant/members")
        try #require(reply.status == 200, "\(reply.text)")
        let members = try #require(try reply.json()["members"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: members.map { ($0["user_id"] as? String ?? "-", $0["role"] as? String ?? "-") })
    }
}

/// The answer of register, login and refresh.
struct Session {
    let accessToken: String
    let refreshToken: String
    let userID: String
    let tenantID: String
    let json: [String: Any]

    init(_ reply: TestHTTPClient.Reply) throws {
        json = try reply.json()
        accessToken = try #require(json["access_token"] as? String, "\(reply.text)")
        refreshToken = try #require(json["refresh_token"] as? String)
        userID = try #require((json["user"] as? [String: Any])?["id"] as? String)
        tenantID = try #require((json["tenant"] as? [String: Any])?["id"] as? String)
    }
}

/// Builds JWTs by hand (RFC 7515 compact form, HS256 from CortexCore), to forge and tamper with tokens.
enum TestJWT {
    static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ part: some StringProtocol) throws -> [String: Any] {
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        let data = try #require(Data(base64Encoded: text))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// `header.payload.signature`, signed with `secret` (HS256); `signature: ""` leaves it empty.
    static func make(header: [String: Any], payload: [String: Any], secret: String, signature: String? = nil) throws -> String {
        let headerPart = base64URL(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        let payloadPart = base64URL(try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]))
        let input = headerPart + "." + payloadPart
        let mac = signature ?? base64URL(HMACSHA256.authenticationCode(for: input, key: Array(secret.utf8)))
        return input + "." + mac
    }

    /// The payload of a real token.
    static func payload(of token: String) throws -> [String: Any] {
        try decode(try #require(token.split(separator: ".").dropFirst().first))
    }

    static func header(of token: String) throws -> [String: Any] {
        try decode(try #require(token.split(separator: ".").first))
    }
}
