import CommcastCore
import Foundation
import Testing

@Suite("Relay slots")
struct RelaySlotTests {
    let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        return c
    }()

    func at(_ hour: Int, _ minute: Int, day: Int = 24) -> Date {
        calendar.date(from: DateComponents(year: 2026, month: 11, day: day, hour: hour, minute: minute))!
    }

    let quiet = QuietHours.default  // 22:00–05:00

    @Test func airsInsideItsHoursUntilTheirEnd() {
        let slot = RelaySlot(start: TimeOfDay(hour: 6, minute: 0), end: TimeOfDay(hour: 6, minute: 30))
        #expect(slot.verdict(at: at(6, 10), quiet: quiet, calendar: calendar) == .air(until: at(6, 30)))
        #expect(slot.verdict(at: at(6, 30), quiet: quiet, calendar: calendar) == .closed(reason: "outside its hours 06:00–06:30"))
        #expect(slot.verdict(at: at(5, 59), quiet: quiet, calendar: calendar) == .closed(reason: "outside its hours 06:00–06:30"))
    }

    /// A misconfigured relay cannot wake a village at 3 a.m.
    @Test func neverInQuietHoursAndStopsWhenTheyBegin() {
        let late = RelaySlot(start: TimeOfDay(hour: 21, minute: 0), end: TimeOfDay(hour: 3, minute: 0))
        #expect(late.verdict(at: at(21, 30), quiet: quiet, calendar: calendar) == .air(until: at(22, 0)))
        #expect(late.verdict(at: at(23, 0), quiet: quiet, calendar: calendar) == .closed(reason: "quiet hours 22:00–05:00"))
        #expect(late.verdict(at: at(2, 0, day: 25), quiet: quiet, calendar: calendar) == .closed(reason: "quiet hours 22:00–05:00"))
        #expect(late.verdict(at: at(23, 0), quiet: nil, calendar: calendar) == .air(until: at(3, 0, day: 25)))
    }
}
