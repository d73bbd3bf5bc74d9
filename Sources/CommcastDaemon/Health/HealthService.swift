import CommcastCore
import CommcastLinkServer
import CommcastStore
import Foundation
import Logging
import ServiceLifecycle

/// Judges every cluster's health every few seconds from its link and heartbeats
/// (`HealthPolicy` in CommcastCore), stores transitions and samples, closes links
/// that went silent, and prunes old history.
public struct HealthService: Service {
    let settings: RunningConfiguration
    let database: CommcastDatabase
    let registry: LinkRegistry
    let logger: Logger
    let now: @Sendable () -> Date
    let interval: Duration

    public init(
        settings: RunningConfiguration, database: CommcastDatabase, registry: LinkRegistry, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() },
        interval: Duration = .seconds(5)
    ) {
        self.settings = settings
        self.database = database
        self.registry = registry
        self.logger = logger
        self.now = now
        self.interval = interval
    }

    public func run() async throws {
        let initial = (try? database.latestHealthStates()) ?? [:]
        var machine = HealthStateMachine(policy: policy, initial: initial)
        var lastPrune = Date.distantPast
        var passTime = Duration.zero
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let started = ContinuousClock.now
                machine = try await offload { [self, machine] in
                    var m = machine
                    try evaluate(&m)
                    return m
                }
                passTime = ContinuousClock.now - started
                if now().timeIntervalSince(lastPrune) > 3600 {
                    lastPrune = now()
                    let cutoff = now().addingTimeInterval(-Double(settings.current.health.retentionDays) * 86_400)
                    let removed = try await offload { [database] in try database.pruneHealth(before: cutoff) }
                    if removed > 0 { logger.info("health history pruned", metadata: ["rows": "\(removed)"]) }
                }
            } catch {
                logger.error("health check failed", metadata: ["error": "\(error)"])
            }
            // The next pass at the tick, or as soon as a link opens or closes.
            let spacing = Self.spacing(afterPassOf: passTime, interval: interval)
            try? await cancelWhenGracefulShutdown { [interval, registry] in
                try await Task.sleep(for: spacing)
                await registry.linkChanges.wait(timeout: interval - spacing)
            }
        }
    }

    /// The shortest time between two passes.
    static let minimumSpacing: Duration = .milliseconds(500)

    /// How long to wait at least before the next pass: half a second, so a reconnect
    /// storm costs a few passes rather than one per link, and ten times what the last
    /// pass took, so a big province's passes (every cluster read and judged) never take
    /// more than a tenth of a core however often links change; never past the tick.
    static func spacing(afterPassOf pass: Duration, interval: Duration) -> Duration {
        min(interval, max(minimumSpacing, pass * 10))
    }

    var policy: HealthPolicy { HealthPolicy(heartbeatInterval: TimeInterval(settings.current.link.heartbeatSeconds)) }

    /// One pass over every cluster.
    func evaluate(_ machine: inout HealthStateMachine) throws {
        let now = now()
        let db = database
        let heartbeat = TimeInterval(settings.current.link.heartbeatSeconds)
        let sampleInterval = TimeInterval(settings.current.health.sampleIntervalSeconds)
        let sessions = registry.sessions
        let seen = registry.everSeen
        let soon = try db.clusterAirings(from: now, to: now.addingTimeInterval(3600))
        var transitions: [HealthTransition] = []
        var samples: [(clusterID: String, state: HealthState, sample: HeartbeatSample)] = []
        var current: [String: ClusterHealthReport] = [:]
        for cluster in try db.clusters() {
            let id = cluster.id
            let session = sessions[id]
            if let session, now.timeIntervalSince(session.lastHeartbeat?.receivedAt ?? session.since) >= 3 * heartbeat {
                logger.warning("closing a silent link", metadata: ["cluster": "\(id)"])
                registry.send(
                    id,
                    .close(
                        code: 4408, reason: "idle",
                        message:
                            "no heartbeat for \(Int(now.timeIntervalSince(session.lastHeartbeat?.receivedAt ?? session.since))) s, expected one every \(Int(heartbeat)) s"
                    ))
            }
            let missing = session?.lastHeartbeat.map { hb in Set((soon[id] ?? []).map(\.mediaSHA256)).subtracting(hb.cached).count } ?? 0
            let everSeen = seen.contains(id) || (machine.states[id].map { $0 != .neverSeen } ?? false)
            let observation = HealthPolicy.Observation(
                linkUp: session != nil, linkSince: session?.since, lastHeartbeat: session?.lastHeartbeat,
                missingMediaSoon: missing, everSeen: everSeen, clockSkew: registry.clockSkew(of: id))
            if let t = machine.observe(id, observation, now: now) {
                transitions.append(t)
                logger.log(
                    level: t.to == .offline ? .warning : .info, "cluster health changed",
                    metadata: [
                        "cluster": "\(id)", "from": "\(t.from.rawValue)", "to": "\(t.to.rawValue)", "reason": "\(t.reason)",
                    ])
            }
            let (state, reasons) = policy.assess(observation, now: now)
            current[id] = ClusterHealthReport(state: state, reasons: reasons, since: session?.since, lastHeartbeat: session?.lastHeartbeat)
            if let hb = session?.lastHeartbeat, registry.shouldStoreSample(id, at: now, interval: sampleInterval) {
                samples.append((id, state, hb))
            }
        }
        try db.recordHealthTransitions(transitions)
        try db.recordHealthSamples(samples)
        registry.publishHealth(current)
    }
}
