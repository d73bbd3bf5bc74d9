import CommcastLinkServer
import Foundation
import Metrics
import Prometheus

/// The station's counters and timers for Prometheus (docs/reliability.md, "Watching a
/// station"). They are recorded through swift-metrics wherever the event happens; the
/// backend is bootstrapped once by `commcastd` when `[metrics]` is on, so without it
/// every call here is a no-op. Gauges that describe the station now (clusters by
/// state, the report backlog) are read at scrape time by `MetricsService`.
public enum StationMetrics {
    /// A Prometheus registry, made the process's swift-metrics backend. Call once, at start.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { name, labels in
            (renamed[name] ?? name.replacingOccurrences(of: ".", with: "_"), labels.map { ($0.replacingOccurrences(of: ".", with: "_"), $1) })
        }
        // An ingest or a voice takes seconds to a few minutes, not milliseconds.
        let slow: [Duration] = [0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160, 320].map { .milliseconds(Int($0 * 1000)) }
        factory.durationHistogramBuckets = [ingestSeconds: slow, speechSeconds: slow]
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// Hummingbird's `MetricsMiddleware` names, in the station's namespace and Prometheus's spelling.
    static let renamed = [
        "hb.requests": "commcast_api_requests_total",
        "hb.request.errors": "commcast_api_request_errors_total",
        "http.server.request.duration": "commcast_api_request_duration_seconds",
        "http.server.active_requests": "commcast_api_active_requests",
    ]

    static let airings = "commcast_airings_total"
    static let receipts = "commcast_receipts_total"
    static let ingestSeconds = "commcast_ingest_duration_seconds"
    static let speechSeconds = "commcast_tts_duration_seconds"

    /// A planning pass: airings newly planned, airings found missed, how long it took.
    static func planned(inserted: Int, missed: Int, took: Duration) {
        if inserted > 0 { Counter(label: airings, dimensions: [("event", "planned")]).increment(by: Int64(inserted)) }
        if missed > 0 { Counter(label: airings, dimensions: [("event", "missed")]).increment(by: Int64(missed)) }
        Timer(label: "commcast_plan_duration_seconds").recordNanoseconds(took.nanoseconds)
    }

    /// A receipt from a cluster: what it said (started, completed, interrupted, failed)
    /// and whether it was counted now, before, or refused. A counted one is an airing event.
    static func receipt(_ kind: String, outcome: ReceiptOutcome) {
        let result =
            switch outcome {
            case .stored: "counted"
            case .duplicate: "duplicate"
            case .rejected: "rejected"
            }
        Counter(label: receipts, dimensions: [("kind", kind), ("result", result)]).increment()
        if outcome == .stored { Counter(label: airings, dimensions: [("event", kind)]).increment() }
    }

    /// Schedules sent to clusters in one push.
    static func schedulesPushed(_ count: Int) {
        guard count > 0 else { return }
        Counter(label: "commcast_schedule_pushes_total").increment(by: Int64(count))
    }

    /// Times `work` into the histogram `label`, whether it succeeds or throws.
    static func timed<T>(_ label: String, _ work: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer { Timer(label: label).recordNanoseconds((ContinuousClock.now - start).nanoseconds) }
        return try await work()
    }
}

extension Duration {
    /// Whole nanoseconds, for a swift-metrics `Timer`.
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
