import Foundation

/// A bulletin the province sent down, as the station keeps it: in the inbox until an
/// operator decides (normal), or already queued or aired (priority, emergency).
public struct ProvinceBulletinRecord: Sendable, Codable, Equatable {
    /// States of a province bulletin. `inbox` waits for an operator; the rest are outcomes.
    public enum State: String, Sendable, Codable, CaseIterable {
        case inbox, queued, approved, rejected
        case onAir = "on_air"
        case aired, interrupted, failed
    }

    public var id: Int64
    public var provinceId: String
    public var title: String
    public var level: BulletinLevel
    public var zones: [String]
    public var mediaSha256: String?
    public var durationSeconds: Double?
    public var text: String?
    public var airAt: Date?
    public var receivedAt: Date
    public var state: State
    public var bulletinId: Int64?
    public var liveId: String?
    public var decidedBy: String?
    public var decidedAt: Date?
    public var reason: String?

    public init(
        id: Int64, provinceId: String, title: String, level: BulletinLevel, zones: [String], mediaSha256: String?,
        durationSeconds: Double?, text: String?, airAt: Date?, receivedAt: Date, state: State, bulletinId: Int64?,
        liveId: String?, decidedBy: String?, decidedAt: Date?, reason: String?
    ) {
        self.id = id
        self.provinceId = provinceId
        self.title = title
        self.level = level
        self.zones = zones
        self.mediaSha256 = mediaSha256
        self.durationSeconds = durationSeconds
        self.text = text
        self.airAt = airAt
        self.receivedAt = receivedAt
        self.state = state
        self.bulletinId = bulletinId
        self.liveId = liveId
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.reason = reason
    }
}
