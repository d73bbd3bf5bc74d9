import Foundation

/// A set of days of the week. Bit 0 is Monday, as Vietnamese calendars count
/// ("thứ hai" is the first working day).
public struct Weekdays: OptionSet, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let monday = Weekdays(rawValue: 1 << 0)
    public static let tuesday = Weekdays(rawValue: 1 << 1)
    public static let wednesday = Weekdays(rawValue: 1 << 2)
    public static let thursday = Weekdays(rawValue: 1 << 3)
    public static let friday = Weekdays(rawValue: 1 << 4)
    public static let saturday = Weekdays(rawValue: 1 << 5)
    public static let sunday = Weekdays(rawValue: 1 << 6)
    public static let all: Weekdays = [.monday, .tuesday, .wednesday, .thursday, .friday, .saturday, .sunday]
    public static let workdays: Weekdays = [.monday, .tuesday, .wednesday, .thursday, .friday]

    static let names: [(String, Weekdays)] = [
        ("mon", .monday), ("tue", .tuesday), ("wed", .wednesday), ("thu", .thursday),
        ("fri", .friday), ("sat", .saturday), ("sun", .sunday),
    ]

    /// The day of `date` in `calendar` (whose time zone is the station's).
    public static func of(_ date: Date, calendar: Calendar) -> Weekdays {
        // Calendar weekday: 1 = Sunday … 7 = Saturday.
        let w = calendar.component(.weekday, from: date)
        return Weekdays(rawValue: 1 << ((w + 5) % 7))
    }

    /// Saturday and Sunday.
    public static let weekend: Weekdays = [.saturday, .sunday]

    /// Parses `mon,wed,fri`, `weekdays` (Monday–Friday), `weekend`, `daily`/`all`, or
    /// ranges like `mon-fri`; a range may wrap the week (`fri-mon` is Friday to Monday).
    public init(parsing text: String) throws(ValueError) {
        let t = text.lowercased().replacingOccurrences(of: " ", with: "")
        if t == "all" || t == "daily" || t == "everyday" {
            self = .all
            return
        }
        if t == "weekdays" || t == "workdays" {
            self = .workdays
            return
        }
        if t == "weekend" || t == "weekends" {
            self = .weekend
            return
        }
        var result: Weekdays = []
        for item in t.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = item.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            let indices = ends.compactMap { e in Self.names.firstIndex { $0.0 == e || (e.count > 3 && $0.0 == String(e.prefix(3))) } }
            guard indices.count == ends.count, (1...2).contains(indices.count) else {
                throw ValueError(field: "weekdays", value: text, expected: "day names such as mon,wed,fri or mon-fri, or weekdays, weekend, daily")
            }
            // Walk forward from the first day to the last, round the end of the week if need be.
            var i = indices[0]
            while true {
                result.insert(Self.names[i].1)
                if i == indices[indices.count - 1] { break }
                i = (i + 1) % Self.names.count
            }
        }
        guard !result.isEmpty else {
            throw ValueError(field: "weekdays", value: text, expected: "at least one day")
        }
        self = result
    }

    public var description: String {
        if self == .all { return "daily" }
        if self == .workdays { return "mon-fri" }
        if self == .weekend { return "weekend" }
        return Self.names.filter { contains($0.1) }.map(\.0).joined(separator: ",")
    }
}
