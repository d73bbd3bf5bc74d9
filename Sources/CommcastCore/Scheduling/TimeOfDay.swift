import Foundation

/// A wall-clock time in the station's time zone, minute resolution.
public struct TimeOfDay: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// 0–23.
    public var hour: Int
    /// 0–59.
    public var minute: Int

    public init(hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }

    /// Minutes since midnight.
    public var minutesSinceMidnight: Int { hour * 60 + minute }

    /// Parses `HH:MM`, `H:MM`, `17h30` or `6h`, naming `field` when it fails.
    public init(parsing text: String, field: String = "time") throws(ValueError) {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let parts: [Substring]
        if t.contains(":") {
            parts = t.split(separator: ":", omittingEmptySubsequences: false)
        } else if t.contains("h") {
            parts = t.split(separator: "h", omittingEmptySubsequences: false)
        } else {
            parts = []
        }
        guard parts.count == 2, let h = Int(parts[0]), (0...23).contains(h),
            let m = parts[1].isEmpty ? 0 : Int(parts[1]), (0...59).contains(m),
            parts[1].count <= 2
        else {
            throw ValueError(field: field, value: text, expected: "a time of day such as 06:00 or 17:30")
        }
        self.init(hour: h, minute: m)
    }

    public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool { a.minutesSinceMidnight < b.minutesSinceMidnight }

    public var description: String {
        (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        do { self = try TimeOfDay(parsing: s) } catch {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: error.description)
        }
    }
}
