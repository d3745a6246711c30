public import CortexCore
public import CortexStorage

/// The number each tenant's rows carry in the analytics tables' integer `tenant_id` column.
///
/// Analytics rows are sorted and indexed by an integer tenant column, while Cortex tenants are
/// named; this table (`analytics.tenant_numbers`, system environment: tenant id → number) gives
/// each tenant a number at its first analytics request: 1, 2, 3, … in order, never reused (a
/// deleted tenant's number stays taken), so a number always means the same tenant.
public struct AnalyticsTenantNumbers: Sendable {
    let engine: StorageEngine
    let numbers: Table<String, UInt32>

    public init(engine: StorageEngine) throws(CortexError) {
        self.engine = engine
        numbers = try engine.system.table("analytics.tenant_numbers")
    }

    /// The tenant's number, assigned in one write transaction when it has none yet.
    /// Throws `.notFound` when the tenant does not exist.
    public func number(of tenant: TenantID) throws(CortexError) -> Int64 {
        if let number = try numbers.get(tenant.rawValue, in: engine.system) { return Int64(number) }
        guard try engine.tenant(tenant) != nil else { throw .notFound("tenant '\(tenant)' does not exist") }
        let numbers = self.numbers
        return try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> Int64 in
            // Another request may have assigned it since the read above.
            if let number = try numbers.get(tenant.rawValue, in: transaction) { return Int64(number) }
            let count = try numbers.count(in: transaction)
            guard count < Int(Int32.max) else { throw .tooLarge("every analytics tenant number is taken") }
            let number = UInt32(count + 1)
            try numbers.put(number, for: tenant.rawValue, in: &transaction)
            return Int64(number)
        }
    }
}
