import CommcastControlAPI
import CommcastCore
import CommcastLink
import CommcastLinkServer
import CommcastStore
import Foundation
import Logging

/// Who holds the air (docs/live.md). Every live broadcast starts and ends here,
/// whoever starts it — an operator's `commcast live`, a relay at its hours, an
/// emergency from the province, and the phone to come — so each start and end is
/// checked the same way and lands in the audit log and the province's report once.
public struct OnAir: Sendable {
    let broadcaster: LiveBroadcaster
    let registry: LinkRegistry
    let database: CommcastDatabase
    let settings: RunningConfiguration
    let scope: OperatorScope
    /// The broadcasts a phone's browser feeds.
    public let uplinks: PhoneUplinks
    let logger: Logger
    let now: @Sendable () -> Date

    /// The daemon itself, for ends nobody asked for (a silent source, shutdown).
    public static let station = Actor(name: "commcastd", origin: "daemon")
    /// Why a broadcast found on air at start ended: the daemon stopped under it.
    public static let endedByRestart = "commcastd stopped while on air; ended when it started again"

    public init(
        broadcaster: LiveBroadcaster, registry: LinkRegistry, database: CommcastDatabase, settings: RunningConfiguration,
        scope: OperatorScope, uplinks: PhoneUplinks? = nil, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.broadcaster = broadcaster
        self.registry = registry
        self.database = database
        self.settings = settings
        self.scope = scope
        self.uplinks = uplinks ?? PhoneUplinks(settings: .init(settings.current.live))
        self.logger = logger
        self.now = now
    }

    /// The broadcast on air, or the last one since the daemon started.
    public var current: LiveBroadcastStatus? { broadcaster.current }

    /// Whether any broadcast is on air.
    public var isOnAir: Bool { broadcaster.isOnAir }

    /// Whether `liveID` is on air.
    public func isRunning(_ liveID: String) -> Bool { broadcaster.isRunning(liveID) }

    /// An operator's broadcast: the level their role allows, to clusters in their
    /// zones. Below emergency it reaches only clusters outside their quiet hours —
    /// each cluster's own, from its zone or the station's default, as the planner
    /// reads them — and is refused when that leaves none.
    public func start(_ request: LiveStartRequest, by op: Operator, actor: Actor) throws -> LiveBroadcastStatus {
        guard let level = LiveLevel(rawValue: request.level), level != .relay else {
            throw Refusal.invalid("level: got \"\(request.level)\", expected emergency or priority")
        }
        guard op.mayQueue(level == .emergency ? .emergency : .priority) else {
            throw Refusal.forbidden("\(op.name) may not start an emergency broadcast: that needs the emergency role")
        }
        guard Self.sources.contains(request.source) else {
            throw Refusal.invalid("source: got \"\(request.source)\", expected \(Self.sources.sorted().joined(separator: ", "))")
        }
        let title = request.title.isEmpty ? request.title : try PrintableText.check(request.title, field: "title", maxLength: 200)
        let targeted = try scope.liveClusters(zones: request.zones, clusters: request.clusters, for: op)
        let ids = try reachable(targeted, level: level, orElse: "only an emergency broadcast may air now")
        let started = try begin(
            level: level, clusterIDs: ids, targets: request.zones + request.clusters, source: request.source,
            title: title, actor: actor, details: [:])
        // A phone's audio comes later, over the console's WebSocket; its uplink waits for it.
        if PhoneUplinks.sources.contains(request.source) {
            uplinks.begin(liveID: started.liveId, operatorName: op.name, now: now())
        }
        return started
    }

    /// What an operator's broadcast may come from: the host's microphone, a file or
    /// standard input (`commcast live`), or a phone's browser (the console).
    public static let sources = Set(["microphone", "file", "stdin"]).union(PhoneUplinks.sources)

    /// The clusters of `ids` a broadcast of `level` may reach now: all of them for an
    /// emergency, else those outside their quiet hours; refused when none is left.
    func reachable(_ ids: Set<String>, level: LiveLevel, orElse wayOut: String) throws -> Set<String> {
        guard level != .emergency else { return ids }
        let quiet = try clustersInQuietHours(ids)
        if let span = quiet.first?.span, quiet.count == ids.count {
            throw Refusal(.conflict, code: "quiet_hours", "it is quiet hours (\(span)) for every targeted cluster; \(wayOut)")
        }
        return ids.subtracting(quiet.map(\.id))
    }

    /// The clusters among `ids` inside their quiet hours now, with the span that holds each.
    func clustersInQuietHours(_ ids: Set<String>) throws -> [(id: String, span: QuietHours)] {
        let at = now()
        let clusters = try database.plannerInput(
            horizon: DateInterval(start: at, duration: 1),
            defaultQuietHours: settings.current.schedule.quietHours, clusterIDs: ids
        ).clusters
        return clusters.compactMap { c in
            guard let q = c.quietHours, q.overlaps(from: at, to: at.addingTimeInterval(1), calendar: settings.calendar) else { return nil }
            return (c.id, q)
        }.sorted { $0.id < $1.id }
    }

    /// A broadcast the station starts on its own behalf (a relay, an emergency from
    /// the province): the caller has already decided it may air.
    ///
    /// - Throws: `Refusal` with code `busy` when a broadcast of the same or a higher level is on air.
    public func startForStation(
        level: LiveLevel, clusterIDs: Set<String>, targets: [String], source: String, title: String,
        actor: Actor, details: [String: String] = [:]
    ) throws -> LiveBroadcastStatus {
        let ids = try reachable(clusterIDs, level: level, orElse: "it waits for them to end")
        return try begin(level: level, clusterIDs: ids, targets: targets, source: source, title: title, actor: actor, details: details)
    }

