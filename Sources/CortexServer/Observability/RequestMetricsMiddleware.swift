import Dispatch
import HTTPTypes
import Hummingbird
import Metrics
import Synchronization

/// HTTP request metrics under the names and labels of Hummingbird's
/// `MetricsMiddleware` (`hb.requests`, `http.server.request.duration`,
/// `http.server.active_requests`, `hb.request.errors`; docs/operations.md),
/// recorded when the handler's response is ready instead of after its body
/// has been written.
///
/// Hummingbird's middleware times the write by wrapping every response body in
/// a closure, and a wrapped body is no longer written in one batch: the head and
/// the body leave in two socket writes, two TCP segments, two wake-ups of the
/// client. With one request in flight that was 2 writes per request and about a
/// tenth of the server's CPU. Every Cortex response body is one buffer, written
/// right after the handler returns, so the two end points differ by that write.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let cache = RequestMetricsCache()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let active = cache.active(method: request.method)
        active.increment()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            let metrics = cache.endpoint(.init(route: context.endpointPath ?? "Unknown", method: request.method, status: response.status))
            metrics.requests.increment()
            metrics.duration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
            return response
        } catch {
            // Cortex's ErrorMiddleware sits inside this one, so errors normally arrive as responses.
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let metrics = cache.endpoint(.init(route: context.endpointPath ?? "NotFound", method: request.method, status: status))
            metrics.requests.increment()
            metrics.errors.increment()
            throw error
        }
    }
}

/// The metric objects per method and per (route, method, status), made once each.
final class RequestMetricsCache: Sendable {
    struct EndpointKey: Hashable, Sendable {
        let route: String
        let method: HTTPRequest.Method
        let status: HTTPResponse.Status
    }

    struct EndpointMetrics: Sendable {
        let requests: Counter
        let duration: Timer
        let errors: Counter

        init(_ key: EndpointKey) {
            let labels = [
                ("http.route", key.route), ("http.request.method", key.method.rawValue),
                ("http.response.status_code", String(key.status.code)),
            ]
            requests = Counter(label: "hb.requests", dimensions: labels)
            duration = Timer(label: "http.server.request.duration", dimensions: labels, preferredDisplayUnit: .seconds)
            errors = Counter(
                label: "hb.request.errors",
                dimensions: [("http.route", key.route), ("http.request.method", key.method.rawValue), ("error.type", String(key.status.code))])
        }
    }

    private let methods = Mutex<[HTTPRequest.Method: Meter]>([:])
    private let endpoints = Mutex<[EndpointKey: EndpointMetrics]>([:])

    func active(method: HTTPRequest.Method) -> Meter {
        methods.withLock { methods in
            if let meter = methods[method] { return meter }
            let meter = Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method.rawValue)])
            methods[method] = meter
            return meter
        }
    }

    func endpoint(_ key: EndpointKey) -> EndpointMetrics {
        endpoints.withLock { endpoints in
            if let metrics = endpoints[key] { return metrics }
            let metrics = EndpointMetrics(key)
            endpoints[key] = metrics
            return metrics
        }
    }
}
