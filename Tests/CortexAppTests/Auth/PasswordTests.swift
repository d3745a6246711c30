import CortexApp
import CortexCore
import Testing

@Suite struct PasswordTests {
    @Test func thePolicyNamesTheRuleABadPasswordBreaks() throws {
        try PasswordPolicy.check("0123456789")
        try PasswordPolicy.check(String(repeating: "x", count: 72))
        #expect(throws: CortexError.invalidInput("password must have at least 10 characters; it has 9")) { try PasswordPolicy.check("012345678") }
        #expect(throws: CortexError.invalidInput("password must have at least 10 characters; it has 5")) { try PasswordPolicy.check("ééééé") }
        #expect(throws: CortexError.invalidInput("password must be at most 72 bytes of UTF-8; it has 73")) {
            try PasswordPolicy.check(String(repeating: "x", count: 73))
        }
        #expect(throws: CortexError.invalidInput("password must not contain the NUL character")) { try PasswordPolicy.check("0123456789\u{0}x") }
    }

    @Test func hashesVerifyOnlyTheirPasswordAndAnUnknownAccountNeverMatches() {
        let hasher = PasswordHasher(cost: 4)
        let hash = hasher.hash("correct horse battery")
        #expect(hash.hasPrefix("$2b$04$"), "bcrypt, cost in the hash")
        #expect(hash != hasher.hash("correct horse battery"), "salted")
        #expect(hasher.verify("correct horse battery", against: hash))
        #expect(!hasher.verify("correct horse batterY", against: hash))
        #expect(!hasher.verify("correct horse battery\u{0}extra", against: hash))
        #expect(!hasher.verify("correct horse battery", against: nil))
    }
}
