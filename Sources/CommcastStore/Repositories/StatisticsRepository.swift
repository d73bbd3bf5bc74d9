import CommcastCore
import Foundation
import GRDB

extension CommcastDatabase {
    /// Airing statistics for `[since, until)`, limited to clusters under `scope` when given.
    public func statistics(since: Date, until: Date, grouping: StatisticsGrouping, scope: [String]?, calendar: Calendar) throws -> StatisticsReport {
        try pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT a.bulletin_id, a.cluster_id, a.planned_at, a.started_at, a.ended_at, a.outcome, b.title, z.path AS zone_path
                    FROM airings a JOIN bulletins b ON b.id = a.bulletin_id JOIN clusters c ON c.id = a.cluster_id JOIN zones z ON z.id = c.zone_id
                    WHERE a.planned_at >= ? AND a.planned_at < ? AND a.outcome NOT IN ('skipped', 'withdrawn', 'cancelled')
                    """, arguments: [since.millis, until.millis])
            func inScope(_ path: String) -> Bool { scope.map { $0.contains { ZonePath.isWithin(path, scope: $0) } } ?? true }
            var groups: [String: (label: String, row: StatisticsRow)] = [:]
            var total = StatisticsRow(key: "total", label: "total")
            for row in rows {
                let zonePath: String = row["zone_path"]
                guard inScope(zonePath) else { continue }
                let bulletinID: Int64 = row["bulletin_id"]
                let key: String
                let label: String
                switch grouping {
                case .bulletin:
                    key = "\(bulletinID)"
                    label = "#\(bulletinID) \(row["title"] as String)"
                case .zone:
                    key = zonePath
                    label = zonePath
                case .cluster:
                    key = row["cluster_id"]
                    label = key
                case .day:
                    let day = calendar.startOfDay(for: Date(millis: row["planned_at"]))
                    key = day.formatted(Date.ISO8601FormatStyle(timeZone: calendar.timeZone).year().month().day())
                    label = key
                }
                var entry = groups[key] ?? (label, StatisticsRow(key: key, label: label))
                Self.accumulate(&entry.row, row)
                Self.accumulate(&total, row)
                groups[key] = entry
            }
            var produced = 0
            // Produced: created in the period, less those cancelled before any cluster aired them.
            for b in try Row.fetchAll(
                db,
                sql: """
                    SELECT id FROM bulletins b WHERE created_at >= ? AND created_at < ?
                    AND NOT (state = 'cancelled' AND NOT EXISTS (
                        SELECT 1 FROM airings a WHERE a.bulletin_id = b.id AND a.outcome IN ('started', 'completed', 'interrupted')))
                    """, arguments: [since.millis, until.millis])
            {
                if scope == nil {
                    produced += 1
                    continue
                }
                let paths = try String.fetchAll(
                    db,
                    sql: """
                        SELECT z.path FROM bulletin_targets t JOIN zones z ON z.id = t.zone_id WHERE t.bulletin_id = ?
                        UNION SELECT z.path FROM bulletin_targets t JOIN clusters c ON c.id = t.cluster_id JOIN zones z ON z.id = c.zone_id WHERE t.bulletin_id = ?
                        """, arguments: [b["id"] as Int64, b["id"] as Int64])
                if paths.contains(where: inScope) { produced += 1 }
            }
            var list = groups.values.map(\.row)
            for i in list.indices { Self.finish(&list[i]) }
            Self.finish(&total)
            list.sort { grouping == .bulletin ? (Int($0.key) ?? 0) < (Int($1.key) ?? 0) : $0.key < $1.key }
            return StatisticsReport(since: since, until: until, grouping: grouping, bulletinsProduced: produced, total: total, rows: list)
        }
    }

    static func accumulate(_ s: inout StatisticsRow, _ row: Row) {
        s.planned += 1
        let outcome: String = row["outcome"]
        switch outcome {
        case "completed":
            s.completed += 1
            s.aired += 1
        case "interrupted" where (row["started_at"] as Int64?) == nil:
            // Stopped before it began (a live broadcast took the air): it did not air.
            s.preempted += 1
        case "interrupted":
            s.interrupted += 1
            s.aired += 1
        case "failed": s.failed += 1
        case "missed": s.missed += 1
        default: break
        }
        if outcome == "completed" || outcome == "interrupted", let start: Int64 = row["started_at"], let end: Int64 = row["ended_at"], end > start {
            s.minutesAired += Double(end - start) / 60_000
        }
    }

    static func finish(_ s: inout StatisticsRow) {
        s.completionShare = s.planned > 0 ? Double(s.completed) / Double(s.planned) : nil
        s.minutesAired = (s.minutesAired * 1000).rounded() / 1000  // to the millisecond-ish, for JSON
    }
}
