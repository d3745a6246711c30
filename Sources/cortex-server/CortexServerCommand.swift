import ArgumentParser
import CortexCore
import CortexServer
import Foundation
import Logging
import Metrics
import Prometheus

/// `cortex-server`: the Cortex HTTP (and, later, wire-protocol) server.
@main
struct CortexServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cortex-server",
        abstract: "Run the Cortex server.",
        discussion: """
            Settings come from built-in defaults < the JSON config file < CORTEX_* environment \
            variables < these flags. See docs/operations.md for every key.
            """)

    @Option(name: .long, help: "JSON configuration file.")
    var config: String?

    @Option(name: .long, help: "Data folder (storage.data_directory, default ./data).")
    var data: String?

    @Option(name: .long, help: "Address to bind (server.host, default 127.0.0.1).")
    var host: String?

    @Option(name: .customLong("http-port"), help: "HTTP port; 0 picks a free one (server.http_port, default 8080).")
    var httpPort: Int?

    @Option(name: .customLong("wire-port"), help: "Wire-protocol port; 0 picks a free one (server.wire_port, default 7070).")
    var wirePort: Int?

    @Flag(name: .customLong("print-config"), help: "Print the effective configuration (secrets masked) and exit.")
    var printConfig = false

    func run() async throws {
        AllocatorTuning.apply()
        var flags: [String: String] = [:]
        flags["storage.data_directory"] = data
        flags["server.host"] = host
        flags["server.http_port"] = httpPort.map(String.init)
        flags["server.wire_port"] = wirePort.map(String.init)
        let loaded: LoadedSettings
        do {
            loaded = try await SettingsLoader.load(
                configFile: config, environment: ProcessInfo.processInfo.environment, flags: flags)
        } catch {
            FileHandle.standardError.write(Data("cortex-server: invalid configuration: \(error.message)\n".utf8))
            throw ExitCode(2)
        }
        if printConfig {
            print(loaded.rendered())
            return
        }
        let settings = loaded.settings
        LoggingSystem.bootstrap { label in
            CortexLogHandler(label: label, level: settings.logLevel, json: settings.logFormat == .json)
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "cortex")
        for warning in loaded.warnings { logger.warning("\(warning)") }
        do {
            try await ServerRuntime.run(settings: settings, registry: registry, logger: logger)
        } catch let error as CortexError {
            logger.critical("cannot start: \(error.message)", metadata: ["code": "\(error.code.rawValue)"])
            throw ExitCode(1)
        } catch {
            // Anything else at start-up (a port in use, an address that does not resolve).
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        logger.notice("stopped")
    }
}
