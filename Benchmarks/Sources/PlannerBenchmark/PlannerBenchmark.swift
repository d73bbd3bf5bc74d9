import BenchmarkSupport
import CommcastCore
import CommcastStore
import Foundation
import Logging

/// Planning the next 24 h for a province: 1,661 clusters in 111 communes, 500 active rules.
///
/// Usage: PlannerBenchmark [runs] [database-directory]
///
/// Two figures: the pure planner (`CommcastCore.Planner.plan`) on an input already in
/// memory, and the scheduler's whole cycle as `commcastd` runs it each minute (read the
/// input from SQLite, plan, store the airings), first on an empty airings table and
/// then in steady state, when the plan has not changed. Medians of `runs` runs; peak
/// resident memory of the process from getrusage.
@main
struct PlannerBenchmark {
    static let communes = 111
    static let clusters = 1_661

    static func main() throws {
        let args = CommandLine.arguments
        let runs = args.count > 1 ? max(1, Int(args[1]) ?? 5) : 5
        let directory = args.count > 2 ? URL(fileURLWithPath: args[2]) : FileManager.default.temporaryDirectory
        let path = directory.appendingPathComponent("planner-bench-\(getpid()).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }

        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        // A fixed Monday morning, so every run plans the same day.
        let now = calendar.date(from: DateComponents(year: 2026, month: 11, day: 23, hour: 5, minute: 30))!
        let horizon = DateInterval(start: now, duration: 24 * 3600)

        let rssAtStart = peakRSSMiB()
        let db = try CommcastDatabase(path: path, logger: Logger(label: "bench"))
        let rules = try populate(db, now: now, calendar: calendar)
        let planner = Planner(calendar: calendar)

        // 1. The pure planner, input in memory.
        let input = try db.plannerInput(horizon: horizon, defaultQuietHours: .default)
        var plan = planner.plan(input)
        var pure: [Double] = []
        for _ in 0..<runs { pure.append(time { plan = planner.plan(input) }) }
        let rssAfterPlanner = peakRSSMiB()

        // 2. The scheduler's cycle: read, plan, store. The first store inserts every airing.
        var firstCycle = 0.0
        var inserted = 0
        firstCycle = try time {
            let p = planner.plan(try db.plannerInput(horizon: horizon, defaultQuietHours: .default))
            inserted = try db.savePlan(p).inserted
        }
        var steady: [Double] = []
        var readOnly: [Double] = []
        for _ in 0..<runs {
            readOnly.append(try time { _ = try db.plannerInput(horizon: horizon, defaultQuietHours: .default) })
            steady.append(
                try time {
                    let p = planner.plan(try db.plannerInput(horizon: horizon, defaultQuietHours: .default))
                    let changed = try db.savePlan(p)
                    precondition(changed == (0, 0), "an unchanged plan must not rewrite rows")
                })
        }
        let rssEnd = peakRSSMiB()
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0

        let shifted = plan.airings.filter { $0.reason != nil }.count
        print("workload: \(clusters) clusters in \(communes) communes, \(rules) active rules, 24 h horizon from \(now.formatted(.iso8601))")
        print("plan: \(plan.airings.count) airings (\(shifted) shifted), \(plan.skipped.count) skipped; median of \(runs) runs")
        func row(_ name: String, _ seconds: Double) {
            print(name.padding(toLength: 46, withPad: " ", startingAt: 0) + String(format: "%10.1f ms", seconds * 1000))
        }
        let reasons = Dictionary(grouping: plan.skipped, by: { $0.reason.components(separatedBy: " and ")[0] }).mapValues(\.count)
        for (reason, n) in reasons.sorted(by: { $0.key < $1.key }) { print("  skipped \(n): \(reason)") }
        row("planner alone (CommcastCore, in memory)", median(pure))
        row("read planner input from SQLite", median(readOnly))
        row("scheduler cycle, first (inserts \(inserted) rows)", firstCycle)
        row("scheduler cycle, steady state (no change)", median(steady))
        print(String(format: "peak RSS: %.1f MiB at start, %.1f MiB after planning, %.1f MiB at the end", rssAtStart, rssAfterPlanner, rssEnd))
        print(String(format: "database: %.1f MiB (+ %.1f MiB WAL)", Double(size) / 1_048_576, Double(wal) / 1_048_576))
    }

    /// Zones, clusters and bulletins of a province, through the same store API the daemon uses.
    static func populate(_ db: CommcastDatabase, now: Date, calendar: Calendar) throws -> Int {
        var csv = "id,name,zone,latitude,longitude,tags\n"
        for i in 0..<clusters {
            let commune = i % communes
            csv += "c\(i),Cụm \(i),tinh/xa-\(commune),\(11 + Double(i) / 10_000),\(106 + Double(i) / 10_000),\n"
        }
        _ = try db.importClusters(try ClusterCSV.parse(csv), createZones: true, at: now)

        let actor = Actor(name: "bench", origin: "bench")
        func media(_ minutes: Double, _ n: Int) -> MediaRecord {
            MediaRecord(
                sha256: String(format: "%064x", n), sizeBytes: Int(minutes * 180_000), durationMilliseconds: Int(minutes * 60_000),
                sourceKind: "file", sourceContainer: "WAV", measuredLUFS: -16, gainDB: 0, createdAt: 0)
        }
        func t(_ s: String) -> TimeOfDay { try! TimeOfDay(parsing: s) }
        var count = 0
        func add(
            _ title: String, _ level: BulletinLevel, _ minutes: Double, _ targets: [BulletinTarget], _ pattern: RecurrenceRule.Pattern,
            weekdays: Weekdays = .all
        ) throws {
            count += 1
            _ = try db.createBulletin(
                NewBulletin(
                    title: title, level: level, sourceKind: .file, media: media(minutes, count), targets: targets,
                    rules: [RecurrenceRule(pattern: pattern, weekdays: weekdays, validFrom: now.addingTimeInterval(-86_400))]),
                by: actor, at: now.addingTimeInterval(Double(count)))
        }
        // Each commune: the 06:00/17:00 rhythm, a weekday noon notice, hourly reminders
        // in the morning, and a priority notice at 17:00 that pushes the normal one back.
        for c in 0..<communes {
            let zone = BulletinTarget.zone("tinh/xa-\(c)")
            try add("Bản tin xã \(c)", .normal, 5, [zone], .times([t("06:00"), t("17:00")]))
            try add("Thông báo trưa \(c)", .normal, 3, [zone], .times([t("11:00")]), weekdays: try Weekdays(parsing: "mon-fri"))
            try add("Nhắc tiêm chủng \(c)", .normal, 2, [zone], .every(minutes: 60, from: t("07:00"), to: t("10:00")))
            try add("Lịch cắt điện \(c)", .priority, 4, [zone], .times([t("17:00")]))
        }
        // Groups of about ten communes (the old districts), 50 notices spread over the day;
        // the 06:00 ones push the communes' own 06:00 bulletin back.
        let groupTimes = ["06:00", "11:30", "12:00", "16:30", "19:00"]
        for g in 0..<50 {
            let group = stride(from: g % 11, to: communes, by: 11).map { BulletinTarget.zone("tinh/xa-\($0)") }
            try add("Tin cụm xã \(g)", .priority, 10, group, .times([t(groupTimes[g / 11])]))
        }
        // Province-wide: national news relays that compete at 18:00 (some must be skipped),
        // one at 21:50 that would run into quiet hours, and an emergency drill that ignores them.
        let province = [BulletinTarget.zone("tinh")]
        for n in 0..<4 { try add("Tiếp sóng \(n)", .normal, 15, province, .times([t("18:00")])) }
        try add("Tin tối", .normal, 15, province, .times([t("21:50")]))
        try add("Diễn tập", .emergency, 1, province, .every(minutes: 30, from: t("22:00"), to: t("23:00")))
        return count
    }
}
