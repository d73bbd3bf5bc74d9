import CommcastCore
import CommcastLinkServer
import CommcastStore
import Foundation
import Logging
import ServiceLifecycle

/// Writes the reports that are events of their own: a snapshot of every cluster's
/// state every `snapshot_interval_seconds`, and each finished station day's
/// statistics soon after midnight (a day missed while the daemon was down is
/// written when it starts again). Also prunes delivered reports past retention.
///
/// These go to the outbox whether or not a province is configured, so a station
/// that is connected later reports its history.
public struct StatusReportService: Service {
    let settings: RunningConfiguration
    let database: CommcastDatabase
    let registry: LinkRegistry
    let logger: Logger
    let now: @Sendable () -> Date

    public init(
        settings: RunningConfiguration, database: CommcastDatabase, registry: LinkRegistry, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.database = database
        self.registry = registry
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let settings = settings.current.province
            do {
                try await offload { [self] in
                    try snapshot(at: now())
                    try dailyStatistics(before: now())
                    let cutoff = now().addingTimeInterval(-TimeInterval(settings.deliveredRetentionDays) * 86_400)
                    try database.pruneDeliveredReports(before: cutoff)
                }
            } catch {
                logger.error("cannot write status reports", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(settings.snapshotIntervalSeconds)) }
        }
    }

    /// One status snapshot of every known cluster.
    func snapshot(at now: Date) throws {
        let health = registry.health
        var counts: [String: Int] = [:]
        var zones: [String: [String: Int]] = [:]
        var notOnline: [StatusSnapshotReport.Cluster] = []
        for cluster in try database.clusters() {
            let report = health[cluster.id]
            // Not seen since the daemon started counts as offline: the province sees silence either way.
            let state = report?.state == .neverSeen ? HealthState.offline.rawValue : report?.state.rawValue ?? HealthState.offline.rawValue
            counts[state, default: 0] += 1
            zones[cluster.zonePath, default: [:]][state, default: 0] += 1
            if state != HealthState.online.rawValue {
                notOnline.append(
                    .init(
                        id: cluster.id, zone: cluster.zonePath, state: state, lastHeartbeat: report?.lastHeartbeat?.receivedAt,
                        signalDbm: report?.lastHeartbeat?.signalDBm))
            }
        }
        try database.recordStatusSnapshot(StatusSnapshotReport(at: now, counts: counts, zones: zones, notOnline: notOnline))
    }

    /// The statistics of the station day before `now`'s, unless already written.
    func dailyStatistics(before now: Date) throws {
        let calendar = settings.calendar
        let today = calendar.startOfDay(for: now)
        let yesterday = calendar.date(byAdding: .day, value: -1, to: today)!
        let day = Self.dayString(yesterday, calendar: calendar)
        let key = "daily_statistics:\(day)"
        guard try !database.hasReport(key: key) else { return }
        let report = try Self.dailyReport(day: day, from: yesterday, to: today, database: database, calendar: calendar)
        try database.enqueueReport(key: key, kind: .dailyStatistics, payload: report, at: now)
        logger.info("daily statistics reported", metadata: ["day": "\(day)", "airings": "\(report.airings)"])
    }

    static func dailyReport(day: String, from: Date, to: Date, database: CommcastDatabase, calendar: Calendar) throws -> DailyStatisticsReport {
        let stats = try database.statistics(since: from, until: to, grouping: .day, scope: nil, calendar: calendar)
        let t = stats.total
        return DailyStatisticsReport(
            day: day, bulletinsProduced: stats.bulletinsProduced, airingsPlanned: t.planned, airings: t.aired,
            completed: t.completed, interrupted: t.interrupted, failed: t.failed, missed: t.missed,
            minutesAired: (t.minutesAired * 100).rounded() / 100,
            clustersOnlineShare: try database.onlineShare(from: from, to: to))
    }

    static func dayString(_ date: Date, calendar: Calendar) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }
}
