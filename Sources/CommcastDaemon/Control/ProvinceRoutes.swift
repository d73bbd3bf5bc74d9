import CommcastControlAPI
import CommcastCore
import CommcastStore
import Foundation
import Hummingbird

/// Reporting status, the monthly export, and the inbox of bulletins from the province.
extension ControlAPIService {
    func addProvinceRoutes(to v1: RouterGroup<ControlRequestContext>) {
        let runtime = self.runtime
        let db = runtime.database
        let logger = self.logger

        v1.get("report/status") { _, context in
            _ = try context.requireOperator()
            let settings = runtime.configuration.province
            let backlog = try db.reportBacklog()
            let progress = runtime.reporterProgress.snapshot
            return try JSONResponse.ok(ReportStatusResponse(
                configured: !settings.reportURL.isEmpty, url: settings.reportURL.isEmpty ? nil : settings.reportURL,
                station: settings.stationID.isEmpty ? ProcessInfo.processInfo.hostName : settings.stationID,
                wireProtocol: CommcastProvincialProtocol().name, backlog: backlog.pending, oldestPendingAt: backlog.oldestPendingAt,
                delivered: backlog.delivered, lastSuccessAt: progress.lastSuccessAt ?? backlog.lastDeliveredAt,
                lastError: progress.lastError ?? backlog.lastError, lastErrorAt: progress.lastErrorAt,
                consecutiveFailures: progress.consecutiveFailures, nextAttemptAt: progress.nextAttemptAt,
                inbox: try db.provinceBulletins(states: [.inbox]).count, webhookAddress: runtime.webhookAddress))
        }

        v1.get("report/export") { request, context in
            let op = try context.requireOperator()
            let calendar = runtime.calendar
            let month = request.uri.queryParameters.get("month") ?? ""
            let parts = month.split(separator: "-").compactMap { Int($0) }
            guard month.count == 7, parts.count == 2, (1...12).contains(parts[1]), (2000...2100).contains(parts[0]),
                  let from = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: 1)),
                  let to = calendar.date(byAdding: .month, value: 1, to: from) else {
                throw APIError.badRequest("month: got \"\(month)\", expected YYYY-MM such as 2026-11")
            }
            let scope: [String]? = op.isAdministrator ? nil : op.zonePaths
            let byDay = try db.statistics(since: from, until: to, grouping: .day, scope: scope, calendar: calendar)
            let byZone = try db.statistics(since: from, until: to, grouping: .zone, scope: scope, calendar: calendar)
            let settings = runtime.configuration.province
            return try JSONResponse.ok(MonthlyReport(
                month: month, station: settings.stationID.isEmpty ? ProcessInfo.processInfo.hostName : settings.stationID,
                timeZone: calendar.timeZone.identifier, bulletinsProduced: byDay.bulletinsProduced,
                clustersOnlineShare: try db.onlineShare(from: from, to: to), total: byDay.total, days: byDay.rows, zones: byZone.rows))
        }

        v1.get("inbox") { request, context in
            let op = try context.requireOperator()
            let states = try request.uri.queryParameters.get("state").map { text in
                try text.split(separator: ",").map { s -> ProvinceBulletinRecord.State in
                    guard let state = ProvinceBulletinRecord.State(rawValue: String(s)) else {
                        throw APIError.badRequest("state: got \"\(s)\", expected \(ProvinceBulletinRecord.State.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    return state
                }
            }
            let visible = try db.provinceBulletins(states: states).filter { b in
                op.isAdministrator || b.zones.contains { z in op.zonePaths.contains { ZonePath.isWithin(z, scope: $0) || ZonePath.isWithin($0, scope: z) } }
            }
            return try JSONResponse.ok(visible)
        }

        v1.post("inbox/:id/approve") { _, context in
            let op = try context.requireOperator()
            let record = try Self.inboxRecord(context, op: op, db: db)
            let approved = try ProvinceIntake(runtime: runtime, logger: logger).queue(record, state: .approved, by: context.actor(op))
            logger.info("province bulletin approved", metadata: ["province_id": "\(record.provinceId)", "by": "\(op.name)",
                                                                 "bulletin": "\(approved.bulletinId.map(String.init) ?? "-")"])
            return try JSONResponse.ok(approved)
        }

        v1.post("inbox/:id/reject") { request, context in
            let op = try context.requireOperator()
            let record = try Self.inboxRecord(context, op: op, db: db)
            let body = try await RequestBody.json(InboxRejectRequest.self, from: request)
            let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !reason.isEmpty, reason.count <= 500 else { throw APIError.badRequest("reason: got \"\(body.reason)\", expected 1 to 500 characters for the province") }
            let rejected = try db.rejectProvinceBulletin(id: record.id, reason: reason, by: context.actor(op), at: Date())
            logger.info("province bulletin rejected", metadata: ["province_id": "\(record.provinceId)", "by": "\(op.name)"])
            return try JSONResponse.ok(rejected)
        }
    }

    /// The inbox bulletin named in the path, if the operator may decide on it.
    static func inboxRecord(_ context: ControlRequestContext, op: Operator, db: CommcastDatabase) throws -> ProvinceBulletinRecord {
        let id = try context.parameters.require("id", as: Int64.self)
        guard let record = try db.provinceBulletin(id: id) else { throw APIError.notFound("unknown province bulletin #\(id)") }
        for zone in record.zones where !op.covers(zonePath: zone) {
            throw APIError.forbidden("\(op.name) may act only on \(op.zonePaths.joined(separator: ", ")); zone \(zone) is outside")
        }
        guard op.mayQueue(record.level) else { throw APIError.forbidden("\(op.name) may not queue \(record.level) bulletins (needs the emergency role)") }
        return record
    }
}
