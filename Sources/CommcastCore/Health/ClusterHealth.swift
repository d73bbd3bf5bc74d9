import Foundation

/// A cluster's health as operators see it (docs/protocol.md, "Health").
public enum HealthState: String, Sendable, Codable, CaseIterable, Comparable {
    /// Link up, heartbeats on time, nothing wrong.
    case online
    /// Link up, but something needs a look: late heartbeats, a fault, weak signal,
    /// clock skew, errors, or media for a coming airing not yet cached.
    case degraded
    /// No link, or silent for too long.
    case offline
    /// Never connected.
    case neverSeen = "never_seen"

    /// Worst first, for sorting a list operators scan.
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
    var rank: Int { [.offline: 0, .neverSeen: 1, .degraded: 2, .online: 3][self]! }
}

/// The rules that turn what the station knows about a cluster into a `HealthState`.
/// Pure: the clock is a parameter.
public struct HealthPolicy: Sendable, Equatable {
    /// The heartbeat interval clusters are told to use.
    public var heartbeatInterval: TimeInterval
    /// Late after this many intervals without a heartbeat (degraded)…
    public var lateAfterIntervals: Double
    /// …and offline after this many.
    public var offlineAfterIntervals: Double
    /// Weaker 4G signal than this (RSRP, dBm) is degraded.
    public var weakSignalDBm: Int
    /// More clock skew than this is degraded.
    public var maxClockSkew: TimeInterval

    public init(
        heartbeatInterval: TimeInterval = 30, lateAfterIntervals: Double = 2, offlineAfterIntervals: Double = 3,
        weakSignalDBm: Int = -110, maxClockSkew: TimeInterval = 2
    ) {
        self.heartbeatInterval = heartbeatInterval
        self.lateAfterIntervals = lateAfterIntervals
        self.offlineAfterIntervals = offlineAfterIntervals
        self.weakSignalDBm = weakSignalDBm
        self.maxClockSkew = maxClockSkew
    }

    /// What the station knows about one cluster at one moment.
    public struct Observation: Sendable, Equatable {
        /// Whether an authenticated link is open now.
        public var linkUp: Bool
        /// When the link last opened (the first heartbeat is not due before an interval has passed).
        public var linkSince: Date?
        /// The latest heartbeat, if any since the daemon started.
        public var lastHeartbeat: HeartbeatSample?
        /// Media needed by airings in the next hour that the cluster does not hold.
        public var missingMediaSoon: Int
        /// Whether the cluster has ever connected.
        public var everSeen: Bool
        /// The cluster's clock skew as the station estimates it over several heartbeats;
        /// nil: the last heartbeat's own reading (which a stalled link makes look behind).
        public var clockSkew: TimeInterval?

        public init(
            linkUp: Bool, linkSince: Date? = nil, lastHeartbeat: HeartbeatSample? = nil, missingMediaSoon: Int = 0, everSeen: Bool,
            clockSkew: TimeInterval? = nil
        ) {
            self.linkUp = linkUp
            self.linkSince = linkSince
            self.lastHeartbeat = lastHeartbeat
            self.missingMediaSoon = missingMediaSoon
            self.everSeen = everSeen
            self.clockSkew = clockSkew
        }
    }

    /// The state and every reason for it, in words an operator reads.
    public func assess(_ o: Observation, now: Date) -> (state: HealthState, reasons: [String]) {
        guard o.everSeen || o.linkUp else { return (.neverSeen, ["never connected"]) }
        guard o.linkUp else { return (.offline, ["link down"]) }
        // Silence is measured from the last heartbeat, or from when the link opened.
        let lastSign = o.lastHeartbeat?.receivedAt ?? o.linkSince ?? now
        let silent = now.timeIntervalSince(lastSign)
        if silent >= offlineAfterIntervals * heartbeatInterval {
            return (.offline, ["no heartbeat for \(Int(silent)) s"])
        }
        var reasons: [String] = []
        if silent >= lateAfterIntervals * heartbeatInterval { reasons.append("heartbeat late by \(Int(silent - heartbeatInterval)) s") }
        if let h = o.lastHeartbeat {
            if h.activity == .fault { reasons.append("cluster reports a fault") }
            if let s = h.signalDBm, s < weakSignalDBm { reasons.append("weak signal \(s) dBm") }
            let skew = o.clockSkew ?? h.clockSkew
            if abs(skew) > maxClockSkew {
                reasons.append(String(format: "clock %@ by %.1f s", skew > 0 ? "ahead" : "behind", abs(skew)))
            }
            reasons += h.errors.prefix(3)
        }
        if o.missingMediaSoon > 0 { reasons.append("\(o.missingMediaSoon) media file(s) for the next hour not cached") }
        return (reasons.isEmpty ? .online : .degraded, reasons)
    }
}

/// A change of health state, stored with its time and reason.
public struct HealthTransition: Sendable, Equatable, Codable {
    public var clusterID: String
    public var from: HealthState
    public var to: HealthState
    public var at: Date
    public var reason: String

    // Spelled so the control API's snake_case coding turns `cluster_id` back into it.
    enum CodingKeys: String, CodingKey {
        case clusterID = "clusterId"
        case from, to, at, reason
    }

    public init(clusterID: String, from: HealthState, to: HealthState, at: Date, reason: String) {
        self.clusterID = clusterID
        self.from = from
        self.to = to
        self.at = at
        self.reason = reason
    }
}

/// Tracks each cluster's state and reports transitions. Pure: callers feed it
/// observations and the time; it never reads a clock.
public struct HealthStateMachine: Sendable {
    public let policy: HealthPolicy
    public private(set) var states: [String: HealthState] = [:]

    public init(policy: HealthPolicy, initial: [String: HealthState] = [:]) {
        self.policy = policy
        self.states = initial
    }

    /// Assesses one cluster; returns the transition when its state changed.
    public mutating func observe(_ clusterID: String, _ observation: HealthPolicy.Observation, now: Date) -> HealthTransition? {
        let (state, reasons) = policy.assess(observation, now: now)
        let previous = states[clusterID] ?? .neverSeen
        states[clusterID] = state
        guard state != previous else { return nil }
        return HealthTransition(
            clusterID: clusterID, from: previous, to: state, at: now,
            reason: reasons.isEmpty ? "all well" : reasons.joined(separator: "; "))
    }
}
