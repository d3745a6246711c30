public import CortexCore

/// How distance between vectors is measured. Distances follow Chroma's
/// conventions, so smaller is always closer:
/// - `l2`: squared Euclidean distance;
/// - `ip`: 1 − a·b (inner product);
/// - `cosine`: 1 − a·b / (|a||b|). Cosine collections store vectors
///   normalised to unit length, so search computes it as `ip` does.
public enum Metric: String, Sendable, CaseIterable, Equatable {
    case l2
    case ip
    case cosine

    /// Parses a metric name; throws `.invalidInput` listing the allowed names.
    public init(parsing name: String) throws(CortexError) {
        guard let metric = Metric(rawValue: name.lowercased()) else {
            throw .invalidInput("unknown metric '\(name)'; use l2, ip or cosine")
        }
        self = metric
    }

    /// Whether search uses the inner-product kernel (ip and normalised cosine).
    var usesDotProduct: Bool { self != .l2 }
}
