import CommcastStore
import Foundation
import Logging
import TestSupport
import Testing

/// A warm standby (docs/scaling.md): a second station started from the first's
/// backup, and clusters that hold both addresses. The first station's host dies
/// (SIGKILL) after the clusters have a bulletin planned; they turn to the standby
/// after three failed dials, fetch there what they lack, air the bulletin at its time
/// and the standby counts every airing, from the state the backup carried over.
@Suite("A standby station takes the clusters", .serialized)
struct StandbyFailoverEndToEndTests {
    @Test(.timeLimit(.minutes(3)))
    func clustersFallBackToTheStandbyAndItCountsTheAirings() async throws {
        try await ExclusiveTests.cpuHeavy.shared { try await body() }
    }

    func body() async throws {
        let primary = try SchedulingEndToEndTests.Station(link: { _ in "heartbeat_seconds = 5" })
        defer { primary.stop() }
        #expect(try primary.commcast(["zone", "add", "tinh/xa-a", "--parents", "--quiet", "none"]).status == 0)
        let clusters = 10
        let credentials = try primary.importClusters(SchedulingEndToEndTests.Station.clusterRows(clusters))
        let wav = try SchedulingEndToEndTests.speechWAV(primary.dir, seconds: 4)
        let airAt = Date().addingTimeInterval(40)
        let at = SchedulingEndToEndTests.stationTime(airAt)
        let added =
            try primary.json(["bulletin", "add", "--title", "Thông báo", "--file", wav.path, "--zone", "tinh/xa-a", "--at", at]) as? [String: Any]
        let bulletin = try #require(added?["id"] as? Int64)

        // The standby: the primary's backup and media restored onto its own state
        // directory (docs/reliability.md), started beside it on another link port.
        let backup = try #require(try primary.json(["backup", primary.dir.file("standby.sqlite").path]) as? [String: Any])
        let mediaDirectory = try #require(backup["media_directory"] as? String)
        let mediaList = try String(contentsOfFile: try #require(backup["media_list"] as? String), encoding: .utf8)
        let standby = try SchedulingEndToEndTests.Station(link: { dir in
            let state = dir.file("state")
            for file in mediaList.split(separator: "\n") {
                let target = state.appendingPathComponent("media/\(file)")
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: "\(mediaDirectory)/\(file)", toPath: target.path)
            }
            try FileManager.default.copyItem(at: primary.dir.file("standby.sqlite"), to: state.appendingPathComponent("commcast.sqlite"))
            return "heartbeat_seconds = 5"
        })
        defer { standby.stop() }

        let first = try ClusterLinkEndToEndTests.linkAddress(primary)
        let second = try ClusterLinkEndToEndTests.linkAddress(standby)
        let sim = Task {
            try await ExternalTools.runDetached(
                try BuiltProducts.path("commcast-sim"),
                [
                    "--station", first, "--standby-station", second, "--credentials", credentials.path, "--json",
                    "--duration", "90", "--until-completed", "\(clusters)", "--reconnect-jitter", "0.5",
                ], timeout: .seconds(150))
        }
        func connected(_ station: SchedulingEndToEndTests.Station) throws -> Int {
            ((try station.json(["status"]) as? [String: Any])?["clusters_connected"] as? Int) ?? -1
        }
        try await waitUntil("every cluster is on the primary", deadline: .seconds(30)) { try connected(primary) == clusters }
        #expect(try connected(standby) == 0, "nobody dials the standby while the primary answers")

        // The primary's host dies.
        primary.daemon.signal(SIGKILL)
        let killed = ContinuousClock.now
        #expect(primary.daemon.waitForExit() != nil)
        try await waitUntil("every cluster is on the standby", deadline: .seconds(30), every: .milliseconds(100)) {
            try connected(standby) == clusters
        }
        let failover = ContinuousClock.now - killed
        // Three refused dials at 0–0.5 s, 0–1 s and 0–2 s, then the standby at once.
        #expect(failover < .seconds(15), "all \(clusters) clusters on the standby \(failover) after the kill")

        let result = try await sim.value
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.stdoutText)")
        #expect(summary["airings_completed"] as? Int == clusters, "\(summary)")
        #expect(summary["receipts_pending"] as? Int == 0, "\(summary)")
        #expect((summary["station_switches"] as? Int ?? 0) >= clusters, "\(summary)")

        // The standby counted every airing of the bulletin it knew from the backup.
        let db = try CommcastDatabase(path: standby.dir.file("state/commcast.sqlite").path, logger: Logger(label: "test"))
        let airings = try db.airings(from: airAt.addingTimeInterval(-60), to: airAt.addingTimeInterval(60)).filter { $0.bulletinID == bulletin }
        #expect(airings.count == clusters)
        #expect(airings.allSatisfy { $0.outcome == "completed" }, "\(airings.map(\.outcome))")
        print("standby failover: \(clusters) clusters on the standby \(failover) after the primary was killed")
    }
}
