import CortexCore
import CortexStorage
import Hummingbird
import Prometheus

/// `/health`, `/ready` and `/metrics`.
struct SystemRoutes {
    let engine: StorageEngine
    let registry: PrometheusCollectorRegistry
    let storageMetrics: StorageMetrics
    let metricsBearerToken: String?

    struct Status: Encodable { let status: String }

    func register(on router: Router<some RequestContext>) {
        // Liveness: the process answers.
        router.get("/health") { _, _ in jsonResponse(Status(status: "ok")) }
        // Readiness: storage is open and the system environment answers a read.
        router.get("/ready") { _, _ in
            _ = try engine.listTenants()
            return jsonResponse(Status(status: "ready"))
        }
        router.get("/metrics") { request, context in try metrics(request, requestID: context.id) }
    }

    private func metrics(_ request: Request, requestID: String) throws -> Response {
        if let token = metricsBearerToken {
            let presented = request.headers[.authorization] ?? ""
            guard constantTimeEquals(Array(presented.utf8), Array("Bearer \(token)".utf8)) else {
                var response = APIError.response(
                    status: .unauthorized, code: "unauthorized", message: "metrics require the configured bearer token",
                    requestID: requestID)
                response.headers[.wwwAuthenticate] = "Bearer"
                return response
            }
        }
        try storageMetrics.refresh()
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
}

/// Compares without an early exit, so timing does not reveal how much of a secret matched.
func constantTimeEquals(_ left: [UInt8], _ right: [UInt8]) -> Bool {
    var difference = UInt8(left.count == right.count ? 0 : 1)
    for index in 0..<max(left.count, right.count) {
        let a = index < left.count ? left[index] : 0
        let b = index < right.count ? right[index] : 0
        difference |= a ^ b
    }
    return difference == 0
}
