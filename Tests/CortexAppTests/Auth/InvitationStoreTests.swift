import CortexApp
import CortexCore
import CortexStorage
import CortexTesting
import Testing

/// Invitations and members through ``AuthService`` on a manual clock (docs/auth.md §7).
@Suite struct InvitationStoreTests {
    func makeService(ttl: Duration = .seconds(3_600)) async throws -> (AuthService, StorageEngine, TemporaryDirectory, ManualEpochClock) {
        let clock = ManualEpochClock()
        let (engine, directory) = try Engines.temporary(clock: clock)
        let options = AuthOptions(bcryptCost: 4, keys: AuthServiceTests.keys, invitationTTL: ttl)
        let service = try await AuthService(engine: engine, options: options, executor: InlineExecutor(), clock: clock)
        return (service, engine, directory, clock)
    }

    func principal(_ issued: AuthService.Issued) -> Principal { Principal(.user(issued.claims)) }

    @Test func aTokenWorksUntilTheMillisecondItExpiresAndIsThenExpiredUntilSwept() async throws {
        let (service, engine, directory, clock) = try await makeService()
        defer { engine.close(); _ = directory }
        let owner = try await service.register(email: "owner@example.com", password: "correct horse battery", name: "O")
        let (early, _) = try await service.invite(for: principal(owner), email: "early@example.com", role: .member)
        let (late, record) = try await service.invite(for: principal(owner), email: "late@example.com", role: .owner)
        #expect(record.expiresAt == record.createdAt + 3_600_000)
        clock.advance(by: .milliseconds(3_599_999))
        let joined = try await service.acceptInvitation(token: early, password: "correct horse battery", name: "E")
        #expect(joined.role == .member)
        #expect(joined.claims.tenantID == owner.claims.tenantID)
        clock.advance(by: .milliseconds(1))
        let expired = CortexError.gone("this invitation has expired; ask the tenant's owner for a new one", reason: "invitation_expired")
        await #expect(throws: expired) { try await service.acceptInvitation(token: late, password: "correct horse battery", name: "L") }
        #expect(try await service.listInvitations(for: principal(owner)).isEmpty, "an expired invitation is not pending")

        #expect(try service.invitations.sweepExpired() == 0, "kept for the retention period")
        clock.advance(by: InvitationStore.retention)
        #expect(try service.invitations.sweepExpired() == 2)
        await #expect(throws: CortexError(.invalidInput, "unknown invitation token", reason: "invitation_invalid")) {
            try await service.acceptInvitation(token: late, password: "correct horse battery", name: "L")
        }
    }

    @Test func reInvitingReplacesThePendingInvitationInOneStep() async throws {
        let (service, engine, directory, _) = try await makeService()
        defer { engine.close(); _ = directory }
        let owner = try await service.register(email: "owner@example.com", password: "correct horse battery", name: "O")
        let (first, firstRecord) = try await service.invite(for: principal(owner), email: "bob@example.com", role: .member)
        let (second, secondRecord) = try await service.invite(for: principal(owner), email: "Bob@Example.com", role: .owner)
        #expect(try await service.listInvitations(for: principal(owner)).map(\.invitationID) == [secondRecord.invitationID])
        await #expect(throws: CortexError.gone(
            "this invitation was revoked or replaced by a newer one; ask the tenant's owner for a new one", reason: "invitation_revoked")
        ) {
            try await service.acceptInvitation(token: first, password: "correct horse battery", name: "B")
        }
        await #expect(throws: CortexError.conflict("invitation '\(firstRecord.invitationID)' is no longer pending (revoked)")) {
            try await service.revokeInvitation(for: principal(owner), invitationID: firstRecord.invitationID)
        }
        #expect(try await service.acceptInvitation(token: second, password: "correct horse battery", name: "B").role == .owner)
    }

    @Test func removingAMemberEndsTheirSessionsDeletesTheAccountAndKeepsAnOwner() async throws {
        let (service, engine, directory, _) = try await makeService()
        defer { engine.close(); _ = directory }
        let owner = try await service.register(email: "owner@example.com", password: "correct horse battery", name: "O")
        let tenant = owner.claims.tenantID
        let (token, _) = try await service.invite(for: principal(owner), email: "bob@example.com", role: .member)
        let bob = try await service.acceptInvitation(token: token, password: "correct horse battery", name: "B")
        let bobAgain = try await service.login(email: "bob@example.com", password: "correct horse battery", address: "127.0.0.1")
        #expect(try service.accounts.members(tenant: tenant).map(\.user.userID) == [owner.user.userID, bob.user.userID].sorted())

        let lastOwner = CortexError.conflict("'\(owner.user.userID)' is the last owner of tenant '\(tenant)'; make another member an owner first")
        await #expect(throws: lastOwner) { try await service.removeMember(for: principal(owner), userID: owner.user.userID) }
        await #expect(throws: lastOwner) { _ = try await service.setMemberRole(for: principal(owner), userID: owner.user.userID, role: .member) }

        try await service.removeMember(for: principal(owner), userID: bob.user.userID)
        for session in [bob, bobAgain] {
            #expect(try service.sessions.session(id: session.claims.sessionID)?.ending == .removed)
            await #expect(throws: CortexError.unauthorized(SessionStore.rejectionMessage)) { try await service.refresh(session.refreshToken) }
        }
        #expect(try service.accounts.user(id: bob.user.userID) == nil, "an account without a tenant is deleted")
        #expect(try service.accounts.isTaken(email: "bob@example.com") == false)
        #expect(try service.accounts.members(tenant: tenant).map(\.user.userID) == [owner.user.userID])
    }

    @Test func theTenantIndexIsBuiltForMembershipsStoredBeforeIt() throws {
        let clock = ManualEpochClock()
        let (engine, directory) = try Engines.temporary(clock: clock)
        defer { engine.close(); _ = directory }
        let tenant = try TenantID("acme")
        try engine.createTenant(tenant)
        // What an older server wrote: users and memberships, no `auth.tenant_members`.
        let users: Table<String, UserRecord> = try engine.system.table("auth.users")
        let memberships: Table<KeyPair<String, String>, MembershipRecord> = try engine.system.table("auth.memberships")
        try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            for (id, role) in [("usr_b", TenantRole.member), ("usr_a", .owner)] {
                let user = UserRecord(
                    userID: id, email: "\(id)@example.com", name: id, passwordHash: "-", isPlatformAdmin: false, homeTenant: tenant, createdAt: 1)
                try users.put(user, for: id, in: &transaction)
                try memberships.put(MembershipRecord(role: role, createdAt: 1), for: KeyPair(id, tenant.rawValue), in: &transaction)
            }
        }
        let accounts = try AccountStore(engine: engine, clock: clock)
        #expect(try accounts.members(tenant: tenant).map { "\($0.user.userID):\($0.membership.role.name)" } == ["usr_a:owner", "usr_b:member"])
        #expect(try AccountStore(engine: engine, clock: clock).members(tenant: tenant).count == 2, "opening again files nothing twice")
    }
}
