import Hummingbird
import Logging
import Metrics
import Prometheus
import Configuration
import ServiceLifecycle
