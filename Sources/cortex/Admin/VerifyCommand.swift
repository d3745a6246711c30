import ArgumentParser
import CortexCore
import CortexStorage
import CortexVector

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Read every entry of every table of every environment; exit 1 if anything is damaged.")
    @OptionGroup var options: DataOptions

    struct ReportJSON: Encodable {
        let environment: String
        let tables: [String: Int]
        let ok: Bool
        let error: String?
    }

    func run() async throws {
        let engine = try options.openEngine()
        defer { engine.close() }
        var reports = [check("system") { () throws(CortexError) in try engine.system.verify() }]
        for tenant in try reportingErrors({ () throws(CortexError) in try engine.listTenants() }) {
            reports.append(check("tenant/\(tenant.id)") { () throws(CortexError) in
                try engine.withTenantSync(tenant.id) { (environment: Environment) throws(CortexError) in
                    let result = try environment.verify()
                    // Then the vector collections' graphs and records (structure beyond LMDB's).
                    if result.tables.contains(where: { $0.name == "vector.collections" }) {
                        let store = try VectorStore(environment: environment)
                        for descriptor in try store.list() { _ = try store.collection(named: descriptor.configuration.name).verify() }
                    }
                    return result
                }
            })
        }
        if options.json {
            try printJSON(reports)
        } else {
            for report in reports {
                let detail = report.error ?? report.tables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                print("\(report.ok ? "ok" : "DAMAGED")\t\(report.environment)\t\(detail)")
            }
        }
        if reports.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }

    private func check(_ name: String, _ body: () throws(CortexError) -> EnvironmentVerification) -> ReportJSON {
        do {
            let result = try body()
            return ReportJSON(
                environment: name, tables: Dictionary(uniqueKeysWithValues: result.tables.map { ($0.name, $0.entryCount) }),
                ok: true, error: nil)
        } catch {
            return ReportJSON(environment: name, tables: [:], ok: false, error: error.message)
        }
    }
}
