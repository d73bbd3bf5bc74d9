import CommcastCore
import Foundation
import PropertyBased
import Testing

/// Invariants of the planner over random schedules.
@Suite("Planner properties")
struct PlannerPropertyTests {
    static let horizon = DateInterval(start: local(2026, 11, 23), duration: 86_400)
    static let planner = Planner(calendar: station)

    /// Decodes one random integer into a bulletin, so the library can generate and shrink plain integers.
    static func bulletin(_ n: Int, id: Int64, clusters: [String]) -> Planner.Bulletin {
        let level = BulletinLevel.allCases[n % 3]
        let duration = TimeInterval(30 + (n / 3 % 20) * 45)
        let hour = n / 60 % 24
        let minute = n / 1440 % 12 * 5
        let pattern: RecurrenceRule.Pattern
        switch n / 17_280 % 3 {
        case 0: pattern = .times([TimeOfDay(hour: hour, minute: minute)])
        case 1: pattern = .times([TimeOfDay(hour: hour, minute: minute), TimeOfDay(hour: (hour + 11) % 24, minute: 0)])
        default:
            let start = min(hour, 21)
            pattern = .every(
                minutes: [15, 30, 60][n / 51_840 % 3], from: TimeOfDay(hour: start, minute: 0), to: TimeOfDay(hour: start + 2, minute: 0))
        }
        let targets = clusters.filter { _ in true }.enumerated().filter { (i, _) in (n >> (i + 3)) & 1 == 1 || i == 0 }.map(\.1)
        return Planner.Bulletin(
            id: id, level: level, duration: duration, queuedAt: local(2026, 11, 1).addingTimeInterval(Double(n % 1000)),
            rules: [.init(id: id, rule: RecurrenceRule(pattern: pattern, validFrom: local(2026, 11, 1)))],
            clusterIDs: targets)
    }

    static func input(_ seeds: [Int], clusterCount: Int, quiet: Bool) -> Planner.Input {
        let clusters = (0..<clusterCount).map { Planner.Cluster(id: "c\($0)", quietHours: quiet ? .default : nil) }
        let bulletins = seeds.enumerated().map { bulletin($1, id: Int64($0 + 1), clusters: clusters.map(\.id)) }
        return Planner.Input(bulletins: bulletins, clusters: clusters, horizon: horizon)
    }

    static let seeds = Gen.int(in: 0...1_000_000).array(of: 1...14)

    @Test func noTwoAiringsOverlapOnACluster() async {
        await propertyCheck(count: 150, input: Self.seeds, Gen.int(in: 1...3), Gen.bool()) { seeds, clusters, quiet in
            let plan = Self.planner.plan(Self.input(seeds, clusterCount: clusters, quiet: quiet))
            for (_, airings) in Dictionary(grouping: plan.airings, by: \.clusterID) {
                let sorted = airings.sorted { $0.start < $1.start }
                for (a, b) in zip(sorted, sorted.dropFirst()) {
                    #expect(a.end <= b.start, "\(a) overlaps \(b)")
                }
            }
        }
    }

    @Test func quietHoursAreRespected() async {
        await propertyCheck(count: 150, input: Self.seeds, Gen.int(in: 1...3)) { seeds, clusters in
            let plan = Self.planner.plan(Self.input(seeds, clusterCount: clusters, quiet: true))
            for a in plan.airings where a.level != .emergency {
                #expect(!QuietHours.default.overlaps(from: a.start, to: a.end, calendar: station), "\(a) airs in quiet hours")
            }
        }
    }

    @Test func everyAiringIsInsideItsRuleWindow() async {
        await propertyCheck(count: 150, input: Self.seeds, Gen.int(in: 1...3), Gen.bool()) { seeds, clusters, quiet in
            let input = Self.input(seeds, clusterCount: clusters, quiet: quiet)
            let plan = Self.planner.plan(input)
            let rules = Dictionary(uniqueKeysWithValues: input.bulletins.flatMap(\.rules).map { ($0.id, $0.rule) })
            for a in plan.airings {
                let rule = rules[a.ruleID]!
                #expect(rule.occurrences(in: Self.horizon, calendar: station).contains(a.wantedAt), "wanted time is an occurrence")
                let limit = rule.shiftLimit(
                    for: a.wantedAt, duration: a.end.timeIntervalSince(a.start),
                    maxShift: Self.planner.configuration.maxShift, calendar: station)
                #expect(a.start >= a.wantedAt && a.start <= limit.latestStart)
                if let end = limit.latestEnd { #expect(a.end <= end) }
            }
        }
    }

    @Test func lowerLevelsNeverDisplaceHigherOnes() async {
        await propertyCheck(count: 150, input: Self.seeds, Gen.int(in: 1...3)) { seeds, clusters in
            Self.checkLevels(Self.planner.plan(Self.input(seeds, clusterCount: clusters, quiet: false)))
        }
    }

    static func checkLevels(_ plan: Plan) {
        let gap = planner.configuration.gap
        for a in plan.airings where a.start != a.wantedAt {
            let wantedEnd = a.wantedAt.addingTimeInterval(a.end.timeIntervalSince(a.start))
            let blockers = plan.airings.filter {
                $0.clusterID == a.clusterID && $0 != a && $0.start < wantedEnd.addingTimeInterval(gap) && a.wantedAt < $0.end.addingTimeInterval(gap)
            }
            // Something of an equal or higher level held the wanted slot. (A lower level may
            // later fill a gap inside that slot: placed afterwards, it displaced nothing.)
            #expect(blockers.contains { $0.level >= a.level }, "\(a) was pushed, but not by an equal or higher level")
        }
        for s in plan.skipped {
            let rivals = plan.airings.filter { $0.clusterID == s.clusterID && $0.level >= s.level }
            #expect(!rivals.isEmpty, "\(s) was skipped with no equal or higher airing on its cluster")
        }
    }

    @Test func deterministicWhateverTheInputOrder() async {
        await propertyCheck(count: 100, input: Self.seeds, Gen.int(in: 1...3), Gen.bool()) { seeds, clusters, quiet in
            let input = Self.input(seeds, clusterCount: clusters, quiet: quiet)
            var shuffled = input
            shuffled.bulletins.reverse()
            shuffled.clusters.reverse()
            #expect(Self.planner.plan(input) == Self.planner.plan(shuffled))
        }
    }
}
