import Foundation

/// A bulletin was created or changed state (`event`: created, paused, resumed,
/// cancelled, finished).
public struct BulletinReport: Sendable, Codable, Equatable {
    public var bulletinId: Int64
    public var event: String
    public var title: String
    public var level: BulletinLevel
    public var state: String
    public var durationSeconds: Double
    /// file, microphone, text (text-to-speech) or relay.
    public var sourceKind: String
    public var author: String
    /// `local`, or `province` for a bulletin that came down from the province (its outcome report links the two).
    public var origin: String
    public var zones: [String]
    public var at: Date

    public init(
        bulletinId: Int64, event: String, title: String, level: BulletinLevel, state: String, durationSeconds: Double,
        sourceKind: String, author: String, origin: String, zones: [String], at: Date
    ) {
        self.bulletinId = bulletinId
        self.event = event
        self.title = title
        self.level = level
        self.state = state
        self.durationSeconds = durationSeconds
        self.sourceKind = sourceKind
        self.author = author
        self.origin = origin
        self.zones = zones
        self.at = at
    }
}

/// One airing on one cluster reached an outcome (completed, interrupted, failed or
/// missed). A later receipt can correct a `missed` airing; the newest report wins.
public struct AiringReport: Sendable, Codable, Equatable {
    public var airingId: Int64
    public var bulletinId: Int64
    public var clusterId: String
    public var zone: String
    public var plannedAt: Date
    public var startedAt: Date?
    public var endedAt: Date?
    public var outcome: String
    public var reason: String?

    public init(
        airingId: Int64, bulletinId: Int64, clusterId: String, zone: String, plannedAt: Date, startedAt: Date?,
        endedAt: Date?, outcome: String, reason: String?
    ) {
        self.airingId = airingId
        self.bulletinId = bulletinId
        self.clusterId = clusterId
        self.zone = zone
        self.plannedAt = plannedAt
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.outcome = outcome
        self.reason = reason
    }
}

/// A cluster's health changed (online, degraded, offline).
public struct ClusterStatusReport: Sendable, Codable, Equatable {
    public var clusterId: String
    public var from: String
    public var to: String
    public var reason: String
    public var at: Date

    public init(clusterId: String, from: String, to: String, reason: String, at: Date) {
        self.clusterId = clusterId
        self.from = from
        self.to = to
        self.reason = reason
        self.at = at
    }
}

/// Every cluster's state at one moment (default every 5 minutes): counts for the
/// station and per zone, and the clusters that are not online. The state changes
/// themselves are `cluster_status` reports; listing all 1,661 clusters every five
/// minutes would repeat them at some 70 MB a day.
public struct StatusSnapshotReport: Sendable, Codable, Equatable {
    /// A cluster that is not online.
    public struct Cluster: Sendable, Codable, Equatable {
        public var id: String
        public var zone: String
        public var state: String
        public var lastHeartbeat: Date?
        public var signalDbm: Int?

        public init(id: String, zone: String, state: String, lastHeartbeat: Date?, signalDbm: Int?) {
            self.id = id
            self.zone = zone
            self.state = state
            self.lastHeartbeat = lastHeartbeat
            self.signalDbm = signalDbm
        }
    }

    public var at: Date
    /// Clusters per state, e.g. `{"online": 1650, "offline": 11}`.
    public var counts: [String: Int]
    /// The same per zone (the zone a cluster sits in, not its ancestors).
    public var zones: [String: [String: Int]]
    public var notOnline: [Cluster]

    public init(at: Date, counts: [String: Int], zones: [String: [String: Int]], notOnline: [Cluster]) {
        self.at = at
        self.counts = counts
        self.zones = zones
        self.notOnline = notOnline
    }

    public var total: Int { counts.values.reduce(0, +) }
}

/// One station day's figures (station time zone).
public struct DailyStatisticsReport: Sendable, Codable, Equatable {
    /// `YYYY-MM-DD` in the station's time zone.
    public var day: String
    public var bulletinsProduced: Int
    public var airingsPlanned: Int
    public var airings: Int
    public var completed: Int
    public var interrupted: Int
    public var failed: Int
    public var missed: Int
    public var minutesAired: Double
    /// Share of clusters online in the status snapshots of the day (0…1); nil without snapshots.
    public var clustersOnlineShare: Double?

    public init(
        day: String, bulletinsProduced: Int, airingsPlanned: Int, airings: Int, completed: Int, interrupted: Int,
        failed: Int, missed: Int, minutesAired: Double, clustersOnlineShare: Double?
    ) {
        self.day = day
        self.bulletinsProduced = bulletinsProduced
        self.airingsPlanned = airingsPlanned
        self.airings = airings
        self.completed = completed
        self.interrupted = interrupted
        self.failed = failed
        self.missed = missed
        self.minutesAired = minutesAired
        self.clustersOnlineShare = clustersOnlineShare
    }
}

/// What became of a bulletin the province sent down: the acknowledgement.
public struct ProvinceBulletinOutcome: Sendable, Codable, Equatable {
    /// The province's own id for the bulletin.
    public var provinceId: String
    /// received, queued, approved, rejected, on_air, aired, failed.
    public var outcome: String
    public var bulletinId: Int64?
    public var liveId: String?
    public var reason: String?
    public var by: String?
    public var at: Date

    public init(
        provinceId: String, outcome: String, bulletinId: Int64? = nil, liveId: String? = nil, reason: String? = nil,
        by: String? = nil, at: Date
    ) {
        self.provinceId = provinceId
        self.outcome = outcome
        self.bulletinId = bulletinId
        self.liveId = liveId
        self.reason = reason
        self.by = by
        self.at = at
    }
}
