import CommcastCore
import CommcastLink
import Foundation

/// What a cluster plays and when: its airings, which have started and ended, and
/// which one plays now. Pure: the cluster's player asks it what is due at a time,
/// with what the cache holds and what live broadcast (if any) is on.
struct PlaybackSchedule {
    private(set) var airings: [Int64: LinkAiring] = [:]
    private var started: Set<Int64> = []
    private var ended: Set<Int64> = []
    /// The airing playing now.
    private(set) var playing: Int64?

    /// What the player must report after one look at the clock.
    struct Due: Equatable {
        var started: [Int64] = []
        var completed: [Int64] = []
        /// Due, but its media is not in the cache (or another airing plays).
        var failed: [Int64] = []
        /// Due while a live broadcast that outranks it is on.
        var preempted: [Int64] = []
        /// First seen more than `latestStart` after its start.
        var tooLate: [Int64] = []
    }

    /// How long after its `start` a cluster may still start an airing.
    static let latestStart = ScheduleMessage.latestStart

    /// Takes a schedule: it replaces every airing that starts at or after its `from`.
    /// It never stops what plays (protocol 1.1: only `cancel` does).
    /// With `stopsWhatItDrops` (protocol 1.0's reading, kept to test conformance
    /// runners) a playing airing the schedule no longer holds is stopped and returned.
    @discardableResult
    mutating func apply(_ schedule: ScheduleMessage, stopsWhatItDrops: Bool = false) -> Int64? {
        airings = airings.filter { $0.value.start < schedule.from || $0.key == playing }
        for a in schedule.airings { airings[a.airingID] = a }
        guard stopsWhatItDrops, let p = playing, !schedule.airings.contains(where: { $0.airingID == p }) else { return nil }
        return stopPlaying()
    }

    /// Withdraws these airings: one not started never starts; one playing stops and is
    /// returned, so the cluster reports it interrupted.
    mutating func cancel(_ ids: [Int64]) -> Int64? {
        for id in ids where id != playing && !started.contains(id) { airings[id] = nil }
        guard let p = playing, ids.contains(p) else { return nil }
        return stopPlaying()
    }

    /// Starts what is due at `now`, ends what has run its length.
    /// - Parameters:
    ///   - holds: whether the cache holds a file, by sha256.
    ///   - live: the level of the live broadcast on air, if one is.
    mutating func due(at now: Date, holds: (String) -> Bool, live: LiveLevel?) -> Due {
        var due = Due()
        for a in airings.values.sorted(by: { $0.start < $1.start }) {
            if !started.contains(a.airingID), a.start <= now {
                started.insert(a.airingID)
                if a.start < now.addingTimeInterval(-Self.latestStart) {
                    // Too late to start (docs/protocol.md): reported, never played.
                    due.tooLate.append(a.airingID)
                    ended.insert(a.airingID)
                } else if let live, live.interrupts(airingLevel: a.level) {
                    due.preempted.append(a.airingID)
                    ended.insert(a.airingID)
                } else if holds(a.media.sha256), playing == nil {
                    due.started.append(a.airingID)
                    playing = a.airingID
                } else {
                    due.failed.append(a.airingID)
                    ended.insert(a.airingID)
                }
            } else if playing == a.airingID, a.end <= now, !ended.contains(a.airingID) {
                ended.insert(a.airingID)
                playing = nil
                due.completed.append(a.airingID)
            }
        }
        return due
    }

    /// Stops the airing playing now (a `stop` command, a cancel); returns it.
    mutating func stopPlaying() -> Int64? {
        guard let p = playing else { return nil }
        ended.insert(p)
        playing = nil
        return p
    }

    /// Stops the playing airing if a live broadcast of `level` outranks it; returns it.
    mutating func interrupt(for level: LiveLevel) -> Int64? {
        guard let p = playing, level.interrupts(airingLevel: airings[p]?.level ?? .normal) else { return nil }
        return stopPlaying()
    }
}
