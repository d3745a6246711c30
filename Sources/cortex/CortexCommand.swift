import ArgumentParser
import CortexCore
import CortexServer
import Logging

/// `cortex`: the command-line tool: admin, load, bench, snapshot, restore.
@main
struct CortexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cortex",
        abstract: "Administer Cortex data folders.",
        subcommands: [AdminCommand.self, LoadCommand.self, EmbedCommand.self, BenchCommand.self, SnapshotCommand.self, RestoreCommand.self])

    /// Storage logs only what a user must see (warnings and worse) on standard error.
    static func main() async {
        LoggingSystem.bootstrap { label in CortexLogHandler(label: label, level: .warning, json: false) }
        AllocatorTuning.apply()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
