import ArgumentParser
import CortexCore
import CortexStorage
import Foundation

/// Options every command that opens a data folder shares.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "Data folder.")
    var data = "./data"

    @Flag(name: .long, help: "Machine-readable JSON output.")
    var json = false

    /// Opens the engine on `--data`; storage errors end the command with a one-line message.
    /// Only `mayCreate` commands may initialise a folder that does not exist yet,
    /// so a mistyped `--data` is an error rather than a new empty data folder.
    func openEngine(mayCreate: Bool = false) throws -> StorageEngine {
        try reportingErrors { () throws(CortexError) in
            guard mayCreate || FileManager.default.fileExists(atPath: data + "/CORTEX") else {
                throw .notFound("no Cortex data folder at \(data)")
            }
            return try StorageEngine(options: StorageOptions(dataDirectory: data))
        }
    }
}

/// Prints `value` as pretty, key-sorted JSON on standard output.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Runs `body`, mapping `CortexError` to a one-line message and exit status 1.
func reportingErrors<T>(_ body: () throws(CortexError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        FileHandle.standardError.write(Data("cortex: \(error.message)\n".utf8))
        throw ExitCode(1)
    }
}

func reportingErrors<T>(_ body: () async throws(CortexError) -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        FileHandle.standardError.write(Data("cortex: \(error.message)\n".utf8))
        throw ExitCode(1)
    }
}

/// ISO 8601 in UTC with milliseconds.
func isoTimestamp(milliseconds: Int64) -> String {
    Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}
