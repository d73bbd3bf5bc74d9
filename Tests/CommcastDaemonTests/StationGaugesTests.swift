import CommcastCore
import Foundation
import Prometheus
import Testing

@testable import CommcastDaemon

/// The gauges `/metrics` reads at each scrape, from a real store: clusters by state and
/// zone, the ones silent for 10 minutes, and a label set that empties reading 0.
@Suite struct StationGaugesTests {
    /// The text Prometheus would scrape, as `name{labels} value` lines without comments.
    func scrape(_ gauges: StationGauges, _ station: StationFixture, at now: Date) throws -> Set<String> {
        try gauges.refresh(database: station.database, registry: station.registry, progress: ReporterProgress(), reporting: true, now: now)
        return Set(gauges.prometheus.emitToString().split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") })
    }

    @Test func clustersByStateAndZoneAndTheLongSilent() throws {
        // A whole second: the store keeps milliseconds, so the 10-minute line is exact.
        let start = StationFixture.stationTime(10, 0)
        let station = try StationFixture(at: start)
        defer { station.remove() }
        let gauges = StationGauges(prometheus: PrometheusCollectorRegistry())
        // a-1 went offline at the start; b-1 came online; the rest were never seen.
        try station.database.recordHealthTransitions([
            HealthTransition(clusterID: "a-1", from: .online, to: .offline, at: start, reason: "link down"),
            HealthTransition(clusterID: "b-1", from: .neverSeen, to: .online, at: start, reason: "link up"),
        ])
        var lines = try scrape(gauges, station, at: start.addingTimeInterval(599))
        #expect(lines.contains(#"commcast_clusters{state="offline",zone="tinh/xa-a"} 1.0"#))
        #expect(lines.contains(#"commcast_clusters{state="never_seen",zone="tinh/xa-a"} 1.0"#))
        #expect(lines.contains(#"commcast_clusters{state="online",zone="tinh/xa-b"} 1.0"#))
        #expect(lines.contains(#"commcast_clusters_offline_10m{zone="tinh/xa-a"} 0.0"#), "not yet 10 minutes")
        #expect(lines.contains(#"commcast_clusters_offline_10m{zone="tinh/xa-b"} 0.0"#))
        #expect(lines.contains("commcast_province_reporting_enabled 1.0"))

        lines = try scrape(gauges, station, at: start.addingTimeInterval(600))
        #expect(lines.contains(#"commcast_clusters_offline_10m{zone="tinh/xa-a"} 1.0"#), "silent for 10 minutes")

        // a-1 comes back: the offline label set reads 0, not its last value.
        try station.database.recordHealthTransitions([
            HealthTransition(clusterID: "a-1", from: .offline, to: .online, at: start.addingTimeInterval(700), reason: "link up")
        ])
        lines = try scrape(gauges, station, at: start.addingTimeInterval(701))
        #expect(lines.contains(#"commcast_clusters{state="offline",zone="tinh/xa-a"} 0.0"#))
        #expect(lines.contains(#"commcast_clusters{state="online",zone="tinh/xa-a"} 1.0"#))
        #expect(lines.contains(#"commcast_clusters_offline_10m{zone="tinh/xa-a"} 0.0"#))
    }
}
