public import CortexCore
import Synchronization

/// Which environments have change records that were not shipped yet, by name
/// (`system`, `tenant/<id>`): filled by every logged commit, drained by the log shipper.
final class ChangeTracker: Sendable {
    private let names = Mutex<Set<String>>([])

    func insert(_ name: String) { _ = names.withLock { $0.insert(name) } }

    func insert(contentsOf more: some Sequence<String>) { names.withLock { $0.formUnion(more) } }

    func take() -> Set<String> {
        names.withLock { names in
            defer { names.removeAll() }
            return names
        }
    }

    /// The commit hook environments are opened with.
    var hook: @Sendable (Environment, UInt64) -> Void {
        { [self] environment, _ in insert(environment.name) }
    }
}

extension StorageEngine {
    /// Names of the environments (`system`, `tenant/<id>`) that committed change records since the
    /// last call, or that ``markChanged(_:)`` named; at start every environment is in the set, so
    /// records left unshipped by a crash are found. Taking empties the set.
    public func takeChangedEnvironments() -> Set<String> { changes.take() }

    /// Puts environments back into the changed set (their shipment failed and must be retried).
    public func markChanged(_ names: some Sequence<String>) { changes.insert(contentsOf: names) }

    /// Runs `body` with the environment named `system` or `tenant/<id>` (opening a tenant's if needed).
    public func withEnvironment<T>(named name: String, _ body: (Environment) throws(CortexError) -> T) throws(CortexError) -> T {
        if name == system.name { return try body(system) }
        guard name.hasPrefix("tenant/") else { throw .invalidInput("'\(name)' is not an environment name (system or tenant/<id>)") }
        return try withTenantSync(try TenantID(String(name.dropFirst("tenant/".count))), body)
    }
}
