import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks that check their answers (see docs/benchmarks.md).",
        subcommands: [VectorBenchCommand.self, AnalyticsBenchCommand.self, EmbedBenchCommand.self])
}
