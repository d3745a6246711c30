import CortexApp
import CortexCore

/// JSON bodies of the account and API-key routes (docs/openapi.yaml).
enum AuthResponses {
    struct User: Encodable {
        let id: String
        let email: String
        let name: String
        let platformAdmin: Bool
        /// Epoch milliseconds.
        let createdAt: Int64

        init(_ record: UserRecord) {
            id = record.userID
            email = record.email
            name = record.name
            platformAdmin = record.isPlatformAdmin
            createdAt = record.createdAt
        }

        enum CodingKeys: String, CodingKey {
            case id, email, name
            case platformAdmin = "platform_admin"
            case createdAt = "created_at"
        }
    }

    /// A tenant as the caller sees it: its id and the caller's role (absent for an API key).
    struct Tenant: Encodable {
        let id: String
        let role: String?
    }

    /// What register, login and refresh return.
    struct Session: Encodable {
        let user: User
        let tenant: Tenant
        let accessToken: String
        let refreshToken: String
        let tokenType = "Bearer"
        /// Seconds until the access token expires.
        let expiresIn: Int64

        init(_ issued: AuthService.Issued) {
            user = User(issued.user)
            tenant = Tenant(id: issued.claims.tenantID.rawValue, role: issued.role.name)
            accessToken = issued.accessToken
            refreshToken = issued.refreshToken
            expiresIn = issued.claims.expiresAt - issued.claims.issuedAt
        }

        enum CodingKeys: String, CodingKey {
            case user, tenant
            case accessToken = "access_token"
            case refreshToken = "refresh_token"
            case tokenType = "token_type"
            case expiresIn = "expires_in"
        }
    }

    /// An API key; `key` (the secret) only in the answer that created it.
    struct Key: Encodable {
        let id: String
        let name: String
        let scopes: [String]
        let tenant: String
        /// Epoch milliseconds.
        let createdAt: Int64
        let revokedAt: Int64?
        let key: String?

        init(_ record: APIKeyRecord, key: String? = nil) {
            id = record.keyID
            name = record.name
            scopes = record.scopes.names
            tenant = record.tenantID.rawValue
            createdAt = record.createdAt
            revokedAt = record.revokedAt
            self.key = key
        }

        enum CodingKeys: String, CodingKey {
            case id, name, scopes, tenant, key
            case createdAt = "created_at"
            case revokedAt = "revoked_at"
        }
    }

    struct Keys: Encodable {
        let apiKeys: [Key]

        enum CodingKeys: String, CodingKey {
            case apiKeys = "api_keys"
        }
    }

    /// `GET /api/v1/me`: the session's user and memberships, or the API key.
    struct Me: Encodable {
        let tenant: Tenant
        let user: User?
        let memberships: [Tenant]?
        let apiKey: Key?

        enum CodingKeys: String, CodingKey {
            case tenant, user, memberships
            case apiKey = "api_key"
        }
    }

    /// An invitation; `token` (the secret) only in the answer that created it.
    struct Invitation: Encodable {
        let invitationID: String
        let email: String
        let role: String
        /// Epoch milliseconds.
        let createdAt: Int64
        let expiresAt: Int64
        let token: String?

        init(_ record: InvitationRecord, token: String? = nil) {
            invitationID = record.invitationID
            email = record.email
            role = record.role.name
            createdAt = record.createdAt
            expiresAt = record.expiresAt
            self.token = token
        }

        enum CodingKeys: String, CodingKey {
            case email, role, token
            case invitationID = "invitation_id"
            case createdAt = "created_at"
            case expiresAt = "expires_at"
        }
    }

    struct Invitations: Encodable {
        let invitations: [Invitation]
    }

    /// One member of the caller's tenant.
    struct Member: Encodable {
        let userID: String
        let email: String
        let name: String
        let role: String
        /// Epoch milliseconds: when the membership began.
        let joinedAt: Int64

        init(_ member: TenantMember) {
            userID = member.user.userID
            email = member.user.email
            name = member.user.name
            role = member.membership.role.name
            joinedAt = member.membership.createdAt
        }

        enum CodingKeys: String, CodingKey {
            case email, name, role
            case userID = "user_id"
            case joinedAt = "joined_at"
        }
    }

    struct Members: Encodable {
        let members: [Member]
    }
}
