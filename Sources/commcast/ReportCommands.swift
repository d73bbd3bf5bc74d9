import ArgumentParser
import CommcastControlAPI
import CommcastCore
import Foundation

/// `commcast schedule`: what will air.
struct ScheduleCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Show the plan for a day, with the reason for anything shifted or skipped.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "today, tomorrow or YYYY-MM-DD.") var day: String = "today"
    @Option(help: "Only clusters in this zone and below.") var zone: String?
    @Option(help: "Only this cluster.") var cluster: String?

    func execute(_ client: ControlClient) async throws {
        let reply = try await client.send(.GET, "/schedule", query: ["day": day, "zone": zone, "cluster": cluster])
        let s = try client.decode(reply, as: ScheduleResponse.self)
        if global.json {
            try printJSON(s)
            return
        }
        let t = StationTime(zone: TimeZone(identifier: s.timeZone) ?? reply.timeZone)
        print("schedule for \(s.day) (\(s.timeZone)): \(s.airings.count) airing(s), \(s.skipped.count) skipped")
        // One line per bulletin slot, listing the clusters, keeps 1,661 clusters readable.
        struct Slot: Hashable {
            var start: Date
            var end: Date
            var bulletin: Int64
            var reason: String?
        }
        var grouped: [Slot: [String]] = [:]
        var info: [Int64: ScheduleEntry] = [:]
        for a in s.airings {
            grouped[Slot(start: a.start, end: a.end, bulletin: a.bulletinId, reason: a.reason), default: []].append(a.clusterId)
            info[a.bulletinId] = a
        }
        var table = TextTable(headers: ["START", "LENGTH", "LEVEL", "BULLETIN", "CLUSTERS", "NOTE"])
        for slot in grouped.keys.sorted(by: { ($0.start, $0.bulletin) < ($1.start, $1.bulletin) }) {
            let e = info[slot.bulletin]!
            let seconds = Int(slot.end.timeIntervalSince(slot.start).rounded())
            table.add([
                t.time(slot.start), String(format: "%d:%02d", seconds / 60, seconds % 60), e.level.rawValue, "#\(e.bulletinId) \(e.title)",
                Self.clusters(grouped[slot]!), slot.reason ?? "",
            ])
        }
        if !grouped.isEmpty { print(table.render()) }
        if !s.skipped.isEmpty {
            print("\nskipped:")
            var skipped = TextTable(headers: ["WANTED", "LEVEL", "BULLETIN", "CLUSTERS", "REASON"])
            var bySlot: [String: (ScheduleEntry, [String])] = [:]
            for e in s.skipped {
                let key = "\(e.wantedAt.timeIntervalSince1970)|\(e.bulletinId)|\(e.reason ?? "")"
                bySlot[key, default: (e, [])].1.append(e.clusterId)
            }
            for (e, clusters) in bySlot.values.sorted(by: { ($0.0.wantedAt, $0.0.bulletinId) < ($1.0.wantedAt, $1.0.bulletinId) }) {
                skipped.add([t.time(e.wantedAt), e.level.rawValue, "#\(e.bulletinId) \(e.title)", Self.clusters(clusters), e.reason ?? ""])
            }
            print(skipped.render())
        }
    }

    static func clusters(_ ids: [String]) -> String {
        let sorted = ids.sorted()
        return sorted.count <= 3 ? sorted.joined(separator: ",") : "\(sorted.count) clusters (\(sorted[0])…\(sorted[sorted.count - 1]))"
    }
}

/// `commcast stats`: the figures a commune reports upward.
struct StatsCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Bulletins produced, airings, minutes aired and completion share.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "First day, YYYY-MM-DD (default: 30 days before --until).") var since: String?
    @Option(help: "Last day, YYYY-MM-DD, inclusive (default: now).") var until: String?
    @Option(help: "Group by bulletin, zone, cluster or day.") var by: String = "day"
    @Option(help: "Only clusters in this zone and below.") var zone: String?
    @Option(help: "table, json or csv.") var format: String = "table"

    func execute(_ client: ControlClient) async throws {
        guard ["table", "json", "csv"].contains(format) else { throw fail("format: got \(format), expected table, json or csv", ExitCodes.usage) }
        let r = try await client.get("/stats", query: ["since": since, "until": until, "by": by, "zone": zone], as: StatisticsReport.self)
        if global.json || format == "json" {
            try printJSON(r)
            return
        }
        func share(_ s: StatisticsRow) -> String { s.completionShare.map { String(format: "%.1f%%", $0 * 100) } ?? "-" }
        let header = [by.uppercased(), "PLANNED", "AIRED", "COMPLETED", "INTERRUPTED", "PREEMPTED", "FAILED", "MISSED", "MINUTES", "COMPLETED %"]
        func counts(_ s: StatisticsRow) -> [String] {
            ["\(s.planned)", "\(s.aired)", "\(s.completed)", "\(s.interrupted)", "\(s.preempted)", "\(s.failed)", "\(s.missed)"]
        }
        if format == "csv" {
            print(r.csv(), terminator: "")
            return
        }
        let rows = (r.rows + [r.total]).map { s in [s.label] + counts(s) + [String(format: "%.1f", s.minutesAired), share(s)] }
        // The sentence a commune reports upward: "4,765 bulletins, aired 36,896 times".
        let completed = r.total.completionShare.map { String(format: "; %.1f%% of planned airings completed", $0 * 100) } ?? ""
        print(
            "bulletins produced: \(r.bulletinsProduced.formatted()), aired \(r.total.aired.formatted()) times, "
                + "\(String(format: "%.1f", r.total.minutesAired)) minutes\(completed)")
        var table = TextTable(headers: header)
        for row in rows { table.add(row) }
        print(table.render())
    }
}

/// `commcast audit`: who did what.
struct AuditCommand: DaemonCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Show the audit log of mutating actions, newest first.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Since this day, YYYY-MM-DD.") var since: String?
    @Option(help: "Only this operator.") var actor: String?
    @Option(parsing: .unconditional, help: "At most this many rows (expected a whole number, 1 to 10000).") var limit: Int = 50

    func execute(_ client: ControlClient) async throws {
        let reply = try await client.send(.GET, "/audit", query: ["since": since, "actor": actor, "limit": "\(limit)"])
        let entries = try client.decode(reply, as: [AuditEntry].self)
        if global.json {
            try printJSON(entries)
            return
        }
        let t = StationTime(zone: reply.timeZone)
        var table = TextTable(headers: ["WHEN", "WHO", "ACTION", "TARGET", "FROM", "DETAILS"])
        for e in entries {
            table.add([
                t.dateTime(e.at), e.actor, e.action, e.target ?? "", e.origin,
                e.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
            ])
        }
        print(table.render())
    }
}
