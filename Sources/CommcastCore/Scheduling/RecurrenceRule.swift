import Foundation

/// When a bulletin airs: once, at fixed times of day, or every N minutes inside a
/// daily window; on chosen weekdays; between two dates; at most N times per cluster.
public struct RecurrenceRule: Sendable, Hashable, Codable {
    /// The shape of the rule.
    public enum Pattern: Sendable, Hashable, Codable {
        /// One airing at an absolute time.
        case once(Date)
        /// Every chosen weekday at each of these times (06:00 and 17:00 is the classic commune rhythm).
        case times([TimeOfDay])
        /// Every `minutes` from `from` until before `to`, on each chosen weekday.
        case every(minutes: Int, from: TimeOfDay, to: TimeOfDay)
    }

    public var pattern: Pattern
    /// Days on which `times` and `every` rules fire (ignored by `once`).
    public var weekdays: Weekdays
    /// No airing before this instant.
    public var validFrom: Date
    /// No airing at or after this instant.
    public var validUntil: Date?
    /// At most this many airings per cluster over the rule's life.
    public var maxAirings: Int?

    public init(pattern: Pattern, weekdays: Weekdays = .all, validFrom: Date, validUntil: Date? = nil, maxAirings: Int? = nil) {
        self.pattern = pattern
        self.weekdays = weekdays
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.maxAirings = maxAirings
    }

    /// Every problem with this rule, judged at `now`; empty when it can be planned.
    /// Times in messages are written in `calendar`'s time zone (the station's).
    public func validate(now: Date, calendar: Calendar = Calendar(identifier: .gregorian)) -> [ValueError] {
        func render(_ d: Date) -> String { Self.render(d, calendar: calendar) }
        var problems: [ValueError] = []
        switch pattern {
        case .once(let at):
            if at < now {
                problems.append(.init(field: "at", value: render(at), expected: "a time in the future (now is \(render(now)))"))
            }
        case .times(let times):
            if times.isEmpty { problems.append(.init(field: "daily", value: "no times", expected: "at least one time such as 06:00")) }
        case .every(let minutes, let from, let to):
            if !(1...1440).contains(minutes) {
                problems.append(.init(field: "every", value: "\(minutes) minutes", expected: "1 to 1440 minutes"))
            }
            if from >= to {
                problems.append(
                    .init(field: "window", value: "\(from)–\(to)", expected: "a window whose start is before its end on the same day (empty window)"))
            }
        }
        if weekdays.isEmpty { problems.append(.init(field: "weekdays", value: "none", expected: "at least one day")) }
        if let until = validUntil {
            if until <= now {
                problems.append(.init(field: "until", value: render(until), expected: "a time in the future (now is \(render(now)))"))
            } else if until <= validFrom {
                problems.append(.init(field: "until", value: render(until), expected: "a time after 'from' (\(render(validFrom)))"))
            }
        }
        if let max = maxAirings, max < 1 {
            problems.append(.init(field: "times", value: "\(max)", expected: "at least 1"))
        }
        return problems
    }

    /// The latest instant an occurrence could still start, or nil when the rule runs
    /// without end. A bulletin whose rules all lie in the past has finished.
    public var lastPossibleStart: Date? {
        if case .once(let at) = pattern { return validUntil.map { min(at, $0) } ?? at }
        return validUntil
    }

    /// The wanted start times falling in `interval`, in order.
    public func occurrences(in interval: DateInterval, calendar: Calendar) -> [Date] {
        let lower = max(interval.start, validFrom)
        let upper = validUntil.map { min(interval.end, $0) } ?? interval.end
        guard lower < upper else { return [] }
        if case .once(let at) = pattern {
            return at >= lower && at < upper ? [at] : []
        }
        var result: [Date] = []
        var day = calendar.startOfDay(for: lower)
        while day < upper {
            if weekdays.contains(.of(day, calendar: calendar)) {
                for time in timesOfDay() {
                    guard let at = calendar.date(bySettingHour: time.hour, minute: time.minute, second: 0, of: day) else { continue }
                    if at >= lower && at < upper { result.append(at) }
                }
            }
            day = calendar.date(byAdding: .day, value: 1, to: day)!
        }
        return result
    }

    /// The latest start the planner may shift an occurrence wanted at `wanted` to,
    /// and the latest end: the daily window for `every` rules, `maxShift` otherwise.
    public func shiftLimit(for wanted: Date, duration: TimeInterval, maxShift: TimeInterval, calendar: Calendar) -> (
        latestStart: Date, latestEnd: Date?
    ) {
        if case .every(_, _, let to) = pattern,
            let end = calendar.date(bySettingHour: to.hour, minute: to.minute, second: 0, of: wanted)
        {
            return (end.addingTimeInterval(-duration), end)
        }
        return (wanted.addingTimeInterval(maxShift), nil)
    }

    func timesOfDay() -> [TimeOfDay] {
        switch pattern {
        case .once: return []
        case .times(let times): return Array(Set(times)).sorted()
        case .every(let minutes, let from, let to):
            guard minutes > 0 else { return [] }
            return stride(from: from.minutesSinceMidnight, to: to.minutesSinceMidnight, by: minutes)
                .map { TimeOfDay(hour: $0 / 60, minute: $0 % 60) }
        }
    }

    /// `2026-11-23 06:00` in the calendar's time zone.
    static func render(_ date: Date, calendar: Calendar) -> String {
        var c = calendar
        c.locale = Locale(identifier: "en_US_POSIX")
        let f = c.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ n: Int?) -> String { n.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "??" }
        return "\(f.year ?? 0)-\(two(f.month))-\(two(f.day)) \(two(f.hour)):\(two(f.minute))"
    }
}

extension RecurrenceRule.Pattern {
    // Named keys on the wire: {"kind": "once", "at": …}, {"kind": "daily", "times": […]},
    // {"kind": "every", "minutes": 30, "from": …, "to": …}. The synthesised form
    // ({"once": {"_0": …}}) is what `--json` printed before, and what a console
    // or a province's script should never have to read.
    enum CodingKeys: String, CodingKey {
        case kind, at, times, minutes, from, to
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "once": self = .once(try c.decode(Date.self, forKey: .at))
        case "daily": self = .times(try c.decode([TimeOfDay].self, forKey: .times))
        case "every":
            self = .every(
                minutes: try c.decode(Int.self, forKey: .minutes), from: try c.decode(TimeOfDay.self, forKey: .from),
                to: try c.decode(TimeOfDay.self, forKey: .to))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "got \(other), expected once, daily or every")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .once(let at):
            try c.encode("once", forKey: .kind)
            try c.encode(at, forKey: .at)
        case .times(let times):
            try c.encode("daily", forKey: .kind)
            try c.encode(times, forKey: .times)
        case .every(let minutes, let from, let to):
            try c.encode("every", forKey: .kind)
            try c.encode(minutes, forKey: .minutes)
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
        }
    }
}
