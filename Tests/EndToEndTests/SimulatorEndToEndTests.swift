import CommcastStore
import Foundation
import Logging
import TestSupport
import Testing

/// The daemon and `commcast-sim` together: 48 clusters in the target zone and 4
/// outside it, links dropping at random, all of them at once during the downloads
/// and again during the airing. The airing counts must come out exact.
@Suite("Daemon with simulated clusters", .serialized)
struct SimulatorEndToEndTests {
    @Test(.timeLimit(.minutes(5)))
    func everyClusterAirsItAndTheCountsMatch() async throws {
        // Simulated clusters: never beside the live timing test (ExclusiveTests).
        try await ExclusiveTests.cpuHeavy.shared { try await everyClusterAirsItAndTheCountsMatchBody() }
    }

    /// A link that dies on the way (issue 18): a FIN and then silence, and an outage in
    /// which nothing moves. Each cluster must find its link dead by the liveness rule
    /// (an unanswered ping, docs/protocol.md C-16), dial again, and be connected at the
    /// end, and the run must end on time.
    @Test(.timeLimit(.minutes(3)))
    func deadLinksAreFoundAndDialledAgain() async throws {
        try await ExclusiveTests.cpuHeavy.shared {
            // Heartbeats every 10 s: the station gives up on a silent link after 30 s, so
            // in the 15 s outage only the clusters' own pings can find it dead.
            let station = try SchedulingEndToEndTests.Station(link: { _ in "heartbeat_seconds = 10" })
            defer { station.stop() }
            #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents", "--quiet", "none"]).status == 0)
            let credentials = try station.importClusters(SchedulingEndToEndTests.Station.clusterRows(10))
            let address = try ClusterLinkEndToEndTests.linkAddress(station)
            let started = ContinuousClock.now
            // At 4 s every link gets a FIN and silence; from 12 s nothing moves for 15 s.
            let sim = try await ExternalTools.runDetached(
                try BuiltProducts.path("commcast-sim"),
                [
                    "--station", address, "--credentials", credentials.path, "--json", "--duration", "45", "--link-timeout", "3",
                    "--reconnect-jitter", "0.5", "--fin-at", "4", "--outage", "12:15",
                ], timeout: .seconds(120))
            let elapsed = ContinuousClock.now - started
            #expect(sim.status == 0, "\(sim.stderr)")
            let summary = try #require(try JSONSerialization.jsonObject(with: sim.stdout) as? [String: Any], "\(sim.stdoutText)")
            #expect(summary["connected_at_end"] as? Int == 10, "\(summary)")
            // Ten lost to the FIN, ten found dead in the outage by their pings.
            #expect((summary["links_lost"] as? Int ?? 0) >= 20, "\(summary)")
            #expect((summary["connects"] as? Int ?? 0) >= 30, "\(summary)")
            #expect(elapsed < .seconds(60), "--duration holds: \(elapsed)")
        }
    }

