import CommcastCore
import CommcastLink
import Foundation
import Testing

@testable import CommcastSimulator

/// The simulated cluster's player as plain values: what starts, completes, fails
/// and is preempted at a given moment.
@Suite("Simulated cluster playback")
struct PlaybackScheduleTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func airing(_ id: Int64, at offset: TimeInterval, seconds: TimeInterval = 30, level: BulletinLevel = .normal, sha: String = "a") -> LinkAiring {
        LinkAiring(
            airingID: id, bulletinID: id, title: "b\(id)", level: level, start: t0 + offset, end: t0 + offset + seconds,
            media: .init(sha256: sha, size: 10, durationMS: Int(seconds * 1000)))
    }

    func schedule(_ airings: [LinkAiring], from: TimeInterval = 0) -> ScheduleMessage {
        ScheduleMessage(revision: 1, from: t0 + from, until: t0 + 86_400, airings: airings)
    }

    @Test("an airing starts at its time from the cache, completes after its length, and starts only once")
    func startsAndCompletes() {
        var p = PlaybackSchedule()
        p.apply(schedule([airing(1, at: 10)]))
        #expect(p.due(at: t0 + 5, holds: { _ in true }, live: nil) == .init())
        #expect(p.due(at: t0 + 10, holds: { _ in true }, live: nil) == .init(started: [1]))
        #expect(p.playing == 1)
        #expect(p.due(at: t0 + 20, holds: { _ in true }, live: nil) == .init())
        #expect(p.due(at: t0 + 41, holds: { _ in true }, live: nil) == .init(completed: [1]))
        #expect(p.playing == nil)
    }

    @Test("without its media an airing fails; under a live emergency it is preempted")
    func failsOrIsPreempted() {
        var p = PlaybackSchedule()
        p.apply(schedule([airing(1, at: 0, sha: "missing"), airing(2, at: 60, level: .priority)]))
        #expect(p.due(at: t0 + 1, holds: { $0 != "missing" }, live: nil) == .init(failed: [1]))
        #expect(p.due(at: t0 + 61, holds: { _ in true }, live: .emergency) == .init(preempted: [2]))
    }

    @Test("a live broadcast interrupts what it outranks; a schedule never stops what plays, a cancel does")
    func interruptions() {
        var p = PlaybackSchedule()
        p.apply(schedule([airing(1, at: 0, level: .emergency), airing(2, at: 100)]))
        _ = p.due(at: t0 + 1, holds: { _ in true }, live: nil)
        #expect(p.interrupt(for: .priority) == nil, "a priority broadcast does not interrupt an emergency bulletin")
        #expect(p.interrupt(for: .emergency) == 1)
        _ = p.due(at: t0 + 101, holds: { _ in true }, live: nil)
        #expect(p.playing == 2)
        // A schedule from now on never holds the airing that plays: it is not a cancel (1.1).
        p.apply(schedule([airing(3, at: 300)], from: 101))
        #expect(p.playing == 2)
        #expect(p.cancel([3]) == nil, "an airing ahead is dropped, nothing stops")
        #expect(p.cancel([2]) == 2)
        #expect(p.playing == nil)
        #expect(p.due(at: t0 + 301, holds: { _ in true }, live: nil) == .init(), "a cancelled airing never starts")
    }

    @Test("an airing first seen more than a minute after its start fails as too late")
    func tooLate() {
        var p = PlaybackSchedule()
        p.apply(schedule([airing(1, at: 0), airing(2, at: 100)]))
        #expect(p.due(at: t0 + 61, holds: { _ in true }, live: nil) == .init(tooLate: [1]))
        #expect(p.due(at: t0 + 159, holds: { _ in true }, live: nil) == .init(started: [2]))
    }

    @Test("the cache hands out each missing file once, soonest first, and holds only verified files")
    func mediaCache() {
        var cache = MediaCache()
        let wanted = cache.claim(for: [airing(2, at: 60, sha: "late"), airing(1, at: 0, sha: "soon"), airing(3, at: 90, sha: "soon")])
        #expect(wanted.map(\.sha256) == ["soon", "late"])
        #expect(cache.claim(for: [airing(4, at: 0, sha: "soon")]).isEmpty, "already being fetched")
        cache.finished("soon", verified: true)
        cache.finished("late", verified: false)
        #expect(cache.inventory == ["soon"])
        #expect(cache.claim(for: [airing(5, at: 0, sha: "late")]).map(\.sha256) == ["late"], "a failed file is fetched again")
    }
}
