import CommcastCore
import CommcastStore
import Foundation
import GRDB
import Logging
import TestSupport
import Testing

@Suite("Scheduling store")
struct SchedulingStoreTests {
    let now = Date(timeIntervalSince1970: 1_795_400_000)  // 2026-11-23, a fixed clock
    let root = Actor(name: "root", origin: "test")

    func makeStation(_ dir: TemporaryDirectory) throws -> CommcastDatabase {
        let db = try CommcastDatabase(path: dir.file("c.sqlite").path, logger: Logger(label: "test"))
        try db.addZone(path: "bp/dx/tan-phu", createParents: true, quietHours: nil, at: now)
        try db.addZone(
            path: "bp/dx/tan-phu/ap-1", createParents: false,
            quietHours: QuietHours(start: TimeOfDay(hour: 21, minute: 0), end: TimeOfDay(hour: 6, minute: 0)), at: now)
        try db.addZone(path: "bp/dx/tan-binh", createParents: false, quietHours: nil, at: now)
        let csv = """
            id,name,zone
            tp-1,A,bp/dx/tan-phu
            tp-2,B,bp/dx/tan-phu/ap-1
            tb-1,C,bp/dx/tan-binh
            """
        _ = try db.importClusters(try ClusterCSV.parse(csv), createZones: false, at: now)
        return db
    }

    func media(_ seconds: Int = 60) -> MediaRecord {
        MediaRecord(
            sha256: String(repeating: "ab", count: 32), sizeBytes: 100, durationMilliseconds: seconds * 1000,
            sourceKind: "file", sourceContainer: "WAV", measuredLUFS: -16, gainDB: 0, createdAt: 0)
    }

    func daily(_ times: [String]) -> RecurrenceRule {
        RecurrenceRule(pattern: .times(times.map { try! TimeOfDay(parsing: $0) }), validFrom: now)
    }

