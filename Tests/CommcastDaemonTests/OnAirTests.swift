import CommcastControlAPI
import CommcastCore
import CommcastStore
import Foundation
import Testing

@testable import CommcastDaemon

/// Who holds the air, with the station clock in the test's hand: roles, quiet
/// hours, preemption, the silent-source watchdog, and the audit and report rows
/// each start and end leaves.
@Suite("On air")
struct OnAirTests {
    let actorBinh = Actor(name: "binh", origin: "test")

    func request(_ level: String, zones: [String] = [], clusters: [String] = []) -> LiveStartRequest {
        LiveStartRequest(level: level, zones: zones, clusters: clusters, source: "stdin", title: "Bão số 9")
    }

    @Test("an emergency starts, is audited and reported, and ends with its reason")
    func emergencyStartsAndEnds() throws {
        let f = try StationFixture(at: StationFixture.stationTime(10, 0))
        defer { f.remove() }
        let started = try f.station.onAir.start(request("emergency"), by: StationFixture.binh, actor: actorBinh)
        #expect(started.level == "emergency")
        // binh's scope is commune A: its two clusters, not B's.
        #expect(started.targeted == 2)
        let audit = try #require(try f.audit("live_started").first)
        #expect(audit.target == started.liveId)
        #expect(audit.details["clusters"] == "2")
        #expect(audit.actor == "binh")

        f.clock.advance(by: 5)
        let ended = try f.station.onAir.stop(started.liveId, by: StationFixture.binh, actor: actorBinh)
        #expect(ended.endReason == "stopped by binh")
        let stop = try #require(try f.audit("live_stopped").first)
        #expect(stop.details["reason"] == "stopped by binh")
        #expect(stop.details["seconds"] == "5")
        // Both facts wait in the outbox for the province.
        #expect(try f.database.reportBacklog().pending >= 2)
        #expect(!f.station.onAir.isOnAir)
    }

    @Test("a broadcast from a phone waits for its uplink, and an unknown source is named")
    func phoneSourceOpensAnUplink() throws {
        let f = try StationFixture(at: StationFixture.stationTime(10, 0))
        defer { f.remove() }
        var phone = request("emergency")
        phone.source = "phone"
        let started = try f.station.onAir.start(phone, by: StationFixture.binh, actor: actorBinh)
        let uplink = try #require(f.station.onAir.uplinks.uplink(started.liveId))
        #expect(uplink.operatorName == "binh")
        f.station.onAir.end(started.liveId, reason: "test", actor: actorBinh)
        var wrong = request("emergency")
        wrong.source = "radio"
        #expect(throws: Refusal.self) { try f.station.onAir.start(wrong, by: StationFixture.binh, actor: actorBinh) }
        do {
            _ = try f.station.onAir.start(wrong, by: StationFixture.binh, actor: actorBinh)
        } catch let refusal as Refusal {
            #expect(refusal.message == "source: got \"radio\", expected file, microphone, phone, phone_file, stdin")
        }
    }

