import Hummingbird

/// What every authenticated route group adds, in order: the bearer check (API key or access
/// token) and the per-caller rate limit. Shared by `/api/v1`, `/api/v2` (Chroma) and `/v1`.
struct Authentication: Sendable {
    let bearer: BearerAuthMiddleware
    let rateLimit: RateLimitMiddleware

    /// `group` with the bearer check and the rate limit added.
    func guarding(_ group: RouterGroup<CortexRequestContext>) -> RouterGroup<CortexRequestContext> {
        group.add(middleware: bearer).add(middleware: rateLimit)
    }
}
