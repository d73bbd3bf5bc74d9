import Foundation

/// How `stats` groups its rows.
public enum StatisticsGrouping: String, Sendable, Codable, CaseIterable {
    case bulletin, zone, cluster, day
}

/// One row of statistics. Definitions (also in docs/scheduling.md):
/// - `planned`: airings due in the period (every row except those withdrawn);
/// - `aired`: airings that started playing (completed + interrupted);
/// - `preempted`: airings stopped before they started (a live broadcast took the
///   air first): not aired, no minutes;
/// - `completed`: airings that played to the end;
/// - `minutesAired`: sum of (end − start) of aired airings;
/// - `completionShare`: completed ÷ planned.
public struct StatisticsRow: Sendable, Codable, Equatable {
    public init(key: String, label: String) {
        self.key = key
        self.label = label
    }

    public var key: String
    public var label: String
    public var planned = 0
    public var aired = 0
    public var completed = 0
    public var interrupted = 0
    public var preempted = 0
    public var failed = 0
    public var missed = 0
    public var minutesAired = 0.0
    public var completionShare: Double?
}

/// Statistics for a period: totals and grouped rows.
public struct StatisticsReport: Sendable, Codable, Equatable {
    public var since: Date
    public var until: Date
    public var grouping: StatisticsGrouping
    /// Bulletins created in the period, less those cancelled before they aired anywhere.
    public var bulletinsProduced: Int
    public var total: StatisticsRow
    public var rows: [StatisticsRow]

    public init(since: Date, until: Date, grouping: StatisticsGrouping, bulletinsProduced: Int, total: StatisticsRow, rows: [StatisticsRow]) {
        self.since = since
        self.until = until
        self.grouping = grouping
        self.bulletinsProduced = bulletinsProduced
        self.total = total
        self.rows = rows
    }
}

extension StatisticsReport {
    /// The rows and the total as CSV for a spreadsheet, the same from the CLI
    /// (`stats --format csv`) and the console's download: plain numbers, minutes
    /// with two decimals, the completion share as a fraction.
    public func csv() -> String {
        let columns = [
            grouping.rawValue, "planned", "aired", "completed", "interrupted", "preempted", "failed", "missed", "minutes", "completion_share",
        ]
        var out = columns.joined(separator: ",") + "\n"
        for s in rows + [total] {
            let fields = [
                CSVText.field(s.label), "\(s.planned)", "\(s.aired)", "\(s.completed)", "\(s.interrupted)", "\(s.preempted)", "\(s.failed)",
                "\(s.missed)", String(format: "%.2f", s.minutesAired), s.completionShare.map { String(format: "%.4f", $0) } ?? "",
            ]
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }
}