    @Test("an operator without the emergency role is refused, and nothing is audited")
    func emergencyNeedsTheRole() throws {
        let f = try StationFixture(at: StationFixture.stationTime(10, 0))
        defer { f.remove() }
        let error = #expect(throws: Refusal.self) {
            try f.station.onAir.start(request("emergency"), by: StationFixture.an, actor: Actor(name: "an", origin: "test"))
        }
        #expect(error?.kind == .forbidden)
        #expect(error?.message.contains("emergency role") == true)
        #expect(try f.audit("live_started").isEmpty)
        #expect(!f.station.onAir.isOnAir)
    }

    @Test("a zone outside the operator's scope is refused by name")
    func zoneOutsideScope() throws {
        let f = try StationFixture(at: StationFixture.stationTime(10, 0))
        defer { f.remove() }
        let error = #expect(throws: Refusal.self) {
            try f.station.onAir.start(request("emergency", zones: ["tinh/xa-b"]), by: StationFixture.binh, actor: actorBinh)
        }
        #expect(error?.kind == .forbidden)
        #expect(error?.message.contains("tinh/xa-b") == true)
    }

    @Test("at 23:30 a priority broadcast is held by quiet hours; an emergency airs")
    func quietHoursHoldPriority() throws {
        let f = try StationFixture(at: StationFixture.stationTime(23, 30))
        defer { f.remove() }
        let error = #expect(throws: Refusal.self) {
            try f.station.onAir.start(request("priority"), by: StationFixture.binh, actor: actorBinh)
        }
        #expect(error?.code == "quiet_hours")
        let emergency = try f.station.onAir.start(request("emergency"), by: StationFixture.binh, actor: actorBinh)
        #expect(f.station.onAir.isRunning(emergency.liveId))
    }

    @Test("a higher level replaces a broadcast, which ends audited as replaced; the same level is refused as busy")
    func preemption() throws {
        let f = try StationFixture(at: StationFixture.stationTime(10, 0))
        defer { f.remove() }
        let priority = try f.station.onAir.start(request("priority"), by: StationFixture.binh, actor: actorBinh)
        let emergency = try f.station.onAir.start(request("emergency"), by: StationFixture.binh, actor: actorBinh)
        #expect(!f.station.onAir.isRunning(priority.liveId))
        let replaced = try #require(try f.audit("live_stopped").first)
        #expect(replaced.target == priority.liveId)
        #expect(replaced.details["reason"]?.hasPrefix("replaced by an emergency") == true)
        let busy = #expect(throws: Refusal.self) {
            try f.station.onAir.start(request("emergency"), by: StationFixture.binh, actor: actorBinh)
        }
        #expect(busy?.code == "busy")
        #expect(busy?.message.contains(emergency.liveId) == true)
    }

    @Test("a source that sends nothing is ended by the watchdog on the station clock, not the wall clock")
    func silentSourceOnTheInjectedClock() throws {
        let f = try StationFixture(at: StationFixture.stationTime(10, 0))
        defer { f.remove() }
        let started = try f.station.onAir.start(request("emergency"), by: StationFixture.binh, actor: actorBinh)
        #expect(try f.station.onAir.feed(started.liveId, samples: [Int16](repeating: 1000, count: 960)))
        f.clock.advance(by: 9)
        #expect(f.station.onAir.endIfSourceSilent(timeout: .seconds(10)) == nil)
        // Audio keeps it alive; then 11 s of nothing ends it.
        #expect(try f.station.onAir.feed(started.liveId, samples: [Int16](repeating: 1000, count: 960)))
        f.clock.advance(by: 11)
        let ended = try #require(f.station.onAir.endIfSourceSilent(timeout: .seconds(10)))
        #expect(ended.endReason == "source silent")
        #expect(try f.audit("live_stopped").first?.actor == "commcastd")
        #expect(try f.station.onAir.feed(started.liveId, samples: [1, 2, 3]) == false)
    }

    @Test("the station's own broadcasts (relay, province) skip operator checks but are audited with their details")
    func stationBroadcast() throws {
        let f = try StationFixture(at: StationFixture.stationTime(10, 0))
        defer { f.remove() }
        let ids = try f.station.scope.clusterIDs(under: ["tinh"])
        #expect(ids == ["a-1", "a-2", "b-1", "b-2"])
        let relay = try f.station.onAir.startForStation(
            level: .relay, clusterIDs: ids, targets: ["tinh"], source: "relay", title: "VOV1",
            actor: Actor(name: "relay:vov1", origin: "daemon"), details: ["url": "http://127.0.0.1/vov1"])
        let audit = try #require(try f.audit("live_started").first)
        #expect(audit.details["url"] == "http://127.0.0.1/vov1")
        #expect(audit.details["level"] == "relay")
        // Any operator's broadcast outranks a relay.
        _ = try f.station.onAir.start(request("priority"), by: StationFixture.binh, actor: actorBinh)
        #expect(!f.station.onAir.isRunning(relay.liveId))
    }

    @Test("a priority broadcast passes over a hamlet in its own quiet hours, and is refused when every target is quiet")
    func zoneQuietHoursHoldPriority() throws {
        let f = try StationFixture(at: StationFixture.stationTime(10, 0))
        defer { f.remove() }
        let nineToEleven = QuietHours(start: TimeOfDay(hour: 9, minute: 0), end: TimeOfDay(hour: 11, minute: 0))
        _ = try f.database.addZone(path: "tinh/xa-a/ap-1", createParents: false, quietHours: nineToEleven, at: f.clock.now)
        try f.database.addCluster(Cluster(id: "a-3", name: "Cụm ấp 1", zonePath: "tinh/xa-a/ap-1"), at: f.clock.now)

        let commune = try f.station.onAir.start(request("priority", zones: ["tinh/xa-a"]), by: StationFixture.binh, actor: actorBinh)
        #expect(commune.targeted == 2, "a-1 and a-2, not a-3 in its quiet hours")
        _ = f.station.onAir.end(commune.liveId, reason: "test", actor: actorBinh)

        let hamlet = #expect(throws: Refusal.self) {
            try f.station.onAir.start(request("priority", zones: ["tinh/xa-a/ap-1"]), by: StationFixture.binh, actor: actorBinh)
        }
        #expect(hamlet?.code == "quiet_hours")
        #expect(hamlet?.message.contains("09:00") == true, "\(hamlet?.message ?? "")")
        // An emergency reaches it all the same.
        let emergency = try f.station.onAir.start(request("emergency", zones: ["tinh/xa-a/ap-1"]), by: StationFixture.binh, actor: actorBinh)
        #expect(emergency.targeted == 1)
    }
}
