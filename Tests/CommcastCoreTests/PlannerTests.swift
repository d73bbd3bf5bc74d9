import CommcastCore
import Foundation
import Testing

@Suite("Planner")
struct PlannerTests {
    let planner = Planner(calendar: station)
    let day = DateInterval(start: local(2026, 11, 23), duration: 86_400)
    let queued = local(2026, 11, 20)

    func bulletin(
        _ id: Int64, _ level: BulletinLevel, _ duration: TimeInterval, _ pattern: RecurrenceRule.Pattern,
        clusters: [String] = ["c1"], queuedAt: Date? = nil, max: Int? = nil
    ) -> Planner.Bulletin {
        Planner.Bulletin(
            id: id, level: level, duration: duration, queuedAt: queuedAt ?? queued,
            rules: [.init(id: id * 10, rule: RecurrenceRule(pattern: pattern, validFrom: queued, maxAirings: max))],
            clusterIDs: clusters)
    }

    @Test func nonConflictingAiringsTakeTheirTimes() {
        let plan = planner.plan(
            .init(
                bulletins: [bulletin(1, .normal, 300, .times([tod("06:00"), tod("17:00")]))],
                clusters: [.init(id: "c1")], horizon: day))
        #expect(plan.airings.map(\.start) == [local(2026, 11, 23, 6), local(2026, 11, 23, 17)])
        #expect(plan.airings.allSatisfy { $0.reason == nil })
        #expect(plan.skipped.isEmpty)
    }

    @Test func higherLevelKeepsTheSlotAndLowerShifts() {
        let normal = bulletin(1, .normal, 300, .times([tod("06:00")]), queuedAt: local(2026, 11, 1))
        let priority = bulletin(2, .priority, 120, .times([tod("06:02")]))
        let plan = planner.plan(.init(bulletins: [normal, priority], clusters: [.init(id: "c1")], horizon: day))
        let p = plan.airings.first { $0.bulletinID == 2 }!
        let n = plan.airings.first { $0.bulletinID == 1 }!
        #expect(p.start == local(2026, 11, 23, 6, 2), "priority airs when it wanted")
        #expect(n.start == p.end.addingTimeInterval(5), "normal moves to the next gap, queued earlier or not")
        #expect(n.reason?.contains("bulletin #2 (priority)") == true)
    }

    /// The case the property test once shrank to: a priority bulletin wanted 06:00 for 10 min
    /// shifts past an emergency at 06:08; a normal one wanted at 06:00 then fits the free start
    /// of that slot. It displaced nothing (it was placed last), so it may.
    @Test func lowerLevelMayFillAGapAHigherOneLeft() {
        let emergency = bulletin(1, .emergency, 60, .times([tod("06:08")]))
        let priority = bulletin(2, .priority, 600, .times([tod("06:00")]))
        let normal = bulletin(3, .normal, 120, .times([tod("06:00")]))
        let plan = planner.plan(.init(bulletins: [normal, priority, emergency], clusters: [.init(id: "c1")], horizon: day))
        let start = Dictionary(uniqueKeysWithValues: plan.airings.map { ($0.bulletinID, $0.start) })
        #expect(start[1] == local(2026, 11, 23, 6, 8))
        #expect(start[2] == local(2026, 11, 23, 6, 9).addingTimeInterval(5), "priority shifted behind the emergency")
        #expect(start[3] == local(2026, 11, 23, 6, 0), "normal takes the free 06:00–06:02")
        #expect(plan.skipped.isEmpty)
    }

    @Test func sameLevelEarlierQueuedFirst() {
        let early = bulletin(7, .normal, 300, .times([tod("06:00")]), queuedAt: local(2026, 11, 1))
        let late = bulletin(3, .normal, 300, .times([tod("06:00")]), queuedAt: local(2026, 11, 2))
        let plan = planner.plan(.init(bulletins: [late, early], clusters: [.init(id: "c1")], horizon: day))
        #expect(plan.airings.first { $0.bulletinID == 7 }?.start == local(2026, 11, 23, 6))
        #expect(plan.airings.first { $0.bulletinID == 3 }!.start > local(2026, 11, 23, 6))
    }

