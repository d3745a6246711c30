import CortexCore
import Testing

@Suite struct TenantIDTests {
    @Test(arguments: ["acme", "a", "tenant-42", "x_y", "0abc", String(repeating: "a", count: 64)])
    func acceptsFolderSafeIDs(_ raw: String) throws {
        #expect(try TenantID(raw).rawValue == raw)
    }

    @Test func rejectsIDsThatCouldEscapeTheirFolder() {
        #expect(throws: CortexError.invalidInput("tenant id '..' must start with a lowercase letter or digit")) {
            try TenantID("..")
        }
        #expect(throws: CortexError.invalidInput(
            "tenant id 'a/../b' has a forbidden character at position 1; allowed: a-z 0-9 - _")) {
            try TenantID("a/../b")
        }
        #expect(throws: CortexError.invalidInput(
            "tenant id 'Acme' must start with a lowercase letter or digit")) { try TenantID("Acme") }
        #expect(throws: CortexError.invalidInput(
            "tenant id 'a\\0b' has a forbidden character at position 1; allowed: a-z 0-9 - _")) { try TenantID("a\u{0}b") }
        #expect(throws: CortexError.invalidInput("tenant id is empty")) { try TenantID("") }
        #expect(throws: CortexError.invalidInput("tenant id is 65 bytes long; the limit is 64")) {
            try TenantID(String(repeating: "a", count: 65))
        }
        #expect(throws: CortexError.invalidInput(
            "tenant id 'a.b' has a forbidden character at position 1; allowed: a-z 0-9 - _")) { try TenantID("a.b") }
    }
}