    func everyClusterAirsItAndTheCountsMatchBody() async throws {
        let station = try SchedulingEndToEndTests.Station()
        defer { station.stop() }
        // No quiet hours here, so the bulletin airs whatever time the test runs.
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents", "--quiet", "none"]).status == 0)
        #expect(try station.commcast(["zone", "add", "tinh/xa-b"]).status == 0)
        let credentials = try station.importClusters(
            SchedulingEndToEndTests.Station.clusterRows(48)
                + SchedulingEndToEndTests.Station.clusterRows(4, id: "b", name: "Cụm B", zone: "tinh/xa-b"))

        // An 8-second bulletin for commune A, 25 seconds from now (seconds are allowed for one-offs).
        let wav = try SchedulingEndToEndTests.speechWAV(station.dir, seconds: 8)
        let airAt = Date().addingTimeInterval(25)
        let at = SchedulingEndToEndTests.stationTime(airAt)
        let added =
            try station.json(["bulletin", "add", "--title", "Thông báo", "--file", wav.path, "--zone", "tinh/xa-a", "--at", at])
            as? [String: Any]
        let bulletin = try #require(added?["id"] as? Int)
        let address = try ClusterLinkEndToEndTests.linkAddress(station)

        // Slow downloads (4 KiB/s: a ~25 KB file takes seconds), so the first mass drop
        // at 3 s lands mid-download; the second lands 4 s into the airing.
        let dropDuringAiring = airAt.timeIntervalSinceNow + 4
        let sim = try await ExternalTools.runDetached(
            try BuiltProducts.path("commcast-sim"),
            [
                "--station", address, "--credentials", credentials.path, "--json", "--duration", "90", "--until-completed", "48",
                "--download-kibps", "4", "--drop-all-at", "3", "--drop-all-at", String(format: "%.1f", dropDuringAiring),
                "--drop-mean", "20", "--reconnect-jitter", "1", "--hostile", "2",
            ], timeout: .seconds(150))
        #expect(sim.status == 0, "\(sim.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: sim.stdout) as? [String: Any], "\(sim.stdoutText)")
        #expect(summary["clusters"] as? Int == 52)
        #expect(summary["airings_completed"] as? Int == 48, "\(summary)")
        #expect(summary["airings_failed"] as? Int == 0)
        #expect(summary["receipts_pending"] as? Int == 0)
        #expect(summary["sha256_mismatches"] as? Int == 0)
        #expect((summary["resumed_downloads"] as? Int ?? 0) > 0, "the first drop interrupted downloads, which resumed with Range")
        #expect((summary["link_drops_injected"] as? Int ?? 0) >= 52 * 2)
        #expect((summary["hostile_closed_by_station"] as? Int ?? 0) > 0)
        #expect(summary["decode_failures"] as? Int == 0)

        // The station's counts match the clusters' exactly: 48 planned, 48 aired, none twice.
        let db = try CommcastDatabase(path: station.dir.file("state/commcast.sqlite").path, logger: Logger(label: "test"))
        let airings = try db.airings(from: airAt.addingTimeInterval(-60), to: airAt.addingTimeInterval(60)).filter {
            $0.bulletinID == Int64(bulletin)
        }
        #expect(airings.count == 48)
        let notCompleted = airings.filter { $0.outcome != "completed" }
        #expect(
            airings.allSatisfy { $0.outcome == "completed" && $0.clusterID.hasPrefix("a") },
            "\(notCompleted); what the daemon and the simulator logged of them:\n\(Self.logLines(naming: notCompleted.map(\.clusterID), in: station.daemon.log + sim.stderr))"
        )
        #expect(airings.allSatisfy { $0.startedAt.map { abs($0.timeIntervalSince(airAt)) < 2 } ?? false }, "each aired at the planned time")
        let receipts = try await db.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM airing_receipts") }
        #expect(receipts == 96, "one started and one completed per airing, however often they were sent")
        // Every hostile attempt was closed with a logged reason, and the daemon is still fine.
        #expect(station.daemon.log.contains("cluster link refused"))
        #expect(try station.commcast(["status"]).status == 0)
    }

    /// Protocol 1.1's cancel (docs/protocol.md, `cancel`): a replan while a bulletin
    /// plays stops nothing; cancelling it stops it on every cluster within 2 s, and
    /// each airing is counted interrupted with reason `cancelled`.
    @Test(.timeLimit(.minutes(3)))
    func aCancelStopsAPlayingAiringEverywhereAndAReplanDoesNot() async throws {
        try await ExclusiveTests.cpuHeavy.shared { try await cancelBody() }
    }

    func cancelBody() async throws {
        let station = try SchedulingEndToEndTests.Station()
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents", "--quiet", "none"]).status == 0)
        let credentials = try station.importClusters(SchedulingEndToEndTests.Station.clusterRows(12))
        let wav = try SchedulingEndToEndTests.speechWAV(station.dir, seconds: 20)
        let airAt = Date().addingTimeInterval(15)
        let added = try station.json([
            "bulletin", "add", "--title", "Sẽ bị huỷ", "--file", wav.path, "--zone", "tinh/xa-a", "--at", SchedulingEndToEndTests.stationTime(airAt),
        ])
        let bulletin = try #require((added as? [String: Any])?["id"] as? Int)
        let sim = Process()
        sim.executableURL = URL(fileURLWithPath: try BuiltProducts.path("commcast-sim"))
        sim.arguments = ["--station", try ClusterLinkEndToEndTests.linkAddress(station), "--credentials", credentials.path, "--duration", "120"]
        sim.standardOutput = FileHandle.nullDevice
        sim.standardError = FileHandle.nullDevice
        try sim.run()
        defer { if sim.isRunning { sim.terminate() } }

        let db = try CommcastDatabase(path: station.dir.file("state/commcast.sqlite").path, logger: Logger(label: "test"))
        func airings() throws -> [AiringRecord] {
            try db.airings(from: airAt.addingTimeInterval(-60), to: airAt.addingTimeInterval(60)).filter { $0.bulletinID == Int64(bulletin) }
        }
        try await waitUntil("all 12 clusters report the airing started", deadline: .seconds(60)) {
            try airings().count == 12 && airings().allSatisfy { $0.outcome == "started" }
        }
        // A replan while it plays (a new bulletin for later): every schedule goes out again, nothing stops.
        let later = SchedulingEndToEndTests.stationTime(Date().addingTimeInterval(3600))
        #expect(try station.commcast(["bulletin", "add", "--title", "Sau", "--file", wav.path, "--zone", "tinh/xa-a", "--at", later]).status == 0)
        try await waitUntil("the new airings are planned") {
            try db.airings(from: Date().addingTimeInterval(3000), to: Date().addingTimeInterval(4000)).count == 12
        }
        try await Task.sleep(for: .seconds(2))  // the schedules' round trip: nothing may stop in it
        let during = try airings().map(\.outcome)
        #expect(during.allSatisfy { $0 == "started" }, "a replan stopped an airing: \(during)")

        let cancelledAt = Date()
        #expect(try station.commcast(["bulletin", "cancel", "\(bulletin)", "--yes"]).status == 0)
        try await waitUntil("every airing is counted interrupted") { try airings().allSatisfy { $0.outcome == "interrupted" } }
        let stopped = try airings()
        #expect(stopped.allSatisfy { $0.reason == "cancelled" }, "\(stopped.map { $0.reason ?? "-" })")
        let latest = try #require(stopped.compactMap(\.endedAt).max())
        #expect(latest.timeIntervalSince(cancelledAt) < 2, "the last cluster stopped \(latest.timeIntervalSince(cancelledAt)) s after the cancel")
        #expect(latest < airAt.addingTimeInterval(20), "stopped before the bulletin's end")
    }

    /// The log lines that name any of these clusters (as a whole word), for a failure message.
    static func logLines(naming clusterIDs: [String], in log: String) -> String {
        let patterns = clusterIDs.compactMap { try? Regex("(?<![A-Za-z0-9])\($0)(?![0-9])") }
        return log.split(separator: "\n").filter { line in patterns.contains { line.contains($0) } }
            .suffix(60).joined(separator: "\n")
    }
}