    @Test func skippedWhenNoGapWithinShiftLimit() {
        // A 40-minute priority programme blocks 06:00–06:40; a normal bulletin wanted at 06:00 may move only 30 min.
        let programme = bulletin(1, .priority, 2400, .times([tod("06:00")]))
        let normal = bulletin(2, .normal, 60, .times([tod("06:00")]))
        let plan = planner.plan(.init(bulletins: [programme, normal], clusters: [.init(id: "c1")], horizon: day))
        #expect(plan.airings.map(\.bulletinID) == [1])
        #expect(plan.skipped.count == 1)
        #expect(plan.skipped[0].reason.contains("bulletin #1 (priority)"))
    }

    @Test func quietHoursHoldBackAllButEmergency() {
        let night = bulletin(1, .priority, 60, .times([tod("23:00")]))
        let storm = bulletin(2, .emergency, 60, .times([tod("03:00")]))
        let plan = planner.plan(.init(bulletins: [night, storm], clusters: [.init(id: "c1")], horizon: day))
        #expect(plan.airings.map(\.bulletinID) == [2])
        #expect(plan.skipped.map(\.reason) == ["quiet hours 22:00–05:00"])
    }

    @Test func zoneWithoutQuietHours() {
        let night = bulletin(1, .normal, 60, .times([tod("23:00")]))
        let plan = planner.plan(.init(bulletins: [night], clusters: [.init(id: "c1", quietHours: nil)], horizon: day))
        #expect(plan.airings.count == 1)
    }

    @Test func everyRuleShiftsInsideItsWindowOnly() {
        let block = bulletin(1, .emergency, 600, .times([tod("08:55")]))
        let loop = bulletin(2, .normal, 120, .every(minutes: 30, from: tod("08:00"), to: tod("09:00")))
        let plan = planner.plan(.init(bulletins: [block, loop], clusters: [.init(id: "c1")], horizon: day))
        // 08:00 and 08:30 fit; nothing may run past 09:00, and 08:55–09:05 is taken anyway.
        #expect(plan.airings.filter { $0.bulletinID == 2 }.map(\.start) == [local(2026, 11, 23, 8), local(2026, 11, 23, 8, 30)])
    }

    @Test func maxAiringsCountsPriorAirings() {
        let b = bulletin(1, .normal, 60, .times([tod("06:00"), tod("12:00"), tod("17:00")]), clusters: ["c1", "c2"], max: 4)
        let input = Planner.Input(
            bulletins: [b], clusters: [.init(id: "c1"), .init(id: "c2")], horizon: day,
            priorAirings: [.init(ruleID: 10, clusterID: "c1"): 2])
        let plan = planner.plan(input)
        #expect(plan.airings.filter { $0.clusterID == "c1" }.count == 2)
        #expect(plan.airings.filter { $0.clusterID == "c2" }.count == 3)
    }

    @Test func onlyTargetedClustersGetAirings() {
        let b = bulletin(1, .normal, 60, .times([tod("06:00")]), clusters: ["c2"])
        let plan = planner.plan(.init(bulletins: [b], clusters: [.init(id: "c1"), .init(id: "c2")], horizon: day))
        #expect(plan.airings.map(\.clusterID) == ["c2"])
    }

    @Test("a shift reads in seconds under a minute and in whole minutes above")
    func shiftWording() {
        #expect(Planner.describeShift(11) == "11 s")
        #expect(Planner.describeShift(0.4) == "1 s")
        #expect(Planner.describeShift(60) == "1 min")
        #expect(Planner.describeShift(185) == "3 min")
        #expect(Planner.describeShift(600) == "10 min")
    }
}
