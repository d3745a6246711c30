import ArgumentParser

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Inspect and manage a data folder (the server must not be running on it).",
        subcommands: [TenantsCommand.self, KeysCommand.self, UsersCommand.self, StatsCommand.self, VerifyCommand.self])
}
