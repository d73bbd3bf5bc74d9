import CommcastCore
import CommcastLink
import CommcastLinkServer
import CommcastStore
import Foundation
import Logging

/// Builds each connected cluster's `schedule` from the stored airings and sends it
/// when it differs from the last one that cluster was sent.
struct LinkScheduleSender: Sendable {
    let settings: RunningConfiguration
    let database: CommcastDatabase
    let registry: LinkRegistry
    let logger: Logger
    let now: @Sendable () -> Date

    /// Sends to these clusters (all connected ones when nil); returns how many were sent a new schedule.
    @discardableResult
    func push(to clusterIDs: Set<String>? = nil) async -> Int {
        let connected = Set(registry.sessions.keys)
        let targets = clusterIDs.map { $0.intersection(connected) } ?? connected
        guard !targets.isEmpty else { return 0 }
        let now = now()
        // Cancels before the schedule: a cluster that reconnects stops or drops a
        // cancelled airing first thing (docs/protocol.md, `cancel`).
        await sendCancels(to: targets, at: now)
        // From a minute back: an airing that started while this cluster's link was
        // down (a reconnect, a station restart) is still sent, and the cluster may
        // start it late. From `now`, it was never told of it (found by
        // scripts/kill_anywhere.py: two clusters never aired a bulletin, no receipt,
        // nothing missed for two hours).
        let from = now.addingTimeInterval(-ScheduleMessage.latestStart)
        let until = now.addingTimeInterval(TimeInterval(settings.current.schedule.horizonHours * 3600))
        let byCluster: [String: [ClusterAiring]]
        do {
            byCluster = try await offload { [database] in
                try database.clusterAirings(from: from, to: until, clusterIDs: targets)
            }
        } catch {
            logger.error("cannot read airings for the link", metadata: ["error": "\(error)"])
            return 0
        }
        let changed = targets.sorted().filter { id in
            let airings = byCluster[id] ?? []
            return registry.noteSchedule(id, hash: airings.hashValue, media: Set(airings.map(\.mediaSHA256)))
        }
        guard !changed.isEmpty else { return 0 }
        // Revisions from the store, for all of this push in one transaction: they keep
        // growing across reconnects, key rotations and restarts.
        let revisions: [String: Int]
        do {
            revisions = try await offload { [database] in try database.takeScheduleRevisions(for: changed) }
        } catch {
            logger.error("cannot take schedule revisions", metadata: ["error": "\(error)"])
            for id in changed { registry.settleSchedule(id, sentRevision: nil) }
            return 0
        }
        var sent = 0
        for id in changed {
            let airings = byCluster[id] ?? []
            guard let revision = revisions[id] else {
                registry.settleSchedule(id, sentRevision: nil)
                continue
            }
            let message = ScheduleMessage(
                revision: revision, from: from, until: until,
                airings: airings.map {
                    LinkAiring(
                        airingID: $0.airingID, bulletinID: $0.bulletinID, title: $0.title, level: $0.level, start: $0.start,
                        end: $0.start.addingTimeInterval(Double($0.durationMilliseconds) / 1000),
                        media: .init(sha256: $0.mediaSHA256, size: $0.mediaSize, durationMS: $0.durationMilliseconds))
                })
            if registry.send(id, .text(LinkCodec.encode(message))) {
                registry.settleSchedule(id, sentRevision: revision)
                sent += 1
            } else {
                registry.settleSchedule(id, sentRevision: nil)
            }
        }
        StationMetrics.schedulesPushed(sent)
        if sent > 0 { logger.debug("schedules sent", metadata: ["clusters": "\(sent)"]) }
        return sent
    }

    /// Tells each cluster of the airings cancelled since its link opened that it has not
    /// been told of. A 1.0 cluster ignores `cancel`; it gets the `stop` command when its
    /// last heartbeat says it plays one of them.
    func sendCancels(to targets: Set<String>, at now: Date) async {
        let cancels: [String: [Int64]]
        do {
            cancels = try await offload { [database] in try database.activeCancels(clusterIDs: targets, at: now) }
        } catch {
            logger.error("cannot read cancelled airings", metadata: ["error": "\(error)"])
            return
        }
        for (id, airings) in cancels.sorted(by: { $0.key < $1.key }) {
            guard let (new, session) = registry.noteCancels(id, airings), !new.isEmpty else { continue }
            if session.version >= .v1_1 {
                registry.send(id, .text(LinkCodec.encode(CancelMessage(airingIDs: new))))
            } else if let playing = session.lastHeartbeat?.playingAiringID, new.contains(playing) {
                registry.send(id, .text(LinkCodec.encode(CommandMessage(commandID: "cancel-\(playing)", command: .stop))))
            }
            logger.debug("cancels sent", metadata: ["cluster": "\(id)", "airings": "\(new)"])
        }
    }
}