    private func begin(
        level: LiveLevel, clusterIDs: Set<String>, targets: [String], source: String, title: String,
        actor: Actor, details: [String: String]
    ) throws -> LiveBroadcastStatus {
        let at = now()
        let started: LiveBroadcastStatus
        let replaced: LiveBroadcastStatus?
        do {
            (started, replaced) = try broadcaster.start(
                .init(
                    level: level, clusterIDs: clusterIDs, targets: targets, source: source,
                    title: title, operatorName: actor.name),
                registry: registry, now: at)
        } catch LiveBroadcaster.Refusal.busy(let running) {
            throw Refusal(
                .conflict, code: "busy",
                "a \(running.level) broadcast (\(running.liveId), by \(running.operatorName)) is on air; stop it first or start an emergency")
        }
        if let replaced { recordEnd(replaced, actor: actor) }
        let audited = [
            "level": level.rawValue, "source": source, "title": title,
            "targets": targets.joined(separator: ","), "clusters": "\(clusterIDs.count)",
        ]
        try database.recordLiveEvent(
            actor, kind: "live_started", liveID: started.liveId,
            details: audited.merging(details) { _, extra in extra }, at: at)
        return started
    }

    /// Feeds source audio (48 kHz mono s16), captured at `capturedAt` if known;
    /// false once `liveID` is no longer on air.
    public func feed(_ liveID: String, samples: [Int16], capturedAt: Date? = nil) throws -> Bool {
        try broadcaster.audio(liveID, samples: samples, capturedAt: capturedAt, now: now())
    }

    /// Plays decoded audio into `liveID` 20 ms at a time on the clock, as a
    /// microphone would deliver it, and ends the broadcast when it is all played.
    /// - Returns: whether it played to the end (false: stopped or replaced first).
    public func play(_ samples: [Int16], into liveID: String, actor: Actor) async -> Bool {
        let clock = ContinuousClock()
        let start = clock.now
        var offset = 0
        var frames = 0
        while offset < samples.count {
            let end = min(offset + 960, samples.count)
            guard (try? feed(liveID, samples: Array(samples[offset..<end]))) == true else { return false }
            offset = end
            frames += 1
            try? await Task.sleep(until: start + .milliseconds(20 * frames), clock: clock)
        }
        return end(liveID, reason: "end of bulletin", actor: actor) != nil
    }

    /// An operator stops a broadcast; an emergency needs the emergency role to stop.
    public func stop(_ liveID: String, by op: Operator, actor: Actor) throws -> LiveBroadcastStatus {
        guard let current = broadcaster.current, current.liveId == liveID, current.endedAt == nil else {
            throw Refusal.notFound("no live broadcast \(liveID) is on air")
        }
        guard op.mayQueue(current.level == LiveLevel.emergency.rawValue ? .emergency : .priority) else {
            throw Refusal.forbidden("\(op.name) may not stop an emergency broadcast: that needs the emergency role")
        }
        guard let ended = end(liveID, reason: "stopped by \(op.name)", actor: actor) else {
            throw Refusal.notFound("no live broadcast \(liveID) is on air")
        }
        return ended
    }

    /// Ends `liveID` (whatever is on air when nil) with `reason`, audited as `actor`'s.
    /// - Returns: the ended broadcast, nil if it was not on air.
    @discardableResult
    public func end(_ liveID: String?, reason: String, actor: Actor) -> LiveBroadcastStatus? {
        guard let ended = broadcaster.stop(liveID, reason: reason, now: now()) else { return nil }
        recordEnd(ended, actor: actor)
        return ended
    }

    /// Ends the broadcast if its source has sent nothing for `timeout`.
    @discardableResult
    public func endIfSourceSilent(timeout: Duration) -> LiveBroadcastStatus? {
        guard let ended = broadcaster.stopIfSourceSilent(timeout: timeout, now: now()) else { return nil }
        recordEnd(ended, actor: Self.station)
        return ended
    }

    /// Ends what the daemon left on the air when it last stopped without ending it
    /// (killed, power lost): each broadcast in the audit and the province's report, and a
    /// province emergency that was airing as interrupted, with the reason. Called at start,
    /// before anything can go on air, so no broadcast ends silently.
    public func endBroadcastsLeftOnAir() throws {
        let at = now()
        for liveID in try database.endLiveBroadcastsLeftOnAir(by: Self.station, reason: Self.endedByRestart, at: at) {
            logger.warning("live broadcast ended: commcastd had stopped while it was on air", metadata: ["live_id": "\(liveID)"])
        }
        for record in try database.provinceBulletins(states: [.onAir]) {
            try database.setProvinceBulletinAiring(id: record.id, state: .interrupted, liveID: record.liveId, reason: Self.endedByRestart, at: at)
            logger.warning(
                "province emergency counted interrupted: commcastd had stopped while it was on air", metadata: ["province_id": "\(record.provinceId)"]
            )
        }
    }

    /// Audits and reports the end of a broadcast; a database error is logged, never fatal.
    private func recordEnd(_ ended: LiveBroadcastStatus, actor: Actor) {
        let endedAt = ended.endedAt ?? now()
        do {
            try database.recordLiveEvent(
                actor, kind: "live_stopped", liveID: ended.liveId,
                details: [
                    "reason": ended.endReason ?? "", "level": ended.level, "source": ended.source,
                    "packets": "\(ended.packets)", "seconds": "\(Int(endedAt.timeIntervalSince(ended.startedAt)))",
                ], at: endedAt)
        } catch {
            logger.error("cannot record the end of a live broadcast", metadata: ["live_id": "\(ended.liveId)", "error": "\(error)"])
        }
    }
}
