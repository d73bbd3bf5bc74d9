import Foundation
import TestSupport
import Testing

/// Health and commands as an operator sees them: `commcast health`, `cluster list
/// --status`, `cluster show` with history, and the four commands, against simulated
/// clusters that really connect, obey and go away.
@Suite("Cluster health and commands end to end", .serialized)
struct ClusterHealthEndToEndTests {
    @Test(.timeLimit(.minutes(4)))
    func operatorsSeeSilentClustersAndCommandThem() async throws {
        // Simulated clusters: never beside the live timing test (ExclusiveTests).
        try await ExclusiveTests.cpuHeavy.shared { try await operatorsSeeSilentClustersAndCommandThemBody() }
    }

    func operatorsSeeSilentClustersAndCommandThemBody() async throws {
        let station = try SchedulingEndToEndTests.Station()
        defer { station.stop() }
        #expect(try station.commcast(["zone", "add", "tinh/xa-a", "--parents", "--quiet", "none"]).status == 0)
        #expect(try station.commcast(["zone", "add", "tinh/xa-b"]).status == 0)
        let csv = station.dir.file("clusters.csv")
        try "id,name,zone\na0,Chợ,tinh/xa-a\na1,Trường,tinh/xa-a\na2,Đình,tinh/xa-a\nb0,Bến đò,tinh/xa-b\n"
            .write(to: csv, atomically: true, encoding: .utf8)
        let all = station.dir.file("all-credentials.csv")
        #expect(try station.commcast(["cluster", "import", csv.path, "--credentials", all.path]).status == 0)
        // b0 is installed but never switched on: only a0–a2 get their credentials.
        let credentials = station.dir.file("credentials.csv")
        try String(contentsOf: all, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("b0,") }.joined(separator: "\n")
            .write(to: credentials, atomically: true, encoding: .utf8)

        let sim = Process()
        sim.executableURL = URL(fileURLWithPath: try BuiltProducts.path("commcast-sim"))
        sim.arguments = [
            "--station", try ClusterLinkEndToEndTests.linkAddress(station), "--credentials", credentials.path,
            "--duration", "110", "--json",
        ]
        sim.standardOutput = FileHandle.nullDevice
        sim.standardError = FileHandle.nullDevice
        try sim.run()
        defer { if sim.isRunning { sim.terminate() } }

        func summary() throws -> [String: Any] { try #require(try station.json(["health"]) as? [String: Any]) }
        func total() throws -> [String: Any] { try #require(try summary()["total"] as? [String: Any]) }
        try await waitUntil("all three clusters are online") { try total()["online"] as? Int == 3 }
        let zones = try #require(try summary()["zones"] as? [[String: Any]])
        #expect(zones.first?["zone"] as? String == "tinh/xa-b", "the zone with a silent cluster comes first")
        #expect(zones.first?["silent"] as? [String] == ["b0"])
        let text = try station.commcast(["health"]).stdoutText
        #expect(text.contains("tinh/xa-b") && text.contains("b0"), "\(text)")
        #expect(!text.contains("tinh/xa-a"), "zones where all is well are left out without --all: \(text)")
        #expect(text.contains("4 cluster(s) in 2 zone(s): 3 online, 0 degraded, 0 offline, 1 never seen"), "\(text)")
        let neverSeen = try #require(try station.json(["cluster", "list", "--status", "never_seen"]) as? [[String: Any]])
        #expect(neverSeen.compactMap { ($0["cluster"] as? [String: Any])?["id"] as? String } == ["b0"])
        let bad = try station.commcast(["cluster", "list", "--status", "asleep"])
        #expect(bad.status == 65 && bad.stderr.contains("status: got \"asleep\""), "\(bad.stderr)")

        // Commands reach the cluster and it answers; its next heartbeat shows the effect.
        let volume = try station.commcast(["cluster", "volume", "a0", "35"])
        #expect(volume.status == 0 && volume.stdoutText.contains("a0: volume set to 35"), "\(volume.stderr)")
        try await waitUntil("a0's heartbeat reports volume 35") {
            let show = try station.json(["cluster", "show", "a0"]) as? [String: Any]
            return ((show?["status"] as? [String: Any])?["last_heartbeat"] as? [String: Any])?["volume"] as? Int == 35
        }
        #expect(try station.commcast(["cluster", "test-tone", "a1", "--seconds", "2"]).status == 0)
        #expect(try station.commcast(["cluster", "resync", "a2"]).status == 0)
        #expect(try station.commcast(["cluster", "stop", "a1"]).status == 0)
        let offline = try station.commcast(["cluster", "stop", "b0"])
        #expect(offline.status == 69 && offline.stderr.contains("b0 is not connected"), "\(offline.stderr)")
        let loud = try station.commcast(["cluster", "volume", "a0", "140"])
        #expect(loud.status == 65 && loud.stderr.contains("volume: got 140, expected 0 to 100"), "\(loud.stderr)")
        let audit = try station.commcast(["audit"]).stdoutText
        #expect(audit.contains("cluster.command"), "\(audit)")

        // The clusters go away: the station sees them offline and keeps the history.
        sim.terminate()
        try await waitUntil("the simulator exits") { !sim.isRunning }
        try await waitUntil("all three clusters are offline") { try total()["offline"] as? Int == 3 }
        let list = try station.commcast(["cluster", "list", "--status", "offline"]).stdoutText
        #expect(["a0", "a1", "a2"].allSatisfy(list.contains) && list.contains("link down"), "\(list)")
        let show = try station.commcast(["cluster", "show", "a0"]).stdoutText
        #expect(show.contains("status    offline") && show.contains("never_seen") && show.contains("online"), "\(show)")
        let detail = try #require(try station.json(["cluster", "show", "a0"]) as? [String: Any])
        let transitions = try #require(detail["transitions"] as? [[String: Any]])
        #expect(transitions.map { "\($0["from"]!)→\($0["to"]!)" }.suffix(2) == ["never_seen→online", "online→offline"], "\(transitions)")
        #expect((detail["samples"] as? [Any])?.isEmpty == false, "a heartbeat sample was stored")
    }
}
