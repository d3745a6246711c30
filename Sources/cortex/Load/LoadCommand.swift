import ArgumentParser

struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Bulk-load data into a data folder.", subcommands: [LoadVectorsCommand.self, LoadEventsCommand.self, LoadConversationsCommand.self, LoadAnalyticsCommand.self])
}
