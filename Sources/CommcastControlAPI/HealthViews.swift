import CommcastCore
import Foundation

/// One cluster with its health: a line of `commcast cluster list`
/// (`GET /v1/clusters/status`).
public struct ClusterStatus: Sendable, Codable, Equatable {
    public var cluster: Cluster
    public var state: HealthState
    /// Why it is not online, in words; empty when all is well.
    public var reasons: [String]
    /// When it entered this state, as far as the stored history reaches.
    public var stateSince: Date?
    /// When the current link opened.
    public var linkSince: Date?
    /// The latest heartbeat on the current link.
    public var lastHeartbeat: HeartbeatView?

    public init(cluster: Cluster, state: HealthState, reasons: [String], stateSince: Date?, linkSince: Date?, lastHeartbeat: HeartbeatView?) {
        self.cluster = cluster
        self.state = state
        self.reasons = reasons
        self.stateSince = stateSince
        self.linkSince = linkSince
        self.lastHeartbeat = lastHeartbeat
    }
}

/// A cluster's latest heartbeat as the control API shows it; mapped from the
/// domain's `HeartbeatSample`, which the link's `heartbeat` message becomes.
public struct HeartbeatView: Sendable, Codable, Equatable {
    /// When the station received it.
    public var receivedAt: Date
    /// The cluster's own clock when it sent it.
    public var clusterTime: Date
    public var activity: HeartbeatSample.Activity
    public var playingAiringId: Int64?
    public var volume: Int
    public var signalDbm: Int?
    public var uptimeSeconds: Int
    public var firmware: String
    /// sha256 of every complete, verified media file held.
    public var cached: [String]
    public var pendingReceipts: Int
    public var errors: [String]

    public init(_ sample: HeartbeatSample) {
        receivedAt = sample.receivedAt
        clusterTime = sample.clusterTime
        activity = sample.activity
        playingAiringId = sample.playingAiringID
        volume = sample.volume
        signalDbm = sample.signalDBm
        uptimeSeconds = sample.uptimeSeconds
        firmware = sample.firmware
        cached = sample.cached
        pendingReceipts = sample.pendingReceipts
        errors = sample.errors
    }
}

/// A stored heartbeat sample as `commcast cluster show` prints it.
public struct HealthHistorySample: Sendable, Codable, Equatable {
    public var at: Date
    public var state: HealthState
    public var signalDbm: Int?
    public var volume: Int?
    public var uptimeSeconds: Int?
    public var firmware: String?
    public var playingAiringId: Int64?
    /// How many media files the cluster held.
    public var cachedCount: Int

    public init(
        at: Date, state: HealthState, signalDbm: Int?, volume: Int?, uptimeSeconds: Int?, firmware: String?,
        playingAiringId: Int64?, cachedCount: Int
    ) {
        self.at = at
        self.state = state
        self.signalDbm = signalDbm
        self.volume = volume
        self.uptimeSeconds = uptimeSeconds
        self.firmware = firmware
        self.playingAiringId = playingAiringId
        self.cachedCount = cachedCount
    }
}

/// `GET /v1/clusters/:id/health`: the cluster now and its last hours.
public struct ClusterHealthDetail: Sendable, Codable, Equatable {
    public var status: ClusterStatus
    /// How far back `transitions` and `samples` reach.
    public var hours: Int
    public var transitions: [HealthTransition]
    public var samples: [HealthHistorySample]

    public init(status: ClusterStatus, hours: Int, transitions: [HealthTransition], samples: [HealthHistorySample]) {
        self.status = status
        self.hours = hours
        self.transitions = transitions
        self.samples = samples
    }
}

/// Health of the clusters of one zone (the zone a cluster belongs to, not its parents).
public struct ZoneHealth: Sendable, Codable, Equatable {
    public var zone: String
    public var clusters: Int
    public var online: Int
    public var degraded: Int
    public var offline: Int
    public var neverSeen: Int
    /// Offline and never-seen clusters, by id: the ones that will not air.
    public var silent: [String]

    public init(zone: String, clusters: Int = 0, online: Int = 0, degraded: Int = 0, offline: Int = 0, neverSeen: Int = 0, silent: [String] = []) {
        self.zone = zone
        self.clusters = clusters
        self.online = online
        self.degraded = degraded
        self.offline = offline
        self.neverSeen = neverSeen
        self.silent = silent
    }

    /// Counts one cluster in.
    public mutating func add(_ id: String, _ state: HealthState) {
        clusters += 1
        switch state {
        case .online: online += 1
        case .degraded: degraded += 1
        case .offline:
            offline += 1
            silent.append(id)
        case .neverSeen:
            neverSeen += 1
            silent.append(id)
        }
    }
}

/// `GET /v1/health`: `commcast health`, zones with silent clusters first.
public struct HealthSummary: Sendable, Codable, Equatable {
    public var zones: [ZoneHealth]
    /// The same counts over every zone shown.
    public var total: ZoneHealth

    public init(zones: [ZoneHealth], total: ZoneHealth) {
        self.zones = zones
        self.total = total
    }
}

/// `POST /v1/clusters/:id/command` (docs/protocol.md, `command`).
public struct ClusterCommandRequest: Sendable, Codable, Equatable {
    /// `stop`, `set_volume`, `resync` or `test_tone`.
    public var command: String
    /// For `set_volume`: 0–100.
    public var volume: Int?
    /// For `test_tone`: 1–30.
    public var seconds: Int?

    public init(command: String, volume: Int? = nil, seconds: Int? = nil) {
        self.command = command
        self.volume = volume
        self.seconds = seconds
    }
}

/// What the cluster answered to a command.
public struct ClusterCommandResult: Sendable, Codable, Equatable {
    public var clusterId: String
    public var command: String
    public var ok: Bool
    /// The cluster's reason when it did not carry the command out.
    public var error: String?

    public init(clusterId: String, command: String, ok: Bool, error: String?) {
        self.clusterId = clusterId
        self.command = command
        self.ok = ok
        self.error = error
    }
}

/// One point of the console's map (`GET /v1/clusters/map`): `["c0001", 11.53, 106.88,
/// "online"]`, an array rather than an object, so a province's 1,661 points stay small.
public struct ClusterMapPoint: Sendable, Codable, Equatable {
    public var id: String
    public var latitude: Double
    public var longitude: Double
    public var state: HealthState

    public init(id: String, latitude: Double, longitude: Double, state: HealthState) {
        self.id = id
        self.latitude = latitude
        self.longitude = longitude
        self.state = state
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(id)
        try c.encode(latitude)
        try c.encode(longitude)
        try c.encode(state)
    }

    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        id = try c.decode(String.self)
        latitude = try c.decode(Double.self)
        longitude = try c.decode(Double.self)
        state = try c.decode(HealthState.self)
    }
}
