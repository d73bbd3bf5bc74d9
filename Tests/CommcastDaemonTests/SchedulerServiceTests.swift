import CommcastControlAPI
import CommcastCore
import CommcastStore
import Foundation
import ServiceLifecycle
import ServiceLifecycleTestKit
import TestSupport
import Testing

@testable import CommcastDaemon

/// The scheduler on an injected clock: the same answers at any hour of the day
/// the suite happens to run.
@Suite("Scheduler service")
struct SchedulerServiceTests {
    @Test("at 23:30 a normal bulletin for 23:45 is refused for quiet hours; an emergency is planned on every targeted cluster")
    func quietHoursAtNight() async throws {
        let f = try StationFixture(at: StationFixture.stationTime(23, 30))
        defer { f.remove() }
        let media = try await f.recording()
        let refusal = await #expect(throws: Refusal.self) { try await f.queue(.normal, at: "23:45", media: media) }
        #expect(refusal?.code == "will_not_air")
        try f.scheduler.replan()
        let day = DateInterval(start: f.clock.now, duration: 86_400)
        #expect(try f.database.clusterAirings(from: day.start, to: day.end).isEmpty)

        let emergency = try await f.queue(.emergency, at: "23:45", media: media)
        try f.scheduler.replan()
        let planned = try f.database.clusterAirings(from: day.start, to: day.end)
        #expect(Set(planned.keys) == ["a-1", "a-2"])
        for airing in planned.values.flatMap({ $0 }) {
            #expect(airing.bulletinID == emergency.id)
            #expect(airing.start == StationFixture.stationTime(23, 45))
        }
    }

    @Test("the same bulletin at 10:00 is planned, and marked missed once its time is long past without a receipt")
    func missedAfterItsTime() async throws {
        let f = try StationFixture(at: StationFixture.stationTime(9, 50))
        defer { f.remove() }
        let bulletin = try await f.queue(.normal, at: "10:00", zone: "tinh/xa-b", media: try await f.recording())
        try f.scheduler.replan()
        #expect(
            try f.database.airings(from: f.clock.now, to: f.clock.now.addingTimeInterval(3600)).filter { $0.bulletinID == bulletin.id }.count == 2)

        f.clock.advance(by: 10 * 60 + Double(f.configuration.schedule.missedAfterMinutes * 60) + 60)
        try f.scheduler.replan()
        let rows = try f.database.airings(from: StationFixture.stationTime(9, 0), to: StationFixture.stationTime(11, 0))
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0.outcome == "missed" && $0.reason == "no receipt from the cluster" })
    }

    /// Two 30 s bulletins for commune B both wanted at 10:00, planned at 9:59: the
    /// second is shifted to 10:00:35 (30 s and the 5 s gap). Returns the media, the
    /// second bulletin and its two airings.
    func twoBulletinsAtTen(_ f: StationFixture) async throws -> (MediaRecord, Bulletin, [AiringRecord]) {
        let media = try await f.recording(seconds: 30)
        _ = try await f.queue(.normal, at: "10:00", zone: "tinh/xa-b", media: media)
        let second = try await f.queue(.normal, at: "10:00", zone: "tinh/xa-b", media: media)
        try f.scheduler.replan()
        let shifted = try f.database.airings(from: StationFixture.stationTime(9, 0), to: StationFixture.stationTime(11, 0))
            .filter { $0.bulletinID == second.id }
        #expect(shifted.count == 2 && shifted.allSatisfy { $0.plannedAt == StationFixture.stationTime(10, 0).addingTimeInterval(35) })
        return (media, second, shifted)
    }

    @Test("an airing shifted past its wanted time is kept once that time has passed, with its id, and still goes to the clusters")
    func shiftedAiringOutlivesItsWantedTime() async throws {
        let f = try StationFixture(at: StationFixture.stationTime(9, 59))
        defer { f.remove() }
        let (media, second, shifted) = try await twoBulletinsAtTen(f)
        let hour = (StationFixture.stationTime(9, 0), StationFixture.stationTime(11, 0))

        // 10:00:10: the wanted time has passed, the shifted start has not. The next
        // passes (on a timer, a change, a restart) must keep it as it was.
        f.clock.advance(by: 70)
        try f.scheduler.replan()
        try f.scheduler.replan()
        let kept = try f.database.airings(from: hour.0, to: hour.1).filter { $0.bulletinID == second.id }
        #expect(kept.map(\.id) == shifted.map(\.id) && kept.allSatisfy { $0.outcome == "planned" }, "\(kept)")
        let sent = try f.database.clusterAirings(from: f.clock.now, to: f.clock.now.addingTimeInterval(3600))
        #expect(sent.values.flatMap { $0 }.filter { $0.bulletinID == second.id }.count == 2, "the clusters are still told to air it")
        // And nothing new is planned over the slot it holds.
        let third = try await f.queue(.normal, at: "10:00:30", zone: "tinh/xa-b", media: media)
        try f.scheduler.replan()
        let latest = try f.database.airings(from: hour.0, to: hour.1).filter { $0.bulletinID == third.id }
        #expect(latest.allSatisfy { $0.plannedAt >= StationFixture.stationTime(10, 1).addingTimeInterval(10) }, "\(latest.map(\.plannedAt))")
    }

    @Test("a bulletin whose only airing was shifted is not finished when its wanted time and length have passed, before it aired")
    func shiftedBulletinIsNotFinishedEarly() async throws {
        // Found by scripts/kill_anywhere.py: bulletins queued close together, each
        // shifted behind the others, were marked finished at wanted time + length, and
        // the next pass withdrew their airings; they never aired.
        let f = try StationFixture(at: StationFixture.stationTime(9, 59))
        defer { f.remove() }
        let (_, second, shifted) = try await twoBulletinsAtTen(f)
        let hour = (StationFixture.stationTime(9, 0), StationFixture.stationTime(11, 0))

        // 10:00:32: 10:00 + 30 s have passed; the shifted start (10:00:35) has not.
        f.clock.advance(by: 92)
        try f.scheduler.replan()
        try f.scheduler.replan()
        #expect(try f.database.bulletin(id: second.id)?.state == .active, "not finished before its airing")
        let kept = try f.database.airings(from: hour.0, to: hour.1).filter { $0.bulletinID == second.id }
        #expect(kept.map(\.id) == shifted.map(\.id) && kept.allSatisfy { $0.outcome == "planned" }, "\(kept)")

        // Once its shifted airing has ended, it is finished.
        f.clock.advance(by: 40)
        try f.scheduler.replan()
        #expect(try f.database.bulletin(id: second.id)?.state == .finished)
    }

    @Test("run() plans when asked and stops at graceful shutdown")
    func runsUntilGracefulShutdown() async throws {
        let f = try StationFixture(at: StationFixture.stationTime(12, 0)) { $0.schedule.replanIntervalSeconds = 3600 }
        defer { f.remove() }
        let media = try await f.recording()
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await f.scheduler.run() }
                // The first pass runs at start; a new bulletin asks for another at once.
                let bulletin = try await f.queue(.priority, at: "12:30", zone: "tinh", media: media)
                try await waitUntil("the scheduler stored the new bulletin's four airings") {
                    let rows = try f.database.airings(from: f.clock.now, to: f.clock.now.addingTimeInterval(3600))
                    return rows.filter { $0.bulletinID == bulletin.id }.count == 4
                }
                trigger.triggerGracefulShutdown()
                try await group.next()
            }
        }
    }
}
