import CommcastCore
import CommcastStore
import Foundation
import GRDB
import Logging
import TestSupport
import Testing

/// Reports are written with their facts, once per fact, and delivered in order.
@Suite("Outbox")
struct OutboxStoreTests {
    let fixture = SchedulingStoreTests()
    var now: Date { fixture.now }

    func reports(_ db: CommcastDatabase) throws -> [(key: String, kind: String, payload: [String: Any])] {
        try db.pool.read { d in
            try Row.fetchAll(d, sql: "SELECT idempotency_key, kind, payload FROM report_outbox ORDER BY id").map { row in
                let payload: String = row["payload"]
                return (
                    row["idempotency_key"], row["kind"],
                    (try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any]) ?? [:]
                )
            }
        }
    }

    @Test func factsAndTheirReportsCommitTogetherOnce() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try fixture.makeStation(dir)
        let b = try db.createBulletin(
            NewBulletin(
                title: "Lịch tiêm", level: .priority, sourceKind: .text, media: fixture.media(90),
                targets: [.zone("bp/dx/tan-phu")], rules: [fixture.daily(["06:00"])]), by: fixture.root, at: now)
        let created = try #require(try reports(db).first)
        #expect(created.key == "bulletin:\(b.id):created" && created.kind == "bulletin")
        #expect(created.payload["title"] as? String == "Lịch tiêm" && created.payload["level"] as? String == "priority")
        #expect(created.payload["source_kind"] as? String == "text" && created.payload["duration_seconds"] as? Double == 90)
        #expect(created.payload["zones"] as? [String] == ["bp/dx/tan-phu"] && created.payload["author"] as? String == "root")

        // A bulletin that fails validation leaves neither a row nor a report.
        #expect(throws: StoreError.self) {
            try db.createBulletin(
                NewBulletin(
                    title: "x", level: .normal, sourceKind: .file, media: fixture.media(),
                    targets: [.zone("nowhere")], rules: [fixture.daily(["06:00"])]), by: fixture.root, at: now)
        }
        #expect(try reports(db).count == 1)

        // Airings: a completed one reported once however often its receipt comes; a missed one too.
        let horizon = DateInterval(start: now, duration: 86_400)
        try db.savePlan(Planner(calendar: fixture.calendar).plan(try db.plannerInput(horizon: horizon, defaultQuietHours: nil)))
        let airings = try db.airings(from: now, to: horizon.end)
        #expect(airings.count == 2)
        for _ in 0..<3 {
            try db.recordReceipt(.init(receiptID: "s", airingID: airings[0].id, kind: .started, at: airings[0].plannedAt), receivedAt: now)
            try db.recordReceipt(
                .init(receiptID: "c", airingID: airings[0].id, kind: .completed, at: airings[0].plannedAt.addingTimeInterval(90)), receivedAt: now)
        }
        #expect(try db.markMissed(before: horizon.end, at: horizon.end) == 1)
        let airingReports = try reports(db).filter { $0.kind == "airing" }
        #expect(airingReports.map(\.key).sorted() == ["airing:\(airings[0].id):completed", "airing:\(airings[1].id):missed"].sorted())
        let completed = try #require(airingReports.first { $0.key.hasSuffix("completed") })
        #expect(completed.payload["cluster_id"] as? String == airings[0].clusterID && completed.payload["outcome"] as? String == "completed")
        #expect(completed.payload["started_at"] as? String != nil && completed.payload["ended_at"] as? String != nil)

        // Cancelling and health changes.
        _ = try db.setBulletinState(id: b.id, to: .cancelled, by: fixture.root, at: now)
        try db.recordHealthTransitions([HealthTransition(clusterID: "tp-1", from: .online, to: .offline, at: now, reason: "no heartbeat for 91 s")])
        let kinds = try reports(db).map(\.kind)
        #expect(kinds.filter { $0 == "bulletin" }.count == 2 && kinds.contains("cluster_status"))
        let cancelled = try #require(try reports(db).first { $0.key.hasPrefix("bulletin:\(b.id):cancelled") })
        #expect(cancelled.payload["state"] as? String == "cancelled")
    }

    @Test("a broadcast left on air by a killed daemon is ended at the next start, audited and reported, once")
    func liveLeftOnAirIsEndedOnce() throws {
        let dir = try TemporaryDirectory()
        let db = try CommcastDatabase(path: dir.file("c.sqlite").path, logger: Logger(label: "test"))
        let lan = Actor(name: "Lan", origin: "socket")
        let station = Actor(name: "commcastd", origin: "daemon")
        try db.recordLiveEvent(lan, kind: "live_started", liveID: "live-a", details: ["level": "emergency", "source": "mic"], at: now)
        try db.recordLiveEvent(lan, kind: "live_started", liveID: "live-b", details: ["level": "priority", "source": "file"], at: now)
        try db.recordLiveEvent(lan, kind: "live_stopped", liveID: "live-b", details: ["reason": "end of bulletin"], at: now + 30)

        let ended = try db.endLiveBroadcastsLeftOnAir(by: station, reason: "restarted", at: now + 95)
        #expect(ended == ["live-a"])
        let stop = try #require(try db.auditEntries(limit: 1).first)
        #expect(stop.action == "live_stopped" && stop.target == "live-a" && stop.actor == "commcastd")
        #expect(stop.details["reason"] == "restarted" && stop.details["level"] == "emergency" && stop.details["seconds"] == "95")
        let reported = try reports(db).filter { $0.key == "live_stopped:live-a" }
        #expect(reported.count == 1 && reported.first?.payload["reason"] as? String == "restarted")
        #expect(try db.endLiveBroadcastsLeftOnAir(by: station, reason: "restarted", at: now + 200).isEmpty, "ended once")
    }

    @Test func deliveryIsInOrderAndMarkedByRange() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try CommcastDatabase(path: dir.file("c.sqlite").path, logger: Logger(label: "test"))
        for i in 0..<10 { try db.enqueueReport(key: "k\(i)", kind: ReportKind(rawValue: "test"), payload: ["i": i], at: now) }
        try db.enqueueReport(key: "k3", kind: ReportKind(rawValue: "test"), payload: ["i": 99], at: now)
        var batch = try db.pendingReports(limit: 4)
        #expect(batch.map(\.key) == ["k0", "k1", "k2", "k3"], "a key is reported once, in creation order")
        #expect(batch[3].payloadJSON == #"{"i":3}"#)
        try db.noteReportFailure(sequence: batch[0].sequence, error: "HTTP 503")
        var backlog = try db.reportBacklog()
        #expect(backlog.pending == 10 && backlog.lastError == "HTTP 503" && backlog.attempts == 1 && backlog.delivered == 0)
        try db.markReportsDelivered(from: batch[0].sequence, through: batch[3].sequence, at: now)
        batch = try db.pendingReports(limit: 100)
        #expect(batch.map(\.key) == (4..<10).map { "k\($0)" })
        backlog = try db.reportBacklog()
        #expect(backlog.pending == 6 && backlog.delivered == 4 && backlog.lastError == nil && backlog.lastDeliveredAt == now)
        #expect(try db.pruneDeliveredReports(before: now.addingTimeInterval(1)) == 4)
        #expect(try db.reportBacklog().pending == 6, "undelivered reports are never pruned")
    }
}
