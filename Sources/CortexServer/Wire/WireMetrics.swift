import CortexWire
import Metrics
import Synchronization

/// Wire-protocol counters (Prometheus names `cortex_wire_*`), like the HTTP metrics middleware's.
final class WireMetrics: Sendable {
    private let connectionsOpen = Gauge(label: "cortex_wire_connections_open")
    private let connectionsTotal = Counter(label: "cortex_wire_connections_total")
    private let framesReceived = Counter(label: "cortex_wire_frames_received_total")
    private let bytesReceived = Counter(label: "cortex_wire_received_bytes_total")
    private let open = Atomic<Int>(0)
    private let requests: [RequestKind: Counter]
    private let errors: [WireErrorCode: Counter]

    init() {
        requests = Dictionary(uniqueKeysWithValues: RequestKind.allCases.map {
            ($0, Counter(label: "cortex_wire_requests_total", dimensions: [("op", $0.name)]))
        })
        errors = Dictionary(uniqueKeysWithValues: WireErrorCode.allCases.map {
            ($0, Counter(label: "cortex_wire_errors_total", dimensions: [("code", $0.name)]))
        })
    }

    func connectionOpened() {
        connectionsTotal.increment()
        connectionsOpen.record(open.add(1, ordering: .relaxed).newValue)
    }

    func connectionClosed() {
        connectionsOpen.record(open.subtract(1, ordering: .relaxed).newValue)
    }

    func received(byteCount: Int) { bytesReceived.increment(by: byteCount) }
    func frameReceived() { framesReceived.increment() }
    func request(_ kind: RequestKind) { requests[kind]?.increment() }
    func error(_ code: WireErrorCode) { errors[code]?.increment() }
}
