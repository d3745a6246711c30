public import CortexCore
import Foundation
import JWTKit

/// What an access token says about its bearer.
public struct SessionClaims: Sendable, Equatable {
    public let userID: String
    public let tenantID: TenantID
    public let role: TenantRole
    public let isPlatformAdmin: Bool
    /// The session (refresh-token family) the token belongs to; ending it ends the token.
    public let sessionID: String
    /// Epoch seconds.
    public let issuedAt: Int64
    /// Epoch seconds; the token is refused from this second on.
    public let expiresAt: Int64

}

/// The JWT payload of an access token (docs/auth.md §3).
struct AccessTokenPayload: JWTPayload, Equatable {
    static let issuer = "cortex"

    var iss: String
    var sub: String
    var tid: String
    var role: String
    var adm: Bool
    var sid: String
    var iat: Int64
    var exp: Int64

    /// Called by jwt-kit after the signature checked out. Expiry is checked by
    /// ``AccessTokens/verify(_:)`` against the service's clock, not here.
    func verify(using algorithm: some JWTAlgorithm) async throws {
        guard iss == Self.issuer else { throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "issuer") }
        guard exp > iat else { throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "exp before iat") }
    }
}

/// Signs and verifies access tokens: HS256 JWTs with a `kid` header.
///
/// Several keys verify, one signs (docs/auth.md §4 for rotation). A token is
/// accepted only if its header says `alg: HS256`, names a listed `kid`, its
/// signature verifies under that key, its issuer is `cortex` and it has not
/// expired by ``clock``; every failure gives the same `.unauthorized`
/// message. jwt-kit falls back to its default key for an unknown `kid`, so
/// the header is checked here first.
public struct AccessTokens: Sendable {
    /// Every rejection says this, so a caller cannot tell a forged token from an expired one.
    public static let rejectionMessage = "invalid or expired access token"
    /// Longest token read, in bytes; ours are about 400.
    public static let byteCountMax = 4_096

    let collection: JWTKeyCollection
    let signingKeyID: String
    let keyIDs: Set<String>
    let ttl: Duration
    let clock: any EpochClock
    /// Whether the server made its own key (no `auth.jwt_keys`): tokens then die with the process.
    public let isEphemeral: Bool

    /// - Parameters:
    ///   - keys: the verification keys; empty makes one random key (tokens then die with the process).
    ///   - signingKeyID: one of `keys`; nil means the first.
    public init(keys: [AuthOptions.SigningKey], signingKeyID: String?, ttl: Duration, clock: any EpochClock) async throws(CortexError) {
        isEphemeral = keys.isEmpty
        let keys = keys.isEmpty ? [AuthOptions.SigningKey(id: "ephemeral", secret: SecretToken.randomBytes(32))] : keys
        let signing = signingKeyID ?? keys[0].id
        guard keys.contains(where: { $0.id == signing }) else {
            throw .invalidInput("auth.jwt_signing_key_id '\(signing)' is not one of the keys in auth.jwt_keys")
        }
        let collection = JWTKeyCollection()
        for key in keys {
            await collection.add(hmac: HMACKey(from: key.secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.id))
        }
        self.collection = collection
        self.signingKeyID = signing
        keyIDs = Set(keys.map(\.id))
        self.ttl = ttl
        self.clock = clock
    }

    /// A token for `session`, valid for the configured TTL from now; returns it and its expiry (epoch seconds).
    public func issue(
        userID: String, tenantID: TenantID, role: TenantRole, isPlatformAdmin: Bool, sessionID: String
    ) async throws(CortexError) -> (token: String, claims: SessionClaims) {
        let now = clock.nowMilliseconds() / 1000
        let payload = AccessTokenPayload(
            iss: AccessTokenPayload.issuer, sub: userID, tid: tenantID.rawValue, role: role.name, adm: isPlatformAdmin, sid: sessionID,
            iat: now, exp: now + max(1, ttl.components.seconds))
        let token: String
        do {
            token = try await collection.sign(payload, kid: JWKIdentifier(string: signingKeyID))
        } catch {
            // HMAC signing of a small JSON object has no input-dependent failure.
            preconditionFailure("signing an access token failed: \(error)")
        }
        let claims = SessionClaims(
            userID: userID, tenantID: tenantID, role: role, isPlatformAdmin: isPlatformAdmin, sessionID: sessionID, issuedAt: payload.iat,
            expiresAt: payload.exp)
        return (token, claims)
    }

    /// The claims of a valid token; `.unauthorized` with ``rejectionMessage`` otherwise.
    public func verify(_ token: String) async throws(CortexError) -> SessionClaims {
        let rejected = CortexError.unauthorized(Self.rejectionMessage)
        guard token.utf8.count <= Self.byteCountMax, Self.headerIsAcceptable(token, keyIDs: keyIDs) else { throw rejected }
        let payload: AccessTokenPayload
        do {
            payload = try await collection.verify(token, as: AccessTokenPayload.self)
        } catch {
            throw rejected
        }
        guard clock.nowMilliseconds() / 1000 < payload.exp,
              let tenantID = try? TenantID(payload.tid),
              let role = TenantRole(name: payload.role)
        else { throw rejected }
        return SessionClaims(
            userID: payload.sub, tenantID: tenantID, role: role, isPlatformAdmin: payload.adm, sessionID: payload.sid,
            issuedAt: payload.iat, expiresAt: payload.exp)
    }

    /// Whether the JOSE header is `{"alg":"HS256", "kid": <a listed key>, "typ"?: "JWT"}` and nothing else.
    static func headerIsAcceptable(_ token: String, keyIDs: Set<String>) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let bytes = SecretToken.decodeBase64URL(parts[0]),
              let header = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              header["alg"] as? String == "HS256",
              let kid = header["kid"] as? String, keyIDs.contains(kid)
        else { return false }
        let typ = header["typ"]
        return typ == nil || typ as? String == "JWT"
    }
}
