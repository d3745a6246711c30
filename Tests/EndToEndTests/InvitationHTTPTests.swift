import CortexTesting
import Foundation
import Testing

/// `/api/v1/tenant/invitations` and `/api/v1/auth/accept-invitation` on a real server (docs/auth.md §7).
@Suite struct InvitationHTTPTests {
    @Test func anInvitedMemberJoinsUsesTheTenantsDataAndCannotManageIt() async throws {
        let auth = try AuthFixture()
        let owner = try await auth.register("owner@example.com")
        let ownerAPI = auth.api(owner.accessToken)
        #expect(try await ownerAPI.createCollection("docs", dimension: 2).status == 201)

        let invited = try await ownerAPI.send("POST", "/tenant/invitations", ["email": " Bob@Example.COM ", "role": "member"])
        #expect(invited.status == 201, "\(invited.text)")
        let invitation = try invited.json()
        let token = try #require(invitation["token"] as? String)
        let invitationID = try #require(invitation["invitation_id"] as? String)
        #expect(token.hasPrefix("ci_") && token.count == 3 + 43)
        #expect(invitationID.hasPrefix("inv_") && invitationID.count == 4 + 16)
        #expect(invitation["email"] as? String == "bob@example.com")
        #expect(invitation["role"] as? String == "member")
        let createdAt = try #require(invitation["created_at"] as? Int)
        #expect(invitation["expires_at"] as? Int == createdAt + 7 * 86_400_000, "auth.invitation_ttl_seconds defaults to 7 days")

        let pending = try await ownerAPI.send("GET", "/tenant/invitations")
        #expect(pending.status == 200, "\(pending.text)")
        #expect(!pending.text.contains(token), "the list never holds the token")
        let listed = try #require(try pending.json()["invitations"] as? [[String: Any]])
        #expect(listed.map { $0["invitation_id"] as? String } == [invitationID])
        #expect(listed.first?["token"] == nil)

        let accepted = try await auth.accept(token, name: "Bob Builder")
        #expect(accepted.status == 201, "\(accepted.text)")
        let bob = try Session(accepted)
        #expect(bob.tenantID == owner.tenantID, "the member joins the inviting tenant")
        #expect((bob.json["tenant"] as? [String: Any])?["role"] as? String == "member")
        #expect((bob.json["user"] as? [String: Any])?["email"] as? String == "bob@example.com", "the email comes from the invitation")
        #expect((bob.json["user"] as? [String: Any])?["name"] as? String == "Bob Builder")
        #expect(bob.json["token_type"] as? String == "Bearer")
        #expect(try TestJWT.payload(of: bob.accessToken)["role"] as? String == "member")
        #expect(!auth.server.log.contains(token), "invitation tokens never reach the log")

        #expect(try ErrorReply(try await auth.accept(token)) == ErrorReply(
            status: 410, code: "invitation_used", message: "this invitation has already been accepted; log in instead"))
        #expect(try #require(try await ownerAPI.send("GET", "/tenant/invitations").json()["invitations"] as? [[String: Any]]).isEmpty)

        // The member logs in later, into the same tenant, and reads and writes its data.
        let login = try Session(try await auth.login("bob@example.com"))
        #expect(login.tenantID == owner.tenantID)
        let bobAPI = auth.api(login.accessToken)
        #expect(try await bobAPI.count("docs") == 0)
        #expect(try await bobAPI.send("POST", "/collections/docs/records", ["records": [["id": "a", "vector": [1.0, 2.0]]]]).status == 200)
        #expect(try await bobAPI.createCollection("bobs", dimension: 2).status == 201)
        #expect(try await ownerAPI.count("docs") == 1, "the owner sees the member's writes")
        #expect(try await auth.members(login.accessToken) == [owner.userID: "owner", bob.userID: "member"], "members may list the members")
        let me = try await bobAPI.send("GET", "/me")
        #expect((try me.json()["memberships"] as? [[String: Any]])?.map { $0["id"] as? String } == [owner.tenantID])

        // …but manage nothing.
        let notOwner = { (subject: String) in
            ErrorReply(status: 403, code: "forbidden", message: "managing \(subject) needs the owner role (you are a member)")
        }
        #expect(try ErrorReply(try await bobAPI.send("POST", "/tenant/invitations", ["email": "eve@example.com", "role": "owner"]))
            == notOwner("invitations"))
        #expect(try ErrorReply(try await bobAPI.send("GET", "/tenant/invitations")) == notOwner("invitations"))
        #expect(try ErrorReply(try await bobAPI.send("POST", "/api-keys", ["name": "x", "scopes": ["admin"]])) == notOwner("API keys"))
        #expect(try ErrorReply(try await bobAPI.send("GET", "/api-keys")) == notOwner("API keys"))
        #expect(try ErrorReply(try await bobAPI.send("DELETE", "/tenant/members/\(owner.userID)")) == notOwner("members"))
        #expect(try ErrorReply(try await bobAPI.send("PATCH", "/tenant/members/\(bob.userID)", ["role": "owner"])) == notOwner("members"))
        #expect(try await auth.members(owner.accessToken).count == 2, "nothing changed")
    }

    @Test func revokedReplacedUnknownAndTakenInvitationsAreRefusedWithDistinctCodes() async throws {
        let auth = try AuthFixture()
        let owner = try await auth.register("owner@example.com")
        let ownerAPI = auth.api(owner.accessToken)
        let invalid = ErrorReply(status: 400, code: "invitation_invalid", message: "unknown invitation token")
        #expect(try ErrorReply(try await auth.accept("ci_" + String(repeating: "A", count: 43))) == invalid)
        #expect(try ErrorReply(try await auth.accept("not-a-token")) == invalid)
        #expect(try ErrorReply(try await auth.accept("ci_" + String(repeating: "A", count: 400))) == invalid)

        // Revoked: the token stops working; the id can be revoked once.
        let carol = try await auth.invite(owner.accessToken, "carol@example.com")
        #expect(try await ownerAPI.send("DELETE", "/tenant/invitations/\(carol.id)").status == 204)
        let revoked = ErrorReply(
            status: 410, code: "invitation_revoked",
            message: "this invitation was revoked or replaced by a newer one; ask the tenant's owner for a new one")
        #expect(try ErrorReply(try await auth.accept(carol.token)) == revoked)
        #expect(try ErrorReply(try await ownerAPI.send("DELETE", "/tenant/invitations/\(carol.id)")) == ErrorReply(
            status: 409, code: "conflict", message: "invitation '\(carol.id)' is no longer pending (revoked)"))
        #expect(try ErrorReply(try await ownerAPI.send("DELETE", "/tenant/invitations/inv_0000000000000000")) == ErrorReply(
            status: 404, code: "not_found", message: "tenant '\(owner.tenantID)' has no invitation 'inv_0000000000000000'"))

        // Re-inviting replaces the pending invitation: only the newest token works, with the newest role.
        let first = try await auth.invite(owner.accessToken, "dave@example.com", role: "member")
        let second = try await auth.invite(owner.accessToken, "DAVE@example.com", role: "owner")
        let pending = try #require(try await ownerAPI.send("GET", "/tenant/invitations").json()["invitations"] as? [[String: Any]])
        #expect(pending.map { $0["invitation_id"] as? String } == [second.id])
        #expect(pending.first?["role"] as? String == "owner")
        #expect(try ErrorReply(try await auth.accept(first.token)) == revoked)
        let dave = try Session(try await auth.accept(second.token))
        #expect((dave.json["tenant"] as? [String: Any])?["role"] as? String == "owner")
        #expect(try ErrorReply(try await ownerAPI.send("DELETE", "/tenant/invitations/\(second.id)")) == ErrorReply(
            status: 409, code: "conflict", message: "invitation '\(second.id)' is no longer pending (accepted)"))

        // Members cannot be invited again; an email with an account elsewhere can be invited but cannot accept.
        let member = ErrorReply(status: 409, code: "conflict", message: "dave@example.com is already a member of this tenant")
        #expect(try ErrorReply(try await ownerAPI.send("POST", "/tenant/invitations", ["email": "dave@example.com", "role": "member"])) == member)
        #expect(try ErrorReply(try await ownerAPI.send("POST", "/tenant/invitations", ["email": "owner@example.com", "role": "owner"]))
            == ErrorReply(status: 409, code: "conflict", message: "owner@example.com is already a member of this tenant"))
        try await auth.register("erin@example.com")
        let erin = try await auth.invite(owner.accessToken, "erin@example.com")
        #expect(try ErrorReply(try await auth.accept(erin.token)) == ErrorReply(
            status: 409, code: "conflict",
            message: "an account with the email erin@example.com already exists, and an account belongs to one tenant; it cannot accept this invitation"))
        #expect(try await auth.members(owner.accessToken).count == 2, "the refused acceptance changed nothing")
    }

    @Test func anExpiredInvitationIsRefusedAsExpired() async throws {
        let auth = try AuthFixture(["CORTEX_AUTH_INVITATION_TTL_SECONDS": "1"])
        let owner = try await auth.register("owner@example.com")
        let reply = try await auth.api(owner.accessToken).send("POST", "/tenant/invitations", ["email": "late@example.com", "role": "member"])
        let json = try reply.json()
        let token = try #require(json["token"] as? String)
        #expect(json["expires_at"] as? Int == (try #require(json["created_at"] as? Int)) + 1_000)
        // Waits for the server's clock, not a fixed time: the invitation leaves the pending list when it expires.
        for _ in 0..<100 {
            let pending = try #require(try await auth.api(owner.accessToken).send("GET", "/tenant/invitations").json()["invitations"] as? [Any])
            if pending.isEmpty { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try ErrorReply(try await auth.accept(token)) == ErrorReply(
            status: 410, code: "invitation_expired", message: "this invitation has expired; ask the tenant's owner for a new one"))
        #expect(try await auth.login("late@example.com").status == 401, "no account was made")
    }

    @Test func badInputIsRefusedWithMessagesNamingTheField() async throws {
        let auth = try AuthFixture()
        let owner = try await auth.register("owner@example.com")
        let ownerAPI = auth.api(owner.accessToken)
        let invitationCases: [(Any, String)] = [
            (["email": "bob@example.com"], "missing field role"),
            (["role": "member"], "missing field email"),
            (["email": "bob@example.com", "role": "admin"], "role must be owner or member; got 'admin'"),
            (["email": "bob@example.com", "role": 1], "role must be a string; got number"),
            (["email": "not-an-email", "role": "member"], "email must look like name@example.com"),
            (["email": "bob@example.com", "role": "member", "tenant": owner.tenantID], "unknown field tenant; allowed: email, role"),
            ([1, 2], "the request body must be a JSON object; got array"),
        ]
        for (body, message) in invitationCases {
            #expect(try ErrorReply(try await ownerAPI.send("POST", "/tenant/invitations", body)) == ErrorReply(
                status: 400, code: "invalid_input", message: message))
        }
        let token = try await auth.invite(owner.accessToken, "bob@example.com").token
        let acceptCases: [([String: Any], String)] = [
            (["token": token, "name": "Bob"], "missing field password"),
            (["password": "correct horse battery", "name": "Bob"], "missing field token"),
            (["token": token, "password": "short", "name": "Bob"], "password must have at least 10 characters; it has 5"),
            (["token": token, "password": "correct horse battery", "name": " "], "name must be 1-200 bytes; got 0"),
            (["token": 42, "password": "correct horse battery", "name": "Bob"], "token must be a string; got number"),
            (["token": token, "password": "correct horse battery", "name": "Bob", "email": "x@example.com"],
             "unknown field email; allowed: name, password, token"),
        ]
        for (body, message) in acceptCases {
            #expect(try ErrorReply(try await auth.api().send("POST", "/auth/accept-invitation", body)) == ErrorReply(
                status: 400, code: "invalid_input", message: message))
        }
        #expect(try await auth.accept(token).status == 201, "refused attempts leave the invitation pending")
        let bobID = try #require(try await auth.members(owner.accessToken).first { $0.value == "member" }?.key)
        #expect(try ErrorReply(try await ownerAPI.send("PATCH", "/tenant/members/\(bobID)", ["role": "boss"])) == ErrorReply(
            status: 400, code: "invalid_input", message: "role must be owner or member; got 'boss'"))
        #expect(try ErrorReply(try await ownerAPI.send("PATCH", "/tenant/members/\(bobID)", [:] as [String: Any])) == ErrorReply(
            status: 400, code: "invalid_input", message: "missing field role"))
    }
}
