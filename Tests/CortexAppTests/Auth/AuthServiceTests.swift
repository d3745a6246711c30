import CortexApp
import CortexCore
import CortexStorage
import CortexTesting
import Testing

/// Runs blocking work inline (tests have no thread pool to protect).
struct InlineExecutor: BlockingExecutor {
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(CortexError) -> T) async throws(CortexError) -> T { try body() }
}

@Suite struct AuthServiceTests {
    static let keys = [AuthOptions.SigningKey(id: "k", secret: Array("k-secret-0123456789abcdefghijklmnop".utf8))]

    func makeService(_ options: AuthOptions = AuthOptions(bcryptCost: 4, keys: keys)) async throws
        -> (AuthService, StorageEngine, TemporaryDirectory, ManualEpochClock)
    {
        let clock = ManualEpochClock()
        let (engine, directory) = try Engines.temporary(clock: clock)
        let service = try await AuthService(engine: engine, options: options, executor: InlineExecutor(), clock: clock)
        return (service, engine, directory, clock)
    }

    @Test func registrationCreatesATenantOwnedByTheUserAndRefusesADuplicateEmail() async throws {
        let (service, engine, directory, _) = try await makeService()
        defer { engine.close(); _ = directory }
        let issued = try await service.register(email: " Ada@Example.com", password: "correct horse battery", name: " Ada ")
        #expect(issued.user.email == "ada@example.com")
        #expect(issued.user.name == "Ada")
        #expect(issued.role == .owner)
        #expect(try engine.tenant(issued.claims.tenantID) != nil)
        #expect(try service.accounts.memberships(userID: issued.user.userID).map(\.tenant) == [issued.claims.tenantID])
        #expect(!issued.user.passwordHash.contains("correct horse battery"))
        let tenantCount = try engine.listTenants().count
        await #expect(throws: CortexError.conflict("an account with this email already exists")) {
            try await service.register(email: "ADA@example.com", password: "another long one", name: "A")
        }
        #expect(try engine.listTenants().count == tenantCount, "a refused registration makes no tenant")
        let principal = try await service.authenticate(issued.accessToken)
        #expect(principal.tenantID == issued.claims.tenantID)
        #expect(try principal.tenantForKeyManagement() == issued.claims.tenantID)
    }

    @Test func failedLoginsLockTheAccountUntilAFailureAgesOut() async throws {
        let options = AuthOptions(
            bcryptCost: 4, keys: Self.keys, loginFailuresPerAccountMax: 2, loginFailuresPerAddressMax: 100, loginFailureWindow: .seconds(60))
        let (service, engine, directory, clock) = try await makeService(options)
        defer { engine.close(); _ = directory }
        _ = try await service.register(email: "a@example.com", password: "correct horse battery", name: "A")
        let rejected = CortexError.unauthorized(AuthService.loginRejectionMessage)
        for _ in 0..<2 {
            await #expect(throws: rejected) { try await service.login(email: "a@example.com", password: "wrong password", address: "1.2.3.4") }
        }
        let locked = CortexError.rateLimited("too many failed logins for this account; try again in 30 s", retryAfter: .seconds(30))
        await #expect(throws: locked) { try await service.login(email: "a@example.com", password: "correct horse battery", address: "1.2.3.4") }
        clock.advance(by: .seconds(30))
        _ = try await service.login(email: "A@example.com", password: "correct horse battery", address: "1.2.3.4")
        // Success refilled the account's bucket: two more failures are allowed before the lock.
        for _ in 0..<2 {
            await #expect(throws: rejected) { try await service.login(email: "a@example.com", password: "wrong password", address: "1.2.3.4") }
        }
        await #expect(throws: CortexError.self) { try await service.login(email: "a@example.com", password: "correct horse battery", address: "1.2.3.4") }
    }

    @Test func aSessionEndsWhenItsUserLosesTheTenant() async throws {
        let (service, engine, directory, _) = try await makeService()
        defer { engine.close(); _ = directory }
        let issued = try await service.register(email: "gone@example.com", password: "correct horse battery", name: "G")
        try await engine.deleteTenant(issued.claims.tenantID)
        await #expect(throws: CortexError.unauthorized(AccessTokens.rejectionMessage)) { try await service.authenticate(issued.accessToken) }
        await #expect(throws: CortexError.unauthorized(SessionStore.rejectionMessage)) { try await service.refresh(issued.refreshToken) }
    }

    @Test func platformAdminIsGrantedByEmailAndAppearsInNewTokens() async throws {
        let (service, engine, directory, _) = try await makeService()
        defer { engine.close(); _ = directory }
        _ = try await service.register(email: "root@example.com", password: "correct horse battery", name: "R")
        #expect(try service.accounts.setPlatformAdmin(email: "ROOT@example.com", true).isPlatformAdmin)
        let issued = try await service.login(email: "root@example.com", password: "correct horse battery", address: "::1")
        #expect(issued.claims.isPlatformAdmin)
        #expect(throws: CortexError.notFound("no account has the email nobody@example.com")) {
            try service.accounts.setPlatformAdmin(email: "nobody@example.com", true)
        }
    }
}