    var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        return c
    }

    @Test func zoneRulesAreEnforced() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try makeStation(dir)
        #expect(throws: StoreError(.conflict, "zone: got bp/dx/tan-phu, expected a new zone (bp/dx/tan-phu already exists)")) {
            try db.addZone(path: "bp/dx/tan-phu", createParents: false, quietHours: nil, at: now)
        }
        #expect(throws: StoreError(.notFound, "parent zone x does not exist; create it first or pass --parents")) {
            try db.addZone(path: "x/y", createParents: false, quietHours: nil, at: now)
        }
        do {
            try db.removeZone(path: "bp/dx")
            Issue.record("removed a zone with children")
        } catch let e as StoreError {
            #expect(e.kind == .conflict && e.message.contains("child zones"))
        }
        do {
            try db.removeZone(path: "bp/dx/tan-binh")
            Issue.record("removed a zone with clusters")
        } catch let e as StoreError {
            #expect(e.message.contains("tb-1"))
        }
    }

    @Test func importIsAllOrNothing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try makeStation(dir)
        let csv = "id,name,zone\nnew-1,Fine,bp/dx/tan-phu\ntp-1,Duplicate,bp/dx/tan-phu\nnew-2,Lost,bp/nowhere\n"
        do {
            _ = try db.importClusters(try ClusterCSV.parse(csv), createZones: false, at: now)
            Issue.record("a bad import went through")
        } catch let e as StoreError {
            #expect(e.message.contains("line 3: id: got tp-1, expected a new cluster id (tp-1 already exists)"))
            #expect(e.message.contains("line 4: zone: got bp/nowhere, expected an existing zone"))
        }
        #expect(try db.clusters().count == 3, "nothing half-imported")
        // With zone creation the good rows go in, zones and all.
        let ok = "id,name,zone\nnew-1,Fine,bp/dx/tan-phu\nnew-2,Made,bp/dx/tan-loi/ap-9\n"
        #expect(try db.importClusters(try ClusterCSV.parse(ok), createZones: true, at: now) == 2)
        #expect(try db.zone(path: "bp/dx/tan-loi/ap-9") != nil)
    }

    @Test func bulletinWithUnknownTargetLeavesNothingBehind() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try makeStation(dir)
        let bad = NewBulletin(
            title: "x", level: .normal, sourceKind: .file, media: media(),
            targets: [.zone("bp/dx/tan-phu"), .zone("bp/nowhere")], rules: [daily(["06:00"])])
        #expect(throws: StoreError(.notFound, "zone: got bp/nowhere, expected an existing zone (commcast zone list)")) {
            try db.createBulletin(bad, by: root, at: now)
        }
        let counts = try db.counts()
        #expect(counts.bulletins == 0 && counts.media == 0)
        #expect(try db.auditEntries().filter { $0.action == "bulletin.add" }.isEmpty, "no audit row for what did not happen")
    }

    @Test func plannerInputExpandsZonesAndInheritsQuietHours() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try makeStation(dir)
        _ = try db.createBulletin(
            NewBulletin(
                title: "x", level: .normal, sourceKind: .file, media: media(),
                targets: [.zone("bp/dx/tan-phu"), .cluster("tb-1")], rules: [daily(["06:00"])]), by: root, at: now)
        let input = try db.plannerInput(horizon: DateInterval(start: now, duration: 86_400), defaultQuietHours: .default)
        #expect(Set(input.bulletins[0].clusterIDs) == ["tp-1", "tp-2", "tb-1"], "zone targets include the subtree")
        let quiet = Dictionary(uniqueKeysWithValues: input.clusters.map { ($0.id, $0.quietHours) })
        #expect(quiet["tp-1"] == .default)
        #expect(quiet["tp-2"]??.start == TimeOfDay(hour: 21, minute: 0), "ap-1 has its own quiet hours")
    }

    @Test func replanningKeepsAiringIdsAndCancelWithdraws() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try makeStation(dir)
        let b = try db.createBulletin(
            NewBulletin(
                title: "x", level: .normal, sourceKind: .file, media: media(),
                targets: [.zone("bp")], rules: [daily(["06:00", "17:00"])]), by: root, at: now)
        let horizon = DateInterval(start: now, duration: 86_400)
        let planner = Planner(calendar: calendar)
        let first = try db.savePlan(planner.plan(try db.plannerInput(horizon: horizon, defaultQuietHours: .default)))
        #expect(first.inserted == 6)
        let ids = try db.airings(from: now, to: horizon.end).map(\.id)
        let second = try db.savePlan(planner.plan(try db.plannerInput(horizon: horizon, defaultQuietHours: .default)))
        #expect(second.inserted == 0 && second.removed == 0)
        #expect(try db.airings(from: now, to: horizon.end).map(\.id) == ids, "ids are stable across replans")
        _ = try db.setBulletinState(id: b.id, to: .cancelled, by: root, at: now)
        #expect(try db.airings(from: now, to: horizon.end).isEmpty)
        #expect(try db.airings(from: now, to: horizon.end, withdrawn: true).map(\.id) == ids, "kept as cancelled, not deleted")
        #expect(throws: StoreError.self) { try db.setBulletinState(id: b.id, to: .active, by: root, at: now) }
        // Each cluster is told of its own cancelled airings until they would have ended.
        let cancels = try db.activeCancels(clusterIDs: ["tp-1", "tp-2", "tb-1"], at: now)
        #expect(cancels.values.flatMap { $0 }.sorted() == ids.sorted())
        #expect(try db.wasCancelled(airingID: ids[0], clusterID: cancels.first { $0.value.contains(ids[0]) }!.key))
        #expect(try db.activeCancels(clusterIDs: ["tp-1", "tp-2", "tb-1"], at: now.addingTimeInterval(86_400 + 120)).isEmpty)

        // Withdrawn ids are never given again: a new bulletin's airings get new ones.
        _ = try db.createBulletin(
            NewBulletin(title: "y", level: .normal, sourceKind: .file, media: media(), targets: [.zone("bp")], rules: [daily(["06:00", "17:00"])]),
            by: root, at: now)
        try db.savePlan(planner.plan(try db.plannerInput(horizon: horizon, defaultQuietHours: .default)))
        let newIDs = try db.airings(from: now, to: horizon.end).map(\.id)
        #expect(newIDs.count == 6 && Set(newIDs).isDisjoint(with: ids) && newIDs.min()! > ids.max()!)
    }

    @Test("an airing withdrawn while its cluster was offline is kept: the cluster's receipt for it counts, a replan brings it back under its id")
    func withdrawnAiringsStayCountable() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try makeStation(dir)
        let x = try db.createBulletin(
            NewBulletin(title: "x", level: .normal, sourceKind: .file, media: media(90), targets: [.zone("bp")], rules: [daily(["06:00"])]),
            by: root, at: now)
        let horizon = DateInterval(start: now, duration: 86_400)
        let planner = Planner(calendar: calendar)
        try db.savePlan(planner.plan(try db.plannerInput(horizon: horizon, defaultQuietHours: .default)))
        let sent = try db.airings(from: now, to: horizon.end)
        #expect(sent.count == 3)

        // X is cancelled while the clusters are offline; they air it from their caches anyway.
        _ = try db.setBulletinState(id: x.id, to: .cancelled, by: root, at: now)
        #expect(try db.airings(from: now, to: horizon.end).isEmpty, "it no longer counts as planned")
        let kept = try db.airings(from: now, to: horizon.end, withdrawn: true)
        #expect(kept.map(\.id) == sent.map(\.id) && kept.allSatisfy { $0.outcome == "cancelled" })
        let aired = sent[0]
        #expect(try db.recordReceipt(.init(receiptID: "s", airingID: aired.id, kind: .started, at: aired.plannedAt), receivedAt: now))
        #expect(
            try db.recordReceipt(
                .init(receiptID: "c", airingID: aired.id, kind: .completed, at: aired.plannedAt.addingTimeInterval(90)), receivedAt: now))
        let report = try db.statistics(since: now, until: horizon.end, grouping: .cluster, scope: nil, calendar: calendar)
        #expect(report.total.planned == 1 && report.total.completed == 1 && report.total.minutesAired == 1.5, "\(report.total)")

        // Y is paused and resumed: its airings are withdrawn, then planned again under the same ids.
        let y = try db.createBulletin(
            NewBulletin(title: "y", level: .normal, sourceKind: .file, media: media(), targets: [.zone("bp")], rules: [daily(["17:00"])]),
            by: root, at: now)
        try db.savePlan(planner.plan(try db.plannerInput(horizon: horizon, defaultQuietHours: .default)))
        let planned = try db.airings(from: now, to: horizon.end).filter { $0.bulletinID == y.id }.map(\.id)
        _ = try db.setBulletinState(id: y.id, to: .paused, by: root, at: now)
        #expect(try db.airings(from: now, to: horizon.end, withdrawn: true).filter { $0.bulletinID == y.id }.allSatisfy { $0.outcome == "withdrawn" })
        _ = try db.setBulletinState(id: y.id, to: .active, by: root, at: now)
        let again = try db.savePlan(planner.plan(try db.plannerInput(horizon: horizon, defaultQuietHours: .default)))
        #expect(again.inserted == 3)
        #expect(try db.airings(from: now, to: horizon.end).filter { $0.bulletinID == y.id }.map(\.id) == planned)

        // Long after, the cancelled airings nobody aired are forgotten; the one that aired stays.
        #expect(try db.purgeWithdrawnAirings(at: now.addingTimeInterval(36 * 86_400)) == 2)
        #expect(try db.airings(from: now, to: horizon.end, withdrawn: true).filter { $0.bulletinID == x.id }.map(\.id) == [aired.id])
    }

    @Test("an airing stopped before it started is preempted: not aired, no minutes")
    func preemptedIsNotAired() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try makeStation(dir)
        _ = try db.createBulletin(
            NewBulletin(title: "x", level: .normal, sourceKind: .file, media: media(90), targets: [.zone("bp")], rules: [daily(["06:00"])]),
            by: root, at: now)
        let horizon = DateInterval(start: now, duration: 86_400)
        try db.savePlan(Planner(calendar: calendar).plan(try db.plannerInput(horizon: horizon, defaultQuietHours: .default)))
        let airings = try db.airings(from: now, to: horizon.end)
        #expect(airings.count == 3)
        // The first: a live broadcast took the air before it began. The second: stopped 30 s in.
        try db.recordReceipt(
            .init(receiptID: "p", airingID: airings[0].id, kind: .interrupted, at: airings[0].plannedAt, reason: "live"), receivedAt: now)
        try db.recordReceipt(.init(receiptID: "s", airingID: airings[1].id, kind: .started, at: airings[1].plannedAt), receivedAt: now)
        try db.recordReceipt(
            .init(receiptID: "i", airingID: airings[1].id, kind: .interrupted, at: airings[1].plannedAt.addingTimeInterval(30), reason: "live"),
            receivedAt: now)
        let total = try db.statistics(since: now, until: horizon.end, grouping: .cluster, scope: nil, calendar: calendar).total
        #expect(total.preempted == 1)
        #expect(total.interrupted == 1)
        #expect(total.aired == 1)
        #expect(total.minutesAired == 0.5)
    }

    @Test func receiptsCountExactlyOnce() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try makeStation(dir)
        _ = try db.createBulletin(
            NewBulletin(
                title: "x", level: .normal, sourceKind: .file, media: media(90),
                targets: [.zone("bp")], rules: [daily(["06:00", "17:00"])]), by: root, at: now)
        let horizon = DateInterval(start: now, duration: 86_400)
        try db.savePlan(Planner(calendar: calendar).plan(try db.plannerInput(horizon: horizon, defaultQuietHours: .default)))
        let airings = try db.airings(from: now, to: horizon.end)
        #expect(airings.count == 6)
        // Every airing: started, then completed, each receipt sent twice (a retry after a lost ack).
        for a in airings.dropLast() {
            for _ in 0..<2 {
                try db.recordReceipt(.init(receiptID: "s-\(a.id)", airingID: a.id, kind: .started, at: a.plannedAt), receivedAt: now)
                try db.recordReceipt(
                    .init(receiptID: "c-\(a.id)", airingID: a.id, kind: .completed, at: a.plannedAt.addingTimeInterval(90)), receivedAt: now)
            }
        }
        // The last one was interrupted, and its 'started' arrives after the final receipt.
        let last = airings.last!
        #expect(
            try db.recordReceipt(
                .init(receiptID: "i-\(last.id)", airingID: last.id, kind: .interrupted, at: last.plannedAt.addingTimeInterval(30), reason: "live"),
                receivedAt: now))
        #expect(try db.recordReceipt(.init(receiptID: "s-\(last.id)", airingID: last.id, kind: .started, at: last.plannedAt), receivedAt: now))
        #expect(try !db.recordReceipt(.init(receiptID: "s-\(last.id)", airingID: last.id, kind: .started, at: last.plannedAt), receivedAt: now))

        let report = try db.statistics(since: now, until: horizon.end, grouping: .cluster, scope: nil, calendar: calendar)
        #expect(report.total.planned == 6)
        #expect(report.total.completed == 5)
        #expect(report.total.interrupted == 1)
        #expect(report.total.aired == 6)
        #expect(report.total.minutesAired == 8.0, "5 × 1.5 min + 0.5 min")
        #expect(report.rows.map(\.key) == ["tb-1", "tp-1", "tp-2"])
        #expect(report.bulletinsProduced == 1)
        // A second bulletin, cancelled before it aired anywhere, was not produced.
        let dropped = try db.createBulletin(
            NewBulletin(title: "y", level: .normal, sourceKind: .file, media: media(30), targets: [.zone("bp")], rules: [daily(["09:00"])]),
            by: root, at: now)
        _ = try db.setBulletinState(id: dropped.id, to: .cancelled, by: root, at: now)
        #expect(try db.statistics(since: now, until: horizon.end, grouping: .cluster, scope: nil, calendar: calendar).bulletinsProduced == 1)
        // Cancelling the first, which has aired, leaves it counted.
        _ = try db.setBulletinState(id: 1, to: .cancelled, by: root, at: now)
        #expect(try db.statistics(since: now, until: horizon.end, grouping: .cluster, scope: nil, calendar: calendar).bulletinsProduced == 1)
        #expect(
            try db.statistics(since: horizon.end, until: horizon.end.addingTimeInterval(1), grouping: .day, scope: nil, calendar: calendar)
                .bulletinsProduced == 0)
        let scoped = try db.statistics(since: now, until: horizon.end, grouping: .zone, scope: ["bp/dx/tan-binh"], calendar: calendar)
        #expect(scoped.total.planned == 2)
        #expect(try db.airings(from: now, to: horizon.end).last?.outcome == "interrupted", "a late 'started' does not undo the end")
        #expect(throws: StoreError.self) { try db.recordReceipt(.init(receiptID: "x", airingID: 999_999, kind: .started, at: now), receivedAt: now) }
    }

    @Test func unreceiptedAiringsBecomeMissed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try makeStation(dir)
        _ = try db.createBulletin(
            NewBulletin(
                title: "x", level: .normal, sourceKind: .file, media: media(),
                targets: [.cluster("tp-1")], rules: [daily(["06:00"])]), by: root, at: now)
        let horizon = DateInterval(start: now, duration: 86_400)
        try db.savePlan(Planner(calendar: calendar).plan(try db.plannerInput(horizon: horizon, defaultQuietHours: .default)))
        #expect(try db.markMissed(before: now) == 0)
        #expect(try db.markMissed(before: horizon.end) == 1)
        let report = try db.statistics(since: now, until: horizon.end, grouping: .day, scope: nil, calendar: calendar)
        #expect(report.total.missed == 1 && report.total.completionShare == 0)
        // Days are station days: 06:00 in Hanoi is 23:00 UTC the day before.
        let planned = try #require(try db.airings(from: now, to: horizon.end).first).plannedAt
        let local = calendar.dateComponents([.year, .month, .day], from: planned)
        #expect(report.rows.map(\.key) == [String(format: "%04d-%02d-%02d", local.year!, local.month!, local.day!)])
    }

    @Test func bulletinsFinishWhenTheirRulesRunOut() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try makeStation(dir)
        let once = try db.createBulletin(
            NewBulletin(
                title: "once", level: .normal, sourceKind: .file, media: media(60), targets: [.zone("bp")],
                rules: [RecurrenceRule(pattern: .once(now.addingTimeInterval(3600)), validFrom: now)]), by: root, at: now)
        var twoDays = daily(["06:00"])
        twoDays.validUntil = now.addingTimeInterval(2 * 86_400)
        let bounded = try db.createBulletin(
            NewBulletin(
                title: "until", level: .normal, sourceKind: .file, media: media(60), targets: [.zone("bp")],
                rules: [twoDays, RecurrenceRule(pattern: .once(now.addingTimeInterval(7200)), validFrom: now)]), by: root, at: now)
        let forever = try db.createBulletin(
            NewBulletin(
                title: "forever", level: .normal, sourceKind: .file, media: media(60), targets: [.zone("bp")],
                rules: [daily(["06:00"]), RecurrenceRule(pattern: .once(now.addingTimeInterval(7200)), validFrom: now)]), by: root, at: now)
        // While the one-off is still to come, or playing, nothing has finished.
        #expect(try db.finishExhaustedBulletins(at: now) == [])
        #expect(try db.finishExhaustedBulletins(at: now.addingTimeInterval(3630)) == [], "still playing")
        #expect(try db.finishExhaustedBulletins(at: now.addingTimeInterval(3661)) == [once.id])
        #expect(try db.bulletin(id: once.id)?.state == .finished)
        // Finished once every rule is over; a bulletin with an endless rule never finishes.
        #expect(try db.finishExhaustedBulletins(at: now.addingTimeInterval(86_400)) == [])
        #expect(try db.finishExhaustedBulletins(at: now.addingTimeInterval(86_400 * 400)) == [bounded.id])
        #expect(try db.bulletin(id: forever.id)?.state == .active)
        #expect(throws: StoreError.self) { try db.setBulletinState(id: once.id, to: .active, by: root, at: now) }
    }
}
