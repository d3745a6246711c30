public import CortexCore
import CortexStorage

/// One member of a tenant as listed: the account and its membership.
public struct TenantMember: Sendable, Equatable {
    public let user: UserRecord
    public let membership: MembershipRecord
}

/// A tenant's members: listing, role changes and removal (docs/auth.md §7). Each change is one write transaction
/// that also checks, against storage, that the acting user is still an owner and that the tenant keeps an owner.
extension AccountStore {
    /// Longest user id looked up; real ids have 20 bytes.
    static let userIDByteCountMax = 64

    /// The tenant's members, ordered by user id (one index scan and two point reads a member).
    public func members(tenant: TenantID) throws(CortexError) -> [TenantMember] {
        try engine.system.read { transaction throws(CortexError) -> [TenantMember] in
            try tenantMembers.primaryKeys(for: tenant.rawValue, in: transaction).map { (userID: String) throws(CortexError) in
                try member(userID: userID, tenant: tenant, in: transaction)
            }
        }
    }

    /// Makes a member an owner or a member. `.notFound` for a user who is not a member of `tenant`;
    /// `.conflict` when it would demote the tenant's last owner; `.forbidden` if `manager` is no longer an owner.
    public func setRole(_ role: TenantRole, userID: String, tenant: TenantID, by manager: TenantManager) throws(CortexError) -> TenantMember {
        try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) -> TenantMember in
            try requireOwner(manager, tenant: tenant, subject: "members", in: transaction)
            var found = try member(userID: userID, tenant: tenant, in: transaction)
            guard found.membership.role != role else { return found }
            if found.membership.role == .owner { try requireAnotherOwner(than: userID, tenant: tenant, in: transaction) }
            var membership = found.membership
            membership.role = role
            try putMembership(membership, userID: userID, tenant: tenant, in: &transaction)
            found = TenantMember(user: found.user, membership: membership)
            return found
        }
    }

    /// Removes a member from `tenant` and ends their sessions in it, in one transaction. A user may remove
    /// themselves (leave); anyone else needs `manager` to be an owner. An account left without memberships is
    /// deleted with it (a user belongs to one tenant, so it could neither log in nor be invited again).
    /// `.notFound` for a user who is not a member; `.conflict` for the tenant's last owner.
    public func removeMember(userID: String, tenant: TenantID, by manager: TenantManager, sessions: SessionStore) throws(CortexError) {
        try engine.system.writeSync { (transaction: inout WriteTransaction) throws(CortexError) in
            if manager != .user(userID) { try requireOwner(manager, tenant: tenant, subject: "members", in: transaction) }
            let found = try member(userID: userID, tenant: tenant, in: transaction)
            if found.membership.role == .owner { try requireAnotherOwner(than: userID, tenant: tenant, in: transaction) }
            try deleteMembership(userID: userID, tenant: tenant.rawValue, in: &transaction)
            try sessions.endAll(userID: userID, tenant: tenant, because: .removed, in: &transaction)
            var remains = false
            try memberships.forEach(in: transaction, prefix: userID) { _, _ in
                remains = true
                return false
            }
            if !remains { try deleteUser(found.user, in: &transaction) }
        }
    }

    /// Throws unless `manager` is trusted or a user whose stored role in `tenant` is `owner`.
    func requireOwner(
        _ manager: TenantManager, tenant: TenantID, subject: String, in transaction: borrowing some Transaction & ~Copyable
    ) throws(CortexError) {
        guard case .user(let userID) = manager else { return }
        // The session outlived its membership only between the removal's commit and this read: refuse as for an ended session.
        guard let membership = try memberships.get(KeyPair(userID, tenant.rawValue), in: transaction) else {
            throw .unauthorized(AccessTokens.rejectionMessage)
        }
        guard membership.role == .owner else { throw TenantManager.ownerRoleNeeded(for: subject, role: membership.role) }
    }

    /// ``requireOwner(_:tenant:subject:in:)`` in a read transaction of its own.
    func requireOwner(_ manager: TenantManager, tenant: TenantID, subject: String) throws(CortexError) {
        guard case .user = manager else { return }
        try engine.system.read { transaction throws(CortexError) in try requireOwner(manager, tenant: tenant, subject: subject, in: transaction) }
    }

    /// The member `userID` of `tenant`; `.notFound` if there is none.
    private func member(userID: String, tenant: TenantID, in transaction: borrowing some Transaction & ~Copyable) throws(CortexError) -> TenantMember {
        let notFound = CortexError.notFound("tenant '\(tenant)' has no member '\(userID.prefix(Self.userIDByteCountMax))'")
        // Ids are `usr_` + 16 hex digits; a longer one names no member (and would not fit an LMDB key).
        guard userID.utf8.count <= Self.userIDByteCountMax,
              let membership = try memberships.get(KeyPair(userID, tenant.rawValue), in: transaction) else { throw notFound }
        guard let user = try users.get(userID, in: transaction) else { throw .corrupt("membership of tenant '\(tenant)' names user \(userID), who does not exist") }
        return TenantMember(user: user, membership: membership)
    }

    /// `.conflict` unless `tenant` has an owner besides `userID`.
    private func requireAnotherOwner(than userID: String, tenant: TenantID, in transaction: borrowing some Transaction & ~Copyable) throws(CortexError) {
        var hasAnother = false
        try tenantMembers.entries.forEach(in: transaction, prefix: tenant.rawValue) { entry, _ throws(CortexError) in
            guard entry.second != userID else { return true }
            hasAnother = try memberships.get(KeyPair(entry.second, tenant.rawValue), in: transaction)?.role == .owner
            return !hasAnother
        }
        guard hasAnother else {
            throw .conflict("'\(userID)' is the last owner of tenant '\(tenant)'; make another member an owner first")
        }
    }
}
