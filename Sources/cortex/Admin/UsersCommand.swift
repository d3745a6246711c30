import ArgumentParser
import CortexApp
import CortexCore
import CortexStorage

/// `cortex admin users promote|demote`: the platform administrator role (the server must not be running on the folder).
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Grant or withdraw the platform administrator role.",
        subcommands: [Promote.self, Demote.self])

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an account a platform administrator (from its next login or refresh).")
        @Option(name: .long, help: "The account's email.") var email: String
        @OptionGroup var options: DataOptions

        func run() async throws { try UsersCommand.set(email: email, admin: true, options: options) }
    }

    struct Demote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Withdraw the platform administrator role (from the account's next login or refresh).")
        @Option(name: .long, help: "The account's email.") var email: String
        @OptionGroup var options: DataOptions

        func run() async throws { try UsersCommand.set(email: email, admin: false, options: options) }
    }

    static func set(email: String, admin: Bool, options: DataOptions) throws {
        let engine = try options.openEngine()
        defer { engine.close() }
        let user = try reportingErrors { () throws(CortexError) in
            try AccountStore(engine: engine).setPlatformAdmin(email: email, admin)
        }
        print("\(user.email) (\(user.userID)) is \(admin ? "now" : "no longer") a platform administrator")
    }
}
