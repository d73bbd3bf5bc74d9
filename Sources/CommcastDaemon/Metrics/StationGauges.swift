import CommcastCore
import CommcastLinkServer
import CommcastStore
import Foundation
import NIOConcurrencyHelpers
import Prometheus

/// The station as it is now, written into gauges just before each scrape: clusters by
/// health state and zone, the province's report backlog, the live broadcast. Read from
/// what the health check last published and from the store, so a scrape costs a few
/// queries and never waits for the link.
final class StationGauges: Sendable {
    let prometheus: PrometheusCollectorRegistry
    /// Label sets written before, so one that empties reads 0 instead of its last value.
    private let written = NIOLockedValueBox<Set<[String]>>([])

    init(prometheus: PrometheusCollectorRegistry) {
        self.prometheus = prometheus
        prometheus.makeGauge(
            name: "commcast_build_info", labels: [("version", CommcastVersion.current)], help: "The running commcastd's version (always 1)"
        ).set(to: 1.0)
    }

    /// A cluster silent at least this long counts in `commcast_clusters_offline_10m`.
    static let longSilence: TimeInterval = 600

    /// Writes every gauge from the station's state at `now`.
    func refresh(database: CommcastDatabase, registry: LinkRegistry, progress: ReporterProgress, reporting: Bool, now: Date) throws {
        let clusters = try database.clusters()
        let health = registry.health
        let transitions = try database.latestHealthTransitions()
        var byStateAndZone: [[String]: Int] = [:]
        var longOffline: [String: Int] = [:]
        for cluster in clusters {
            let state = health[cluster.id]?.state ?? transitions[cluster.id]?.to ?? .neverSeen
            byStateAndZone[[state.rawValue, cluster.zonePath], default: 0] += 1
            longOffline[cluster.zonePath, default: 0] += 0
            if state == .offline, let since = transitions[cluster.id], since.to == .offline,
                now.timeIntervalSince(since.at) >= Self.longSilence
            {
                longOffline[cluster.zonePath, default: 0] += 1
            }
        }
        var sets: [[String]: (name: String, labels: [(String, String)], value: Int)] = [:]
        for (key, n) in byStateAndZone {
            sets[["commcast_clusters"] + key] = ("commcast_clusters", [("state", key[0]), ("zone", key[1])], n)
        }
        for (zone, n) in longOffline {
            sets[["commcast_clusters_offline_10m", zone]] = ("commcast_clusters_offline_10m", [("zone", zone)], n)
        }
        let stale = written.withLockedValue { written -> Set<[String]> in
            let gone = written.subtracting(sets.keys)
            written.formUnion(sets.keys)
            return gone
        }
        for (_, g) in sets { prometheus.makeGauge(name: g.name, labels: g.labels, help: Self.help[g.name] ?? "").set(to: Double(g.value)) }
        for key in stale {
            let labels = key[0] == "commcast_clusters" ? [("state", key[1]), ("zone", key[2])] : [("zone", key[1])]
            prometheus.makeGauge(name: key[0], labels: labels, help: Self.help[key[0]] ?? "").set(to: 0.0)
        }
        gauge("commcast_clusters_connected", Double(registry.connectedCount))

        let backlog = try database.reportBacklog()
        gauge("commcast_province_reporting_enabled", reporting ? 1 : 0)
        gauge("commcast_report_backlog", Double(backlog.pending))
        gauge("commcast_report_oldest_unreported_age_seconds", backlog.oldestPendingAt.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        if let last = progress.snapshot.lastSuccessAt ?? backlog.lastDeliveredAt {
            gauge("commcast_report_last_accepted_timestamp_seconds", last.timeIntervalSince1970)
        }
    }

    private func gauge(_ name: String, _ value: Double) {
        prometheus.makeGauge(name: name, help: Self.help[name] ?? "").set(to: value)
    }

    static let help = [
        "commcast_clusters": "Clusters by health state (online, degraded, offline, never_seen) and zone",
        "commcast_clusters_offline_10m": "Clusters offline for 10 minutes or more, by zone",
        "commcast_clusters_connected": "Clusters with a link open now",
        "commcast_province_reporting_enabled": "1 when province.report_url is set (the reporter runs)",
        "commcast_report_backlog": "Facts in the outbox not yet accepted by the province",
        "commcast_report_oldest_unreported_age_seconds": "Age of the oldest fact the province has not accepted (0: none)",
        "commcast_report_last_accepted_timestamp_seconds": "When the province last accepted a batch (Unix time)",
    ]
}
