import CommcastControlAPI
import CommcastCore
import CommcastStore
import Foundation
import Hummingbird
import NIOCore

/// The plan, statistics and the audit log.
extension ControlAPIService {
    func addReportRoutes(to v1: RouterGroup<ControlRequestContext>) {
        let (settings, db, scope) = (settings, database, station.scope)

        v1.get("schedule") { request, context in
            let op = try context.requireOperator()
            let calendar = settings.calendar
            let q = request.uri.queryParameters
            let dayStart = try Self.day(q.get("day") ?? "today", calendar: calendar)
            let horizon = DateInterval(start: dayStart, end: calendar.date(byAdding: .day, value: 1, to: dayStart)!)
            var clusters = try scope.clusters(under: q.get("zone").map { try ZonePath.normalize($0) }, for: op)
            if let only = q.get("cluster") {
                clusters = clusters.filter { $0.id == only }
                if clusters.isEmpty { throw APIError.notFound("cluster: got \(only), expected an existing cluster id (commcast cluster list)") }
            }
            let input = try db.plannerInput(
                horizon: horizon, defaultQuietHours: settings.current.schedule.quietHours,
                clusterIDs: Set(clusters.map(\.id)))
            let plan = Planner(configuration: settings.plannerConfiguration, calendar: calendar).plan(input)
            let titles = Dictionary(uniqueKeysWithValues: input.bulletins.map { ($0.id, ($0.title, $0.duration)) })
            let zoneOf = Dictionary(clusters.map { ($0.id, $0.zonePath) }, uniquingKeysWith: { a, _ in a })
            var quiet: [String: String] = [:]
            for c in input.clusters {
                if let q = c.quietHours, let zone = zoneOf[c.id] { quiet[zone] = "\(q.start)-\(q.end)" }
            }
            let airings = plan.airings.map {
                ScheduleEntry(
                    start: $0.start, end: $0.end, wantedAt: $0.wantedAt, clusterId: $0.clusterID, bulletinId: $0.bulletinID,
                    title: titles[$0.bulletinID]?.0 ?? "", level: $0.level, reason: $0.reason, zone: zoneOf[$0.clusterID])
            }.sorted { ($0.start, $0.clusterId) < ($1.start, $1.clusterId) }
            let skipped = plan.skipped.map {
                ScheduleEntry(
                    start: $0.wantedAt, end: $0.wantedAt.addingTimeInterval(titles[$0.bulletinID]?.1 ?? 0), wantedAt: $0.wantedAt,
                    clusterId: $0.clusterID, bulletinId: $0.bulletinID, title: titles[$0.bulletinID]?.0 ?? "",
                    level: $0.level, reason: $0.reason, zone: zoneOf[$0.clusterID])
            }.sorted { ($0.start, $0.clusterId) < ($1.start, $1.clusterId) }
            let day = dayStart.formatted(Date.ISO8601FormatStyle(timeZone: calendar.timeZone).year().month().day())
            switch q.get("group") {
            case nil:
                return try JSONResponse.ok(
                    ScheduleResponse(day: day, timeZone: calendar.timeZone.identifier, airings: airings, skipped: skipped, quietHours: quiet))
            case "zone":
                return try JSONResponse.ok(
                    ScheduleResponse(
                        day: day, timeZone: calendar.timeZone.identifier, airings: [], skipped: [], quietHours: quiet,
                        blocks: ScheduleBlock.grouping(airings: airings, skipped: skipped)))
            case let other?: throw APIError.badRequest("group: got \(other), expected zone (or nothing for one line per cluster)")
            }
        }

        v1.get("stats") { request, context in
            let op = try context.requireOperator()
            let calendar = settings.calendar
            let q = request.uri.queryParameters
            let until =
                try q.get("until").map { try Self.day($0, calendar: calendar, field: "until") }
                .map { calendar.date(byAdding: .day, value: 1, to: $0)! } ?? Date()
            let since =
                try q.get("since").map { try Self.day($0, calendar: calendar, field: "since") }
                ?? calendar.date(byAdding: .day, value: -30, to: calendar.startOfDay(for: until))!
            guard since < until else { throw APIError.badRequest("since: must be before until") }
            let grouping =
                try q.get("by").map { v -> StatisticsGrouping in
                    guard let g = StatisticsGrouping(rawValue: v) else {
                        throw APIError.badRequest("by: got \(v), expected bulletin, zone, cluster or day")
                    }
                    return g
                } ?? .day
            var zones = scope.statisticsScope(for: op)
            if let zone = q.get("zone") { zones = [try scope.requireKnownZone(zone, for: op)] }
            let report = try db.statistics(since: since, until: until, grouping: grouping, scope: zones, calendar: calendar)
            switch q.get("format") ?? "json" {
            case "json": return try JSONResponse.ok(report)
            case "csv":
                // A download for a spreadsheet: the console links here, the cookie goes with it.
                let day = Date.ISO8601FormatStyle(timeZone: calendar.timeZone).year().month().day()
                let name = "commcast-stats-\(since.formatted(day))-\(until.addingTimeInterval(-1).formatted(day)).csv"
                return Response(
                    status: .ok,
                    headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name)\""],
                    body: .init(byteBuffer: ByteBuffer(string: report.csv())))
            case let other: throw APIError.badRequest("format: got \(other), expected json or csv")
            }
        }

        v1.get("audit") { request, context in
            let op = try context.requireOperator()
            guard op.isAdministrator || op.roles.contains(.supervisor) else {
                throw APIError.forbidden("\(op.name) needs the supervisor role to read the audit log")
            }
            let q = request.uri.queryParameters
            let since = try q.get("since").map { try Self.day($0, calendar: settings.calendar, field: "since") }
            let limit = try RequestBody.integer(request, "limit", in: 1...10_000, default: 100)
            return try JSONResponse.ok(try db.auditEntries(since: since, actor: q.get("actor"), limit: limit))
        }
    }

    /// `today`, `tomorrow`, `yesterday` or `YYYY-MM-DD`, as the start of that day in the station time zone.
    static func day(_ text: String, calendar: Calendar, field: String = "day") throws -> Date {
        let today = calendar.startOfDay(for: Date())
        switch text {
        case "today": return today
        case "tomorrow": return calendar.date(byAdding: .day, value: 1, to: today)!
        case "yesterday": return calendar.date(byAdding: .day, value: -1, to: today)!
        default:
            // Strict: 2026-13-01 is refused, not read as 2027-01-01.
            guard let d = ScheduleSpec.date(text, calendar: calendar) else {
                throw APIError.badRequest("\(field): got \(text), expected today, tomorrow or YYYY-MM-DD")
            }
            return d
        }
    }
}
