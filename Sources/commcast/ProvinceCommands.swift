import ArgumentParser
import CommcastControlAPI
import CommcastCore
import Foundation

/// `commcast report`: reporting to the provincial source information system.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reporting to the province: backlog and the monthly statistics.",
        subcommands: [Status.self, Export.self])

    struct Status: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "status", abstract: "Show the report backlog, the last success and the last error.")
        @OptionGroup var global: GlobalOptions

        func execute(_ client: ControlClient) async throws {
            let reply = try await client.send(.GET, "/report/status")
            let s = try client.decode(reply, as: ReportStatusResponse.self)
            if global.json {
                try printJSON(s)
                return
            }
            let t = StationTime(zone: reply.timeZone)
            func when(_ d: Date?) -> String { d.map { t.dateTime($0) } ?? "never" }
            print("province:      \(s.configured ? s.url ?? "" : "not configured (province.report_url); reports wait in the outbox")")
            print("station:       \(s.station) (\(s.wireProtocol))")
            print("backlog:       \(s.backlog) report(s)\(s.oldestPendingAt.map { ", oldest from \(t.dateTime($0))" } ?? "")")
            print("delivered:     \(s.delivered)")
            print("last success:  \(when(s.lastSuccessAt))")
            if let error = s.lastError {
                print("last error:    \(error)\(s.lastErrorAt.map { " (\(t.dateTime($0)))" } ?? "")")
                if s.consecutiveFailures > 0 {
                    print(
                        "retrying:      \(s.consecutiveFailures) failure(s) in a row\(s.nextAttemptAt.map { ", next try \(t.dateTime($0))" } ?? "")")
                }
            }
            print("inbox:         \(s.inbox) bulletin(s) from the province waiting\(s.webhookAddress.map { "; webhook on \($0)" } ?? "")")
        }
    }

    struct Export: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "The monthly statistics a commune files: totals, per day and per zone.",
            discussion: "Example: commcast report export --month 2026-11 --format csv > thong-ke-2026-11.csv")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The month, YYYY-MM.") var month: String
        @Option(help: "csv or json.") var format: String = "csv"

        func execute(_ client: ControlClient) async throws {
            guard ["csv", "json"].contains(format) else { throw fail("format: got \(format), expected csv or json", ExitCodes.usage) }
            let r = try await client.get("/report/export", query: ["month": month], as: MonthlyReport.self)
            if global.json || format == "json" {
                try printJSON(r)
                return
            }
            print(
                "scope,key,label,planned,aired,completed,interrupted,failed,missed,minutes_aired,completion_share,bulletins_produced,clusters_online_share"
            )
            func line(_ scope: String, _ row: StatisticsRow, extra: [String] = ["", ""]) {
                let fields = [
                    scope, CSVText.field(row.key), CSVText.field(row.label), "\(row.planned)", "\(row.aired)", "\(row.completed)",
                    "\(row.interrupted)",
                    "\(row.failed)",
                    "\(row.missed)", String(format: "%.2f", row.minutesAired), row.completionShare.map { String(format: "%.4f", $0) } ?? "",
                ]
                print((fields + extra).joined(separator: ","))
            }
            line(
                "month",
                {
                    var t = r.total
                    t.key = r.month
                    t.label = r.month
                    return t
                }(),
                extra: ["\(r.bulletinsProduced)", r.clustersOnlineShare.map { String(format: "%.4f", $0) } ?? ""])
            for d in r.days { line("day", d) }
            for z in r.zones { line("zone", z) }
        }
    }
}

/// `commcast inbox`: bulletins sent down by the province.
struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox", abstract: "Bulletins from the province: list, approve, reject.",
        subcommands: [List.self, Approve.self, Reject.self])

    struct List: DaemonCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List bulletins from the province (default: those waiting).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "States, comma-separated: inbox, queued, approved, rejected, on_air, aired, interrupted, failed, or all.")
        var state: String = "inbox"

        func execute(_ client: ControlClient) async throws {
            let reply = try await client.send(.GET, "/inbox", query: ["state": state == "all" ? nil : state])
            let records = try client.decode(reply, as: [ProvinceBulletinRecord].self)
            if global.json {
                try printJSON(records)
                return
            }
            let t = StationTime(zone: reply.timeZone)
            var table = TextTable(headers: ["ID", "RECEIVED", "LEVEL", "STATE", "TITLE", "ZONES", "LENGTH", "PROVINCE ID", "NOTE"])
            for r in records {
                let seconds = Int((r.durationSeconds ?? 0).rounded())
                let note = r.reason ?? r.bulletinId.map { "bulletin #\($0)" } ?? r.liveId ?? ""
                table.add([
                    "\(r.id)", t.dateTime(r.receivedAt), r.level.rawValue, r.state.rawValue, r.title, r.zones.joined(separator: ","),
                    String(format: "%d:%02d", seconds / 60, seconds % 60), r.provinceId, note,
                ])
            }
            if records.isEmpty { print("no bulletins from the province in state \(state)") } else { print(table.render()) }
        }
    }

    struct Approve: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve", abstract: "Queue a waiting bulletin to air once, at the province's time or now.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: Int64

        func execute(_ client: ControlClient) async throws {
            let r = try await client.send(.POST, "/inbox/\(id)/approve", json: [String: String](), as: ProvinceBulletinRecord.self)
            if global.json {
                try printJSON(r)
                return
            }
            print("approved #\(r.id) \"\(r.title)\": bulletin #\(r.bulletinId.map(String.init) ?? "?"); the province is told")
        }
    }

    struct Reject: DaemonCommand {
        static let configuration = CommandConfiguration(
            commandName: "reject", abstract: "Decline a waiting bulletin, with a reason the province sees.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: Int64
        @Option(help: "Why, for the province.") var reason: String

        func execute(_ client: ControlClient) async throws {
            let r = try await client.send(.POST, "/inbox/\(id)/reject", json: RejectRequest(reason: reason), as: ProvinceBulletinRecord.self)
            if global.json {
                try printJSON(r)
                return
            }
            print("rejected #\(r.id) \"\(r.title)\"; the province is told")
        }
    }
}
