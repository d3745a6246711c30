import CortexApp
import CortexCore
import CortexVector
import Hummingbird

/// `/api/v1/api-keys`: create, list and revoke the caller's tenant's keys (owners and `admin`-scoped keys).
struct APIKeyRoutes: Sendable {
    let auth: AuthService

    func register(on group: RouterGroup<CortexRequestContext>) {
        group.post("api-keys") { request, context in
            let principal = context.requirePrincipal()
            // Checked before the body is read, so a caller without the right learns nothing from input errors.
            _ = try principal.tenantForKeyManagement()
            let fields = try await AuthRoutes.fields(request, allowed: ["name", "scopes"])
            let scopeNames = try fields.array("scopes").enumerated().map { (index: Int, value: JSONValue) throws(CortexError) in
                try JSONFields.string(value, name: "scopes[\(index)]")
            }
            let (key, record) = try await auth.createKey(
                for: principal, name: try fields.string("name"), scopes: try APIKeyScopes(names: scopeNames))
            return jsonResponse(AuthResponses.Key(record, key: key), status: .created)
        }
        group.get("api-keys") { _, context in
            let records = try await auth.listKeys(for: context.requirePrincipal())
            return jsonResponse(AuthResponses.Keys(apiKeys: records.map { AuthResponses.Key($0) }))
        }
        group.delete("api-keys/{id}") { _, context in
            let id = try context.parameters.require("id")
            return jsonResponse(AuthResponses.Key(try await auth.revokeKey(for: context.requirePrincipal(), keyID: id)))
        }
    }
}
