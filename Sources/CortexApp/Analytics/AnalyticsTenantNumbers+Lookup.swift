public import CortexCore
import CortexStorage

extension AnalyticsTenantNumbers {
    /// The tenant's number if it has one; never assigns one (for reading another
    /// registry, such as a snapshot's, where nothing may be written).
    public func existingNumber(of tenant: TenantID) throws(CortexError) -> Int64? {
        try numbers.get(tenant.rawValue, in: engine.system).map { Int64($0) }
    }
}
