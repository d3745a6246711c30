import CortexTesting
import Foundation
import Testing

/// `/api/v1/api-keys`: owners and admin keys manage their own tenant's keys, and nobody else's.
@Suite struct APIKeyHTTPTests {
    @Test func ownersCreateListAndRevokeKeysAndTheSecretIsShownOnce() async throws {
        let auth = try AuthFixture()
        let owner = try await auth.register("owner@example.com")
        let created = try await auth.api(owner.accessToken).send("POST", "/api-keys", ["name": "loader", "scopes": ["query", "ingest"]])
        #expect(created.status == 201, "\(created.text)")
        let json = try created.json()
        let key = try #require(json["key"] as? String)
        let id = try #require(json["id"] as? String)
        #expect(key.hasPrefix("ck_") && key.count == 3 + 43)
        #expect(json["scopes"] as? [String] == ["ingest", "query"])
        #expect(json["tenant"] as? String == owner.tenantID)
        #expect(json["revoked_at"] == nil)

        let listed = try await auth.api(owner.accessToken).send("GET", "/api-keys")
        #expect(listed.status == 200)
        #expect(!listed.text.contains(key), "the list never holds the secret")
        let keys = try #require(try listed.json()["api_keys"] as? [[String: Any]])
        #expect(keys.map { $0["id"] as? String } == [id])
        #expect(keys.first?["key"] == nil)

        // The key works on the data routes of the owner's tenant, and shows itself in /me.
        let keyAPI = auth.api(key)
        #expect(try await keyAPI.createCollection("docs", dimension: 2).status == 201)
        let me = try await keyAPI.send("GET", "/me")
        #expect((try me.json()["api_key"] as? [String: Any])?["id"] as? String == id)
        #expect((try me.json()["tenant"] as? [String: Any])?["id"] as? String == owner.tenantID)
        let cannotManage = try await keyAPI.send("GET", "/api-keys")
        #expect(try ErrorReply(cannotManage) == ErrorReply(
            status: 403, code: "forbidden", message: "managing API keys needs the admin scope (this key has: ingest, query)"))
        #expect(try ErrorReply(try await keyAPI.send("POST", "/auth/logout")).status == 403, "an API key has no session to end")

        // An admin-scoped key manages keys too.
        let admin = try await auth.createKey(owner.accessToken, scopes: ["admin"], name: "ops")
        let minted = try await auth.createKey(admin.key, scopes: ["widget"], name: "widget")
        #expect(try #require(try await auth.api(admin.key).send("GET", "/api-keys").json()["api_keys"] as? [[String: Any]]).count == 3)

        let revoked = try await auth.api(admin.key).send("DELETE", "/api-keys/\(id)")
        #expect(revoked.status == 200, "\(revoked.text)")
        #expect(try revoked.json()["revoked_at"] is Int)
        #expect(try ErrorReply(try await keyAPI.send("GET", "/collections")) == ErrorReply(
            status: 401, code: "unauthorized", message: "invalid or revoked API key"))
        #expect(try ErrorReply(try await auth.api(owner.accessToken).send("DELETE", "/api-keys/\(id)")) == ErrorReply(
            status: 409, code: "conflict", message: "API key '\(id)' is already revoked"))
        #expect(try await auth.api(minted.key).send("GET", "/me").status == 200, "other keys are untouched")
        #expect(try await auth.api(owner.accessToken).count("docs") == 0, "revoking a key keeps the tenant's data")
    }

    @Test func anotherTenantCannotListRevokeOrReadTheFirstTenantsKeysAndData() async throws {
        let auth = try AuthFixture()
        let acme = try await auth.register("acme@example.com")
        let globex = try await auth.register("globex@example.com")
        #expect(acme.tenantID != globex.tenantID)
        let acmeKey = try await auth.createKey(acme.accessToken, scopes: ["admin"])
        #expect(try await auth.api(acmeKey.key).createCollection("secret", dimension: 2).status == 201)
        let globexKey = try await auth.createKey(globex.accessToken, scopes: ["admin"])

        for credential in [globex.accessToken, globexKey.key] {
            let globexAPI = auth.api(credential)
            let list = try #require(try await globexAPI.send("GET", "/api-keys").json()["api_keys"] as? [[String: Any]])
            #expect(list.map { $0["id"] as? String } == [globexKey.id], "only the caller's own tenant's keys")
            #expect(try ErrorReply(try await globexAPI.send("DELETE", "/api-keys/\(acmeKey.id)")) == ErrorReply(
                status: 404, code: "not_found", message: "tenant '\(globex.tenantID)' has no API key '\(acmeKey.id)'"))
            #expect(try ErrorReply(try await globexAPI.send("GET", "/collections/secret")) == ErrorReply(
                status: 404, code: "not_found", message: "collection 'secret' does not exist"))
            #expect(try await globexAPI.send("GET", "/collections").text == #"{"collections":[]}"#)
        }
        // Nothing in a body or path can name another tenant.
        let smuggled = try await auth.api(globex.accessToken).send(
            "POST", "/api-keys", ["name": "x", "scopes": ["query"], "tenant": acme.tenantID])
        #expect(try ErrorReply(smuggled) == ErrorReply(status: 400, code: "invalid_input", message: "unknown field tenant; allowed: name, scopes"))
        #expect(try await auth.api(acmeKey.key).count("secret") == 0, "the first tenant's key and data are intact")
        #expect(try #require(try await auth.api(acme.accessToken).send("GET", "/api-keys").json()["api_keys"] as? [[String: Any]]).count == 1)
    }
}
