public import CortexCore

/// The settings of accounts, sessions and login throttling (`auth.*`, docs/auth.md).
public struct AuthOptions: Sendable, Equatable {
    /// One HS256 key for access tokens: its id (the JWT `kid`) and secret.
    public struct SigningKey: Sendable, Equatable {
        public let id: String
        public let secret: [UInt8]

        public init(id: String, secret: [UInt8]) {
            self.id = id
            self.secret = secret
        }
    }

    /// Shortest secret accepted, in bytes (RFC 7518 §3.2: an HS256 key has at least 256 bits).
    public static let secretByteCountMin = 32
    /// Longest key id, in bytes.
    public static let keyIDByteCountMax = 64

    /// bcrypt's cost (log2 of its rounds), 4–31.
    public var bcryptCost: Int
    public var accessTokenTTL: Duration
    public var refreshTokenTTL: Duration
    /// Every key an access token may be signed with; empty: the server makes one random key at start.
    public var keys: [SigningKey]
    /// The key new tokens are signed with; one of ``keys``.
    public var signingKeyID: String?
    /// Failed logins one account may have in ``loginFailureWindow`` before logins to it are refused.
    public var loginFailuresPerAccountMax: Int
    /// Failed logins one client address may have in ``loginFailureWindow``.
    public var loginFailuresPerAddressMax: Int
    public var loginFailureWindow: Duration
    /// How long a tenant invitation's token can be accepted (`auth.invitation_ttl_seconds`).
    public var invitationTTL: Duration

    public init(
        bcryptCost: Int = 12, accessTokenTTL: Duration = .seconds(900), refreshTokenTTL: Duration = .seconds(30 * 86_400),
        keys: [SigningKey] = [], signingKeyID: String? = nil, loginFailuresPerAccountMax: Int = 5, loginFailuresPerAddressMax: Int = 20,
        loginFailureWindow: Duration = .seconds(900), invitationTTL: Duration = .seconds(7 * 86_400)
    ) {
        self.bcryptCost = bcryptCost
        self.accessTokenTTL = accessTokenTTL
        self.refreshTokenTTL = refreshTokenTTL
        self.keys = keys
        self.signingKeyID = signingKeyID
        self.loginFailuresPerAccountMax = loginFailuresPerAccountMax
        self.loginFailuresPerAddressMax = loginFailuresPerAddressMax
        self.loginFailureWindow = loginFailureWindow
        self.invitationTTL = invitationTTL
    }

    /// Parses `auth.jwt_keys`: `kid:secret` entries separated by commas (`2026-11:…,2026-10:…`).
    ///
    /// A key id is 1–64 characters of `A-Z a-z 0-9 . _ -`; a secret is at least
    /// 32 bytes of text (its UTF-8 bytes are the key) without commas. Errors
    /// name the entry by position, never the secret.
    public static func parseKeys(_ text: String) throws(CortexError) -> [SigningKey] {
        var keys: [SigningKey] = []
        for (index, entry) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            guard let colon = entry.firstIndex(of: ":") else {
                throw .invalidInput("auth.jwt_keys entry \(index + 1) is not kid:secret")
            }
            let id = String(entry[..<colon])
            let secret = Array(entry[entry.index(after: colon)...].utf8)
            guard isValidKeyID(id) else {
                throw .invalidInput("auth.jwt_keys entry \(index + 1) has key id '\(id.prefix(80))'; use 1-\(keyIDByteCountMax) of A-Z a-z 0-9 . _ -")
            }
            guard secret.count >= secretByteCountMin else {
                throw .invalidInput("auth.jwt_keys key '\(id)' has a \(secret.count)-byte secret; at least \(secretByteCountMin) bytes are needed")
            }
            guard !keys.contains(where: { $0.id == id }) else { throw .invalidInput("auth.jwt_keys names key '\(id)' twice") }
            keys.append(SigningKey(id: id, secret: secret))
        }
        return keys
    }

    static func isValidKeyID(_ id: String) -> Bool {
        (1...keyIDByteCountMax).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "-")
            }
    }
}
