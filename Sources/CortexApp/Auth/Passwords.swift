public import CortexCore
import HummingbirdBcrypt

/// What a password must be: at least 10 characters, at most 72 bytes, no NUL; checked at registration.
public enum PasswordPolicy {
    /// Fewest characters (Unicode scalars) of a password.
    public static let characterCountMin = 10
    /// Most UTF-8 bytes: bcrypt reads only the first 72, so a longer password would be silently cut.
    public static let byteCountMax = 72

    /// Throws `.invalidInput` naming the rule a password breaks; the message never repeats the password.
    public static func check(_ password: String) throws(CortexError) {
        let characterCount = password.unicodeScalars.count
        guard characterCount >= characterCountMin else {
            throw .invalidInput("password must have at least \(characterCountMin) characters; it has \(characterCount)")
        }
        let byteCount = password.utf8.count
        guard byteCount <= byteCountMax else {
            throw .invalidInput("password must be at most \(byteCountMax) bytes of UTF-8; it has \(byteCount)")
        }
        // bcrypt's C code reads a NUL-terminated string: anything after a NUL would be ignored.
        guard !password.utf8.contains(0) else { throw .invalidInput("password must not contain the NUL character") }
    }
}

/// bcrypt hashing at a fixed cost (`auth.bcrypt_cost`). Both operations block
/// for the cost's duration (about 250 ms at cost 12): run them off the cooperative pool.
public struct PasswordHasher: Sendable {
    public let cost: Int
    /// The hash of a random password, checked when a login names an unknown
    /// email, so an unknown email costs the same bcrypt run as a wrong password.
    let decoyHash: String

    public init(cost: Int) {
        precondition((4...31).contains(cost), "bcrypt cost \(cost) is outside 4...31; the settings validator bounds it")
        self.cost = cost
        decoyHash = Bcrypt.hash(SecretToken.make(prefix: ""), cost: UInt8(cost))
    }

    public func hash(_ password: String) -> String {
        Bcrypt.hash(password, cost: UInt8(cost))
    }

    /// Whether `password` matches `hash`; with no hash (unknown account) it checks the decoy and returns false.
    public func verify(_ password: String, against hash: String?) -> Bool {
        // A password with a NUL would be compared only up to it; no stored password has one (PasswordPolicy).
        guard !password.utf8.contains(0) else {
            _ = Bcrypt.verify("", hash: hash ?? decoyHash)
            return false
        }
        guard let hash else {
            _ = Bcrypt.verify(password, hash: decoyHash)
            return false
        }
        return Bcrypt.verify(password, hash: hash)
    }
}
