import CommcastCore
import Foundation
import Testing

@Suite("Recurrence rules")
struct RecurrenceRuleTests {
    let monday = local(2026, 11, 23)  // a Monday
    var week: DateInterval { DateInterval(start: monday, duration: 7 * 86_400) }

    @Test func dailyAtTheClassicTimes() {
        let rule = RecurrenceRule(pattern: .times([tod("17:00"), tod("06:00")]), validFrom: monday)
        let times = rule.occurrences(in: week, calendar: station)
        #expect(times.count == 14)
        #expect(times.first == local(2026, 11, 23, 6))
        #expect(times[1] == local(2026, 11, 23, 17))
    }

    @Test func weekdaysOnly() throws {
        let rule = RecurrenceRule(pattern: .times([tod("06:30")]), weekdays: try Weekdays(parsing: "mon-fri"), validFrom: monday)
        let times = rule.occurrences(in: week, calendar: station)
        #expect(times.count == 5)
        #expect(times.allSatisfy { !Weekdays.of($0, calendar: station).isDisjoint(with: .workdays) })
    }

    @Test func everyNMinutesInsideTheWindow() {
        let rule = RecurrenceRule(pattern: .every(minutes: 45, from: tod("07:00"), to: tod("09:00")), validFrom: monday)
        let day = DateInterval(start: monday, duration: 86_400)
        #expect(rule.occurrences(in: day, calendar: station) == [local(2026, 11, 23, 7), local(2026, 11, 23, 7, 45), local(2026, 11, 23, 8, 30)])
    }

    @Test func validityWindowBoundsOccurrences() {
        let rule = RecurrenceRule(pattern: .times([tod("06:00")]), validFrom: local(2026, 11, 24), validUntil: local(2026, 11, 26))
        #expect(rule.occurrences(in: week, calendar: station) == [local(2026, 11, 24, 6), local(2026, 11, 25, 6)])
    }

    @Test func onceIsOnce() {
        let rule = RecurrenceRule(pattern: .once(local(2026, 11, 25, 9, 15)), validFrom: monday)
        #expect(rule.occurrences(in: week, calendar: station) == [local(2026, 11, 25, 9, 15)])
    }

    @Test func impossibleRulesAreNamed() {
        let now = local(2026, 11, 23, 12)
        #expect(RecurrenceRule(pattern: .once(local(2026, 11, 23, 8)), validFrom: now).validate(now: now).map(\.field) == ["at"])
        #expect(
            RecurrenceRule(pattern: .every(minutes: 30, from: tod("09:00"), to: tod("08:00")), validFrom: now)
                .validate(now: now).first?.expected.contains("empty window") == true)
        #expect(
            RecurrenceRule(pattern: .times([tod("06:00")]), validFrom: local(2026, 12, 1), validUntil: local(2026, 11, 30))
                .validate(now: now).map(\.field) == ["until"])
        #expect(RecurrenceRule(pattern: .times([]), validFrom: now).validate(now: now).map(\.field) == ["daily"])
        #expect(
            RecurrenceRule(pattern: .every(minutes: 0, from: tod("06:00"), to: tod("07:00")), validFrom: now).validate(now: now).map(\.field) == [
                "every"
            ])
    }

    @Test(arguments: [("06:00", 6, 0), ("17h30", 17, 30), ("6h", 6, 0), ("7:05", 7, 5)])
    func timeOfDayParsing(_ text: String, _ h: Int, _ m: Int) throws {
        #expect(try TimeOfDay(parsing: text) == TimeOfDay(hour: h, minute: m))
    }

    @Test(arguments: ["25:00", "6:60", "noon", "", "6:5:0"])
    func badTimes(_ text: String) {
        #expect(throws: ValueError.self) { try TimeOfDay(parsing: text) }
    }

    @Test func weekdayParsing() throws {
        #expect(try Weekdays(parsing: "mon,wed,fri") == [.monday, .wednesday, .friday])
        #expect(try Weekdays(parsing: "sat-sun") == [.saturday, .sunday])
        #expect(try Weekdays(parsing: "weekdays") == .workdays)
        // A range may wrap the week; it was stored as its first day alone.
        #expect(try Weekdays(parsing: "fri-mon") == [.friday, .saturday, .sunday, .monday])
        #expect(try Weekdays(parsing: "sun-tue,thu") == [.sunday, .monday, .tuesday, .thursday])
        #expect(try Weekdays(parsing: "weekend") == [.saturday, .sunday])
        #expect(try Weekdays(parsing: "Weekend").description == "weekend")
        #expect(throws: ValueError.self) { try Weekdays(parsing: "mon-") }
        #expect(throws: ValueError.self) { try Weekdays(parsing: "mon,,fri") }
        #expect(throws: ValueError.self) { try Weekdays(parsing: "funday") }
        #expect(Weekdays.of(local(2026, 11, 22), calendar: station) == .sunday)
    }

    @Test("--at is one airing: the repeat options with it are refused, not dropped")
    func atRefusesRepeatOptions() throws {
        let now = local(2026, 12, 2, 10)
        for spec in [
            ScheduleSpec(at: "2026-12-05 07:00", weekdays: "mon"), ScheduleSpec(at: "2026-12-05 07:00", from: "2026-12-04"),
            ScheduleSpec(at: "2026-12-05 07:00", until: "2026-12-09"), ScheduleSpec(at: "2026-12-05 07:00", times: 3),
        ] {
            do {
                _ = try spec.rule(calendar: station, now: now)
                Issue.record("accepted \(spec)")
            } catch {
                #expect(error.problems.map(\.field) == ["at"])
                #expect("\(error)".contains("--at alone"), "\(error)")
            }
        }
        #expect(try ScheduleSpec(at: "2026-12-05 07:00").rule(calendar: station, now: now).pattern == .once(local(2026, 12, 5, 7)))
    }

    @Test func quietHoursCrossMidnight() {
        let q = QuietHours.default
        #expect(q.overlaps(from: local(2026, 11, 23, 23), to: local(2026, 11, 23, 23, 5), calendar: station))
        #expect(q.overlaps(from: local(2026, 11, 23, 4, 50), to: local(2026, 11, 23, 4, 55), calendar: station))
        #expect(!q.overlaps(from: local(2026, 11, 23, 5), to: local(2026, 11, 23, 6), calendar: station))
        #expect(q.overlaps(from: local(2026, 11, 23, 21, 55), to: local(2026, 11, 23, 22, 5), calendar: station), "runs into quiet hours")
        #expect(!q.overlaps(from: local(2026, 11, 23, 21, 50), to: local(2026, 11, 23, 22, 0), calendar: station), "ends exactly at the start")
    }
}

@Suite("Schedule options")
struct ScheduleSpecTests {
    let now = local(2026, 11, 23, 8)

    @Test func oneOffsMayGiveSeconds() throws {
        let rule = try ScheduleSpec(at: "2026-11-23 08:00:30").rule(calendar: station, now: now)
        #expect(rule.pattern == .once(local(2026, 11, 23, 8).addingTimeInterval(30)))
        #expect(try ScheduleSpec(at: "09:15").rule(calendar: station, now: now).pattern == .once(local(2026, 11, 23, 9, 15)))
        for bad in ["08:00:61", "08:00:5", "8:00:00:00"] {
            #expect(throws: ScheduleSpec.Invalid.self, "\(bad)") { try ScheduleSpec(at: bad).rule(calendar: station, now: now) }
        }
    }
}
