import Foundation

/// A schedule as an operator writes it on the command line, turned into a
/// `RecurrenceRule` in the station's time zone with every mistake named.
///
/// Exactly one of `at`, `daily` or `every` is given. Dates are `YYYY-MM-DD`;
/// `until` includes the whole of its day.
public struct ScheduleSpec: Sendable, Codable, Equatable {
    /// `YYYY-MM-DD HH:MM`, or `HH:MM` for today.
    public var at: String?
    /// Times of day, e.g. `["06:00", "17:00"]`.
    public var daily: [String]?
    /// `mon-fri`, `mon,wed,fri`, `weekdays`, `daily`.
    public var weekdays: String?
    /// Minutes between airings inside `window`.
    public var every: Int?
    /// `HH:MM-HH:MM`, required with `every`.
    public var window: String?
    /// First day (default: now).
    public var from: String?
    /// Last day, inclusive.
    public var until: String?
    /// At most this many airings per cluster.
    public var times: Int?

    public init(
        at: String? = nil, daily: [String]? = nil, weekdays: String? = nil, every: Int? = nil, window: String? = nil,
        from: String? = nil, until: String? = nil, times: Int? = nil
    ) {
        self.at = at
        self.daily = daily
        self.weekdays = weekdays
        self.every = every
        self.window = window
        self.from = from
        self.until = until
        self.times = times
    }

    /// Every problem found, as one error.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public var problems: [ValueError]
        public var description: String { problems.map(\.description).joined(separator: "; ") }
    }

    /// Builds the rule, judging times against `now` in `calendar`'s time zone.
    public func rule(calendar: Calendar, now: Date) throws(Invalid) -> RecurrenceRule {
        var problems: [ValueError] = []
        let kinds = [at != nil, daily != nil, every != nil].filter { $0 }.count
        if kinds != 1 {
            problems.append(
                .init(
                    field: "schedule", value: kinds == 0 ? "none" : "several",
                    expected: "exactly one of --at, --daily or --every"))
        }
        var weekdaySet = Weekdays.all
        if let w = weekdays {
            do { weekdaySet = try Weekdays(parsing: w) } catch { problems.append(error) }
        }
        var validFrom = now
        if let f = from {
            if let d = Self.date(f, calendar: calendar) {
                validFrom = max(d, now)
            } else {
                problems.append(.init(field: "from", value: f, expected: "a date YYYY-MM-DD"))
            }
        }
        var validUntil: Date?
        if let u = until {
            if let d = Self.date(u, calendar: calendar) {
                validUntil = calendar.date(byAdding: .day, value: 1, to: d)
            } else {
                problems.append(.init(field: "until", value: u, expected: "a date YYYY-MM-DD"))
            }
        }
        var pattern: RecurrenceRule.Pattern = .times([])
        if let at {
            // One airing: the repeat options would be dropped without a word, so they are refused.
            let repeats = [("--weekdays", weekdays), ("--from", from), ("--until", until), ("--times", times.map { "\($0)" })]
                .filter { $0.1 != nil }.map(\.0)
            if !repeats.isEmpty {
                problems.append(
                    .init(
                        field: "at", value: "\(at) with \(repeats.joined(separator: ", "))",
                        expected: "--at alone (it is one airing); for a repeat use --daily or --every with \(repeats.joined(separator: ", "))"))
            }
            if let d = Self.dateTime(at, calendar: calendar, now: now) {
                pattern = .once(d)
            } else {
                problems.append(.init(field: "at", value: at, expected: "YYYY-MM-DD HH:MM[:SS], or HH:MM[:SS] for today"))
            }
        } else if let daily {
            var times: [TimeOfDay] = []
            for t in daily {
                do { times.append(try TimeOfDay(parsing: t, field: "daily")) } catch { problems.append(error) }
            }
            pattern = .times(times)
        } else if let every {
            let parts = (window ?? "").split(separator: "-").map(String.init)
            if window == nil {
                problems.append(.init(field: "window", value: "none", expected: "a window HH:MM-HH:MM with --every"))
            } else if parts.count != 2 {
                problems.append(.init(field: "window", value: window!, expected: "HH:MM-HH:MM"))
            } else {
                do {
                    pattern = .every(
                        minutes: every, from: try TimeOfDay(parsing: parts[0], field: "window"),
                        to: try TimeOfDay(parsing: parts[1], field: "window"))
                } catch { problems.append(error) }
            }
        }
        let rule = RecurrenceRule(pattern: pattern, weekdays: weekdaySet, validFrom: validFrom, validUntil: validUntil, maxAirings: times)
        if problems.isEmpty {
            // Report `until` as typed: internally it is the midnight after that day.
            problems = rule.validate(now: now, calendar: calendar).map { p in
                var p = p
                if p.field == "until", let u = until { p.value = u }
                return p
            }
        }
        guard problems.isEmpty else { throw Invalid(problems: problems) }
        return rule
    }

    /// A calendar day written `YYYY-MM-DD`, strictly: 2026-13-01 and 2026-02-30
    /// are nil, not rolled over into the next month or year.
    public static func date(_ s: String, calendar: Calendar) -> Date? {
        let p = s.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3, (1...12).contains(p[1]), (1...31).contains(p[2]),
            let d = calendar.date(from: DateComponents(year: p[0], month: p[1], day: p[2])),
            calendar.component(.day, from: d) == p[2]
        else { return nil }
        return d
    }

    static func dateTime(_ s: String, calendar: Calendar, now: Date) -> Date? {
        let parts = s.trimmingCharacters(in: .whitespaces).split(whereSeparator: { $0 == " " || $0 == "T" }).map(String.init)
        // Seconds are allowed for one-off airings (a live test, or a cue right after a programme).
        func time(_ text: String) -> (TimeOfDay, Int)? {
            let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
            if pieces.count == 3 {
                guard let t = try? TimeOfDay(parsing: "\(pieces[0]):\(pieces[1])"), pieces[2].count == 2,
                    let sec = Int(pieces[2]), (0...59).contains(sec)
                else { return nil }
                return (t, sec)
            }
            return (try? TimeOfDay(parsing: text)).map { ($0, 0) }
        }
        if parts.count == 1, let (t, sec) = time(parts[0]) {
            return calendar.date(bySettingHour: t.hour, minute: t.minute, second: sec, of: now)
        }
        guard parts.count == 2, let day = date(parts[0], calendar: calendar), let (t, sec) = time(parts[1]) else { return nil }
        return calendar.date(bySettingHour: t.hour, minute: t.minute, second: sec, of: day)
    }
}
