import Foundation

/// What a cluster reports in a heartbeat (docs/protocol.md, "heartbeat").
public struct HeartbeatSample: Sendable, Equatable {
    /// What the cluster is doing.
    public enum Activity: String, Sendable, Codable, CaseIterable {
        case idle, playing, live, fault
    }

    /// When the station received it.
    public var receivedAt: Date
    /// The cluster's own clock when it sent it.
    public var clusterTime: Date
    public var activity: Activity
    /// The airing playing now, if any.
    public var playingAiringID: Int64?
    /// Output volume, 0–100.
    public var volume: Int
    /// 4G RSRP in dBm; nil on a wired link.
    public var signalDBm: Int?
    public var uptimeSeconds: Int
    public var firmware: String
    /// sha256 of every complete, verified media file held.
    public var cached: [String]
    public var pendingReceipts: Int
    /// Current problems in words.
    public var errors: [String]

    public init(
        receivedAt: Date, clusterTime: Date, activity: Activity = .idle, playingAiringID: Int64? = nil, volume: Int = 70,
        signalDBm: Int? = nil, uptimeSeconds: Int = 0, firmware: String = "", cached: [String] = [],
        pendingReceipts: Int = 0, errors: [String] = []
    ) {
        self.receivedAt = receivedAt
        self.clusterTime = clusterTime
        self.activity = activity
        self.playingAiringID = playingAiringID
        self.volume = volume
        self.signalDBm = signalDBm
        self.uptimeSeconds = uptimeSeconds
        self.firmware = firmware
        self.cached = cached
        self.pendingReceipts = pendingReceipts
        self.errors = errors
    }

    /// How far the cluster's clock is ahead of the station's (negative: behind).
    /// The link's transit time is ignored: it is far below the 2 s that matters.
    public var clockSkew: TimeInterval { clusterTime.timeIntervalSince(receivedAt) }
}
