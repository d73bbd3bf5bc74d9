import CommcastCore
import CommcastStore
import Foundation
import Testing

@testable import CommcastDaemon

/// What a station finds when it starts after being killed (docs/reliability.md, "kill -9
/// anywhere"): nothing left on the air silently, and a province bulletin whose step was
/// cut short finished when the province sends it again.
@Suite("Restart recovery")
struct RestartRecoveryTests {
    let root = Actor(name: "root", origin: "test")

    func intake(_ f: StationFixture) -> ProvinceIntake {
        ProvinceIntake(settings: f.settings, database: f.database, media: f.media, station: f.station, logger: f.logger, now: f.clock.function)
    }

    @Test("a broadcast and a province emergency on air when the daemon died end at the next start, with the reason, once")
    func onAirEndsAtStart() async throws {
        let f = try StationFixture(at: StationFixture.stationTime(10, 0))
        defer { f.remove() }
        let media = try await f.recording()
        let bulletin = ProvinceBulletin(
            provinceId: "p-9", title: "Lũ quét", level: .emergency, zones: ["tinh/xa-a"], content: .audio(Data()), airAt: nil)
        let (record, _) = try f.database.receiveProvinceBulletin(bulletin, media: media, text: nil, state: .inbox, at: f.clock.now)
        // What a killed daemon leaves: the start audited, the province told it is on air, no end.
        try f.database.recordLiveEvent(root, kind: "live_started", liveID: "live-dead", details: ["level": "emergency"], at: f.clock.now)
        try f.database.setProvinceBulletinAiring(id: record.id, state: .onAir, liveID: "live-dead", reason: nil, at: f.clock.now)

        f.clock.advance(by: 60)
        try f.station.onAir.endBroadcastsLeftOnAir()
        let stopped = try f.audit("live_stopped")
        #expect(stopped.count == 1 && stopped.first?.target == "live-dead" && stopped.first?.details["reason"] == OnAir.endedByRestart)
        let kept = try #require(try f.database.provinceBulletin(id: record.id))
        #expect(kept.state == .interrupted && kept.reason == OnAir.endedByRestart)
        try f.station.onAir.endBroadcastsLeftOnAir()
        #expect(try f.audit("live_stopped").count == 1, "ended once")
    }

    @Test("a province priority bulletin kept but not queued when the daemon died is queued when the province sends it again")
    func provinceResendFinishesTheStep() async throws {
        let f = try StationFixture(at: StationFixture.stationTime(10, 0))
        defer { f.remove() }
        let media = try await f.recording()
        let bulletin = ProvinceBulletin(
            provinceId: "p-7", title: "Cắt điện", level: .priority, zones: ["tinh/xa-a"], content: .audio(Data()), airAt: nil)
        // Kept in the inbox, then killed before the level's step: the province got no answer.
        _ = try f.database.receiveProvinceBulletin(bulletin, media: media, text: nil, state: .inbox, at: f.clock.now)
        #expect(try f.database.bulletins().isEmpty)

        let (again, isNew) = try await intake(f).receive(bulletin)
        #expect(!isNew)
        #expect(again.state == .queued && again.bulletinId != nil)
        #expect(try f.database.bulletins().count == 1)
        // A third delivery changes nothing.
        let (third, _) = try await intake(f).receive(bulletin)
        #expect(third.state == .queued && third.bulletinId == again.bulletinId)
        #expect(try f.database.bulletins().count == 1)
    }
}
