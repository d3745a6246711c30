import ArgumentParser
import CortexCore
import CortexStorage

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Sizes of the system environment and every tenant environment.")
    @OptionGroup var options: DataOptions

    struct EnvironmentJSON: Encodable {
        let environment: String
        let mapBytes: Int
        let usedBytes: Int
        let fileBytes: Int
        enum CodingKeys: String, CodingKey {
            case environment
            case mapBytes = "map_bytes"
            case usedBytes = "used_bytes"
            case fileBytes = "file_bytes"
        }
    }

    func run() async throws {
        let engine = try options.openEngine()
        defer { engine.close() }
        var rows = [engine.system.statistics()]
        for tenant in try reportingErrors({ () throws(CortexError) in try engine.listTenants() }) {
            rows.append(try reportingErrors { () throws(CortexError) in
                try engine.withTenantSync(tenant.id) { (environment: Environment) -> EnvironmentStatistics in environment.statistics() }
            })
        }
        let json = rows.map {
            EnvironmentJSON(environment: $0.name, mapBytes: $0.mapByteCount, usedBytes: $0.usedByteCount, fileBytes: $0.fileByteCount)
        }
        if options.json {
            try printJSON(json)
        } else {
            for row in json { print("\(row.environment)\tused \(row.usedBytes) B\tfile \(row.fileBytes) B\tmap \(row.mapBytes) B") }
        }
    }
}
