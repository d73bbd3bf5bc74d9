import CommcastCore
import Foundation

/// `GET /v1/report/status`: how reporting to the province stands (`commcast report status`).
public struct ReportStatusResponse: Sendable, Codable, Equatable {
    /// False when `province.report_url` is empty: reports wait in the outbox.
    public var configured: Bool
    public var url: String?
    public var station: String
    public var wireProtocol: String
    /// Reports not yet taken by the province, and the oldest one's time.
    public var backlog: Int
    public var oldestPendingAt: Date?
    /// Reports taken (those not yet pruned).
    public var delivered: Int
    public var lastSuccessAt: Date?
    public var lastError: String?
    public var lastErrorAt: Date?
    public var consecutiveFailures: Int
    public var nextAttemptAt: Date?
    /// Bulletins from the province waiting for an operator.
    public var inbox: Int
    public var webhookAddress: String?

    public init(
        configured: Bool, url: String?, station: String, wireProtocol: String, backlog: Int, oldestPendingAt: Date?, delivered: Int,
        lastSuccessAt: Date?, lastError: String?, lastErrorAt: Date?, consecutiveFailures: Int, nextAttemptAt: Date?, inbox: Int,
        webhookAddress: String?
    ) {
        self.configured = configured
        self.url = url
        self.station = station
        self.wireProtocol = wireProtocol
        self.backlog = backlog
        self.oldestPendingAt = oldestPendingAt
        self.delivered = delivered
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.consecutiveFailures = consecutiveFailures
        self.nextAttemptAt = nextAttemptAt
        self.inbox = inbox
        self.webhookAddress = webhookAddress
    }
}

/// `GET /v1/report/export?month=YYYY-MM`: the monthly statistics a commune files.
public struct MonthlyReport: Sendable, Codable, Equatable {
    public var month: String
    public var station: String
    public var timeZone: String
    public var bulletinsProduced: Int
    /// Share of clusters online across the month's status snapshots; nil without any.
    public var clustersOnlineShare: Double?
    public var total: StatisticsRow
    /// One row per day that had airings.
    public var days: [StatisticsRow]
    /// One row per zone with clusters that had airings.
    public var zones: [StatisticsRow]

    public init(
        month: String, station: String, timeZone: String, bulletinsProduced: Int, clustersOnlineShare: Double?, total: StatisticsRow,
        days: [StatisticsRow], zones: [StatisticsRow]
    ) {
        self.month = month
        self.station = station
        self.timeZone = timeZone
        self.bulletinsProduced = bulletinsProduced
        self.clustersOnlineShare = clustersOnlineShare
        self.total = total
        self.days = days
        self.zones = zones
    }
}
