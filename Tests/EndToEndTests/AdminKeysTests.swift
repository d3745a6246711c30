import CortexTesting
import Foundation
import Testing

@Suite struct AdminKeysTests {
    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func keysAreCreatedOnceListedWithoutTheSecretAndRevoked() throws {
        let directory = TemporaryDirectory("cortex-keys")
        let data = directory.child("data")
        #expect(try runProduct("cortex", ["admin", "tenants", "create", "acme", "--data", data]).status == 0)

        let created = try runProduct("cortex", ["admin", "keys", "create", "--data", data, "--tenant", "acme", "--name", "loader", "--scopes", "query,ingest", "--json"])
        #expect(created.status == 0, "\(created.stderr)")
        let key = try #require(try json(created.stdout) as? [String: Any])
        let secret = try #require(key["key"] as? String)
        let id = try #require(key["id"] as? String)
        #expect(secret.hasPrefix("ck_"))
        #expect(key["scopes"] as? [String] == ["ingest", "query"])
        #expect(key["tenant"] as? String == "acme")

        let listed = try runProduct("cortex", ["admin", "keys", "list", "--data", data, "--tenant", "acme", "--json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(!listed.stdout.contains(secret), "listing never shows the key")
        let keys = try #require(try json(listed.stdout) as? [[String: Any]])
        #expect(keys.count == 1)
        #expect(keys.first?["id"] as? String == id)
        #expect(keys.first?["key"] == nil)
        #expect(keys.first?["revoked_at"] == nil)

        let revoked = try runProduct("cortex", ["admin", "keys", "revoke", "--data", data, "--tenant", "acme", "--id", id])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(revoked.stdout == "revoked \(id)\n")
        let again = try runProduct("cortex", ["admin", "keys", "revoke", "--data", data, "--tenant", "acme", "--id", id])
        #expect(again.status == 1)
        #expect(again.stderr == "cortex: API key '\(id)' is already revoked\n")
        let after = try #require(try json(try runProduct("cortex", ["admin", "keys", "list", "--data", data, "--tenant", "acme", "--json"]).stdout) as? [[String: Any]])
        #expect(after.first?["revoked_at"] is String)
    }

    @Test func badScopesAndUnknownTenantsAreClearErrors() throws {
        let directory = TemporaryDirectory("cortex-keys")
        let data = directory.child("data")
        #expect(try runProduct("cortex", ["admin", "tenants", "create", "acme", "--data", data]).status == 0)
        let badScope = try runProduct("cortex", ["admin", "keys", "create", "--data", data, "--tenant", "acme", "--name", "x", "--scopes", "read"])
        #expect(badScope.status == 1)
        #expect(badScope.stderr == "cortex: unknown scope 'read'; use admin, ingest, query or widget\n")
        let ghost = try runProduct("cortex", ["admin", "keys", "create", "--data", data, "--tenant", "ghost", "--name", "x", "--scopes", "query"])
        #expect(ghost.status == 1)
        #expect(ghost.stderr == "cortex: tenant 'ghost' does not exist\n")
    }
}
