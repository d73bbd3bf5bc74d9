import Foundation

/// `POST /v1/live`: start a live broadcast (`commcast live`).
public struct LiveStartRequest: Sendable, Codable, Equatable {
    /// `emergency` (default) or `priority`.
    public var level: String
    /// Zone paths, each with everything below it.
    public var zones: [String]
    /// Cluster ids. With `zones`: both; with neither: every cluster the operator covers.
    public var clusters: [String]
    /// `microphone`, `file` or `stdin`: for the audit and the report.
    public var source: String
    public var title: String

    public init(level: String, zones: [String], clusters: [String], source: String, title: String) {
        self.level = level
        self.zones = zones
        self.clusters = clusters
        self.source = source
        self.title = title
    }
}

/// A live broadcast as `commcast live` shows it (`GET /v1/live`).
public struct LiveBroadcastStatus: Sendable, Codable, Equatable {
    public var liveId: String
    /// `emergency`, `priority` or `relay`.
    public var level: String
    public var source: String
    public var title: String
    public var operatorName: String
    public var startedAt: Date
    public var targeted: Int
    /// Targeted clusters with a link open now: they get every packet.
    public var receiving: Int
    /// Ogg stream listeners.
    public var listeners: Int
    /// 20 ms packets sent so far.
    public var packets: Int
    /// Peak level of the last second of input, dBFS.
    public var inputPeakDbfs: Double
    /// Path of the Ogg Opus stream on the cluster link port, with its token.
    public var streamPath: String
    public var endedAt: Date?
    public var endReason: String?

    public init(
        liveId: String, level: String, source: String, title: String, operatorName: String, startedAt: Date, targeted: Int,
        streamPath: String
    ) {
        self.liveId = liveId
        self.level = level
        self.source = source
        self.title = title
        self.operatorName = operatorName
        self.startedAt = startedAt
        self.targeted = targeted
        self.receiving = 0
        self.listeners = 0
        self.packets = 0
        self.inputPeakDbfs = -96
        self.streamPath = streamPath
    }
}
