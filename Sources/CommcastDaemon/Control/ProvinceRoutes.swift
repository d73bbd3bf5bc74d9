import CommcastControlAPI
import CommcastCore
import CommcastStore
import Foundation
import Hummingbird

/// Reporting status, the monthly export, and the inbox of bulletins from the province.
extension ControlAPIService {
    func addProvinceRoutes(to v1: RouterGroup<ControlRequestContext>) {
        let (settings, db, desk, scope, progress, addresses, logger) = (
            settings, database, station.bulletins, station.scope, reporterProgress, addresses, logger
        )

        v1.get("report/status") { _, context in
            _ = try context.requireOperator()
            let province = settings.current.province
            let backlog = try db.reportBacklog()
            let progress = progress.snapshot
            return try JSONResponse.ok(
                ReportStatusResponse(
                    configured: !province.reportURL.isEmpty, url: province.reportURL.isEmpty ? nil : province.reportURL,
                    station: province.stationID.isEmpty ? ProcessInfo.processInfo.hostName : province.stationID,
                    wireProtocol: CommcastProvincialProtocol().name, backlog: backlog.pending, oldestPendingAt: backlog.oldestPendingAt,
                    delivered: backlog.delivered, lastSuccessAt: progress.lastSuccessAt ?? backlog.lastDeliveredAt,
                    lastError: progress.lastError ?? backlog.lastError, lastErrorAt: progress.lastErrorAt,
                    consecutiveFailures: progress.consecutiveFailures, nextAttemptAt: progress.nextAttemptAt,
                    inbox: try db.provinceBulletins(states: [.inbox]).count, webhookAddress: addresses.webhook))
        }

        v1.get("report/export") { request, context in
            let op = try context.requireOperator()
            let calendar = settings.calendar
            let month = request.uri.queryParameters.get("month") ?? ""
            let parts = month.split(separator: "-").compactMap { Int($0) }
            guard month.count == 7, parts.count == 2, (1...12).contains(parts[1]), (2000...2100).contains(parts[0]),
                let from = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: 1)),
                let to = calendar.date(byAdding: .month, value: 1, to: from)
            else {
                throw APIError.badRequest("month: got \"\(month)\", expected YYYY-MM such as 2026-11")
            }
            let zones = scope.statisticsScope(for: op)
            let byDay = try db.statistics(since: from, until: to, grouping: .day, scope: zones, calendar: calendar)
            let byZone = try db.statistics(since: from, until: to, grouping: .zone, scope: zones, calendar: calendar)
            let province = settings.current.province
            return try JSONResponse.ok(
                MonthlyReport(
                    month: month, station: province.stationID.isEmpty ? ProcessInfo.processInfo.hostName : province.stationID,
                    timeZone: calendar.timeZone.identifier, bulletinsProduced: byDay.bulletinsProduced,
                    clustersOnlineShare: try db.onlineShare(from: from, to: to), total: byDay.total, days: byDay.rows, zones: byZone.rows))
        }

        v1.get("inbox") { request, context in
            let op = try context.requireOperator()
            let states = try RequestBody.names(request, "state", as: ProvinceBulletinRecord.State.self)
            return try JSONResponse.ok(try desk.inbox(states: states, visibleTo: op))
        }

        v1.post("inbox/:id/approve") { _, context in
            let op = try context.requireOperator()
            let approved = try desk.approve(inbox: try context.parameters.require("id", as: Int64.self), by: op, actor: context.actor(op))
            logger.info(
                "province bulletin approved",
                metadata: [
                    "province_id": "\(approved.provinceId)", "by": "\(op.name)",
                    "bulletin": "\(approved.bulletinId.map(String.init) ?? "-")",
                ])
            return try JSONResponse.ok(approved)
        }

        v1.post("inbox/:id/reject") { request, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("id", as: Int64.self)
            let body = try await RequestBody.json(RejectRequest.self, from: request)
            let rejected = try desk.reject(inbox: id, reason: body.reason, by: op, actor: context.actor(op))
            logger.info("province bulletin rejected", metadata: ["province_id": "\(rejected.provinceId)", "by": "\(op.name)"])
            return try JSONResponse.ok(rejected)
        }
    }
}
