import CommcastCore
import CommcastStore
import Foundation
import Logging
import ServiceLifecycle

/// Keeps the stored plan current: every `replan_interval_seconds`, and at once when
/// a bulletin, zone or cluster changes, it plans the next `horizon_hours` for every
/// cluster and makes the `airings` table match (cluster delivery reads it), then
/// marks airings that never got a receipt as missed.
public struct SchedulerService: Service {
    private let settings: RunningConfiguration
    private let database: CommcastDatabase
    private let replanRequests: ScheduleTrigger
    private let planStored: ScheduleTrigger
    private let logger: Logger
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - replanRequests: wakes the scheduler before its next periodic pass.
    ///   - planStored: fired after each pass, so the link sends clusters what changed.
    ///   - now: the clock, injected so tests can plan at a chosen time.
    public init(
        settings: RunningConfiguration, database: CommcastDatabase, replanRequests: ScheduleTrigger, planStored: ScheduleTrigger,
        logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.database = database
        self.replanRequests = replanRequests
        self.planStored = planStored
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                // About a quarter of a second of SQLite and planning for a 1,661-cluster
                // province (docs/benchmarks.md): kept off the cooperative pool.
                try await offload { [self] in try replan() }
            } catch {
                // One bad pass must not stop the station; the next pass retries.
                logger.error("planning failed", metadata: ["error": "\(error)"])
            }
            let interval = Duration.seconds(settings.current.schedule.replanIntervalSeconds)
            await cancelWhenGracefulShutdown { [replanRequests] in await replanRequests.wait(timeout: interval) }
        }
    }

    /// One planning pass.
    public func replan() throws {
        let config = settings.current.schedule
        let start = now()
        let horizon = DateInterval(start: start, duration: TimeInterval(config.horizonHours * 3600))
        let began = ContinuousClock.now
        let input = try database.plannerInput(horizon: horizon, defaultQuietHours: config.quietHours)
        let plan = Planner(configuration: settings.plannerConfiguration, calendar: settings.calendar).plan(input)
        let (inserted, removed) = try database.savePlan(plan)
        let missed = try database.markMissed(before: start.addingTimeInterval(-TimeInterval(config.missedAfterMinutes * 60)), at: start)
        try database.purgeWithdrawnAirings(at: start)
        // The link compares each cluster's schedule with what it last sent, so waking it is cheap.
        planStored.fire()
        let finished = try database.finishExhaustedBulletins(at: start)
        if !finished.isEmpty { logger.info("bulletins finished", metadata: ["ids": "\(finished)"]) }
        let elapsed = ContinuousClock.now - began
        StationMetrics.planned(inserted: inserted, missed: missed, took: elapsed)
        let level: Logger.Level = inserted + removed + missed > 0 ? .info : .debug
        logger.log(
            level: level, "plan refreshed",
            metadata: [
                "airings": "\(plan.airings.count)", "skipped": "\(plan.skipped.count)", "inserted": "\(inserted)",
                "removed": "\(removed)", "missed": "\(missed)", "elapsed": "\(elapsed)",
            ])
    }
}
