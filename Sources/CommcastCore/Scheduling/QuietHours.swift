import Foundation

/// A nightly span in which only emergency content may air (default 22:00–05:00),
/// so a misconfigured relay cannot wake a village at 3 a.m.
public struct QuietHours: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Start of the quiet span.
    public var start: TimeOfDay
    /// End of the quiet span (exclusive); before `start` when it crosses midnight.
    public var end: TimeOfDay

    public init(start: TimeOfDay, end: TimeOfDay) {
        self.start = start
        self.end = end
    }

    /// 22:00–05:00.
    public static let `default` = QuietHours(start: TimeOfDay(hour: 22, minute: 0), end: TimeOfDay(hour: 5, minute: 0))

    /// Whether the minute-of-day `m` falls inside.
    func contains(minuteOfDay m: Int) -> Bool {
        let s = start.minutesSinceMidnight
        let e = end.minutesSinceMidnight
        if s == e { return false }
        return s < e ? (m >= s && m < e) : (m >= s || m < e)
    }

    /// Whether any part of `[from, to)` falls inside quiet hours, in `calendar`'s time zone.
    public func overlaps(from: Date, to: Date, calendar: Calendar) -> Bool {
        spans(from: from, to: to, calendar: calendar).contains { $0.start < to && from < $0.end }
    }

    /// The absolute quiet spans that could touch `[from, to)`: one per station day,
    /// from the day before `from` through the day after `to`. Computing them once lets
    /// the planner test overlaps without calendar arithmetic per airing.
    public func spans(from: Date, to: Date, calendar: Calendar) -> [DateInterval] {
        if start == end { return [] }
        var result: [DateInterval] = []
        var day = calendar.date(byAdding: .day, value: -1, to: calendar.startOfDay(for: from))!
        let last = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: to))!
        while day <= last {
            let spanStart = calendar.date(bySettingHour: start.hour, minute: start.minute, second: 0, of: day)!
            var spanEnd = calendar.date(bySettingHour: end.hour, minute: end.minute, second: 0, of: day)!
            if spanEnd <= spanStart { spanEnd = calendar.date(byAdding: .day, value: 1, to: spanEnd)! }
            result.append(DateInterval(start: spanStart, end: spanEnd))
            day = calendar.date(byAdding: .day, value: 1, to: day)!
        }
        return result
    }

    public var description: String { "\(start)–\(end)" }
}
