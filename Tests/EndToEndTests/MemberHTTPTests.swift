import CortexTesting
import Foundation
import Testing

/// `/api/v1/tenant/members` on a real server: roles, removal, leaving, and another tenant's reach (docs/auth.md §7).
@Suite struct MemberHTTPTests {
    static let rejectedAccess = ErrorReply(status: 401, code: "unauthorized", message: "invalid or expired access token")
    static let rejectedRefresh = ErrorReply(status: 401, code: "unauthorized", message: "invalid, expired or already used refresh token")

    @Test func theLastOwnerCannotLeaveOrBeDemotedAndRoleChangesReachTheManagementRoutesAtOnce() async throws {
        let auth = try AuthFixture()
        let ada = try await auth.register("ada@example.com")
        let adaAPI = auth.api(ada.accessToken)
        let bob = try await auth.addMember(ada.accessToken, "bob@example.com")
        let lastOwner = ErrorReply(
            status: 409, code: "conflict", message: "'\(ada.userID)' is the last owner of tenant '\(ada.tenantID)'; make another member an owner first")
        #expect(try ErrorReply(try await adaAPI.send("DELETE", "/tenant/members/\(ada.userID)")) == lastOwner)
        #expect(try ErrorReply(try await adaAPI.send("PATCH", "/tenant/members/\(ada.userID)", ["role": "member"])) == lastOwner)

        let promoted = try await adaAPI.send("PATCH", "/tenant/members/\(bob.userID)", ["role": "owner"])
        #expect(promoted.status == 200, "\(promoted.text)")
        let member = try promoted.json()
        #expect(member["user_id"] as? String == bob.userID)
        #expect(member["email"] as? String == "bob@example.com")
        #expect(member["role"] as? String == "owner")
        #expect(member["joined_at"] is Int)
        // A promotion needs a token that says so: Bob's next refresh.
        #expect(try await auth.api(bob.accessToken).send("GET", "/tenant/invitations").status == 403)
        let bobOwner = try Session(try await auth.refresh(bob.refreshToken))
        #expect(try TestJWT.payload(of: bobOwner.accessToken)["role"] as? String == "owner")
        #expect(try await auth.api(bobOwner.accessToken).send("GET", "/tenant/invitations").status == 200)

        // A demotion takes effect at once, although Ada's token still says owner.
        #expect(try await adaAPI.send("PATCH", "/tenant/members/\(ada.userID)", ["role": "member"]).status == 200)
        #expect(try TestJWT.payload(of: ada.accessToken)["role"] as? String == "owner")
        let demoted = ErrorReply(status: 403, code: "forbidden", message: "managing invitations needs the owner role (you are a member)")
        #expect(try ErrorReply(try await adaAPI.send("GET", "/tenant/invitations")) == demoted)
        #expect(try ErrorReply(try await adaAPI.send("GET", "/api-keys")) == ErrorReply(
            status: 403, code: "forbidden", message: "managing API keys needs the owner role (you are a member)"))
        #expect(try await adaAPI.send("GET", "/collections").status == 200, "data routes stay open to members")
        #expect(try await auth.members(bobOwner.accessToken) == [ada.userID: "member", bob.userID: "owner"])

        // Ada leaves: her sessions end, and her account (which belonged to this tenant only) goes with her.
        #expect(try await adaAPI.send("DELETE", "/tenant/members/\(ada.userID)").status == 204)
        #expect(try ErrorReply(try await adaAPI.send("GET", "/me")) == Self.rejectedAccess)
        #expect(try ErrorReply(try await auth.refresh(ada.refreshToken)) == Self.rejectedRefresh)
        #expect(try ErrorReply(try await auth.login("ada@example.com")) == ErrorReply(
            status: 401, code: "unauthorized", message: "invalid email or password"))
        #expect(try await auth.members(bobOwner.accessToken) == [bob.userID: "owner"])
        let bobLast = ErrorReply(
            status: 409, code: "conflict", message: "'\(bob.userID)' is the last owner of tenant '\(ada.tenantID)'; make another member an owner first")
        #expect(try ErrorReply(try await auth.api(bobOwner.accessToken).send("DELETE", "/tenant/members/\(bob.userID)")) == bobLast)
    }

    @Test func aRemovedMemberIsLoggedOutCannotRefreshAndCanBeInvitedAgain() async throws {
        let auth = try AuthFixture()
        let owner = try await auth.register("owner@example.com")
        let ownerAPI = auth.api(owner.accessToken)
        let accepted = try await auth.addMember(owner.accessToken, "bob@example.com")
        let loggedIn = try Session(try await auth.login("bob@example.com"))
        #expect(try await auth.api(loggedIn.accessToken).createCollection("bobs", dimension: 2).status == 201)

        #expect(try await ownerAPI.send("DELETE", "/tenant/members/\(accepted.userID)").status == 204)
        for session in [accepted, loggedIn] {
            #expect(try ErrorReply(try await auth.api(session.accessToken).send("GET", "/collections")) == Self.rejectedAccess,
                    "every session of the removed member ends at once")
            #expect(try ErrorReply(try await auth.refresh(session.refreshToken)) == Self.rejectedRefresh)
        }
        #expect(try await auth.login("bob@example.com").status == 401)
        #expect(try await auth.members(owner.accessToken) == [owner.userID: "owner"])
        #expect(try ErrorReply(try await ownerAPI.send("DELETE", "/tenant/members/\(accepted.userID)")) == ErrorReply(
            status: 404, code: "not_found", message: "tenant '\(owner.tenantID)' has no member '\(accepted.userID)'"))
        #expect(try await ownerAPI.count("bobs") == 0, "what the member wrote stays with the tenant")

        let again = try await auth.addMember(owner.accessToken, "bob@example.com")
        #expect(again.userID != accepted.userID, "a new account")
        #expect(try ErrorReply(try await auth.refresh(accepted.refreshToken)) == Self.rejectedRefresh, "old sessions stay ended")
    }

    @Test func anotherTenantCannotListRevokeAcceptIntoOrRemoveTheFirstTenantsInvitationsAndMembers() async throws {
        let auth = try AuthFixture()
        let acme = try await auth.register("acme@example.com")
        let carol = try await auth.addMember(acme.accessToken, "carol@example.com")
        let acmeKey = try await auth.createKey(acme.accessToken, scopes: ["admin"])
        // An admin-scoped key manages invitations too.
        let pending = try await auth.invite(acmeKey.key, "dan@example.com")
        let globex = try await auth.register("globex@example.com")
        let globexKey = try await auth.createKey(globex.accessToken, scopes: ["admin"])

        for credential in [globex.accessToken, globexKey.key] {
            let globexAPI = auth.api(credential)
            #expect(try #require(try await globexAPI.send("GET", "/tenant/invitations").json()["invitations"] as? [Any]).isEmpty)
            #expect(try ErrorReply(try await globexAPI.send("DELETE", "/tenant/invitations/\(pending.id)")) == ErrorReply(
                status: 404, code: "not_found", message: "tenant '\(globex.tenantID)' has no invitation '\(pending.id)'"))
            #expect(try await auth.members(credential) == [globex.userID: "owner"])
            for userID in [carol.userID, acme.userID] {
                #expect(try ErrorReply(try await globexAPI.send("DELETE", "/tenant/members/\(userID)")) == ErrorReply(
                    status: 404, code: "not_found", message: "tenant '\(globex.tenantID)' has no member '\(userID)'"))
                #expect(try ErrorReply(try await globexAPI.send("PATCH", "/tenant/members/\(userID)", ["role": "member"])) == ErrorReply(
                    status: 404, code: "not_found", message: "tenant '\(globex.tenantID)' has no member '\(userID)'"))
            }
        }
        // An invitation id is not a token, and nothing in the body names a tenant.
        #expect(try ErrorReply(try await auth.accept(pending.id)) == ErrorReply(
            status: 400, code: "invitation_invalid", message: "unknown invitation token"))
        let smuggled = try await auth.api(globex.accessToken).send(
            "POST", "/tenant/invitations", ["email": "x@example.com", "role": "owner", "tenant": acme.tenantID])
        #expect(try ErrorReply(smuggled).message == "unknown field tenant; allowed: email, role")

        // Keys without the admin scope neither list members nor manage invitations.
        let queryKey = try await auth.createKey(acme.accessToken, scopes: ["query"])
        #expect(try ErrorReply(try await auth.api(queryKey.key).send("GET", "/tenant/members")) == ErrorReply(
            status: 403, code: "forbidden", message: "listing members needs a user session or the admin scope (this key has: query)"))
        #expect(try ErrorReply(try await auth.api(queryKey.key).send("POST", "/tenant/invitations", ["email": "x@example.com", "role": "member"]))
            == ErrorReply(status: 403, code: "forbidden", message: "managing invitations needs the admin scope (this key has: query)"))

        // The first tenant is intact: its member, its pending invitation (which still works).
        #expect(try await auth.members(acme.accessToken) == [acme.userID: "owner", carol.userID: "member"])
        let dan = try Session(try await auth.accept(pending.token))
        #expect(dan.tenantID == acme.tenantID)
    }
}
