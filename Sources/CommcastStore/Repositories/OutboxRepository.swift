import CommcastCore
import Foundation
import GRDB

/// The reporter's view of the outbox.
public struct ReportBacklog: Sendable, Codable, Equatable {
    /// Reports not yet accepted by the province.
    public var pending: Int
    public var oldestPendingAt: Date?
    public var delivered: Int
    public var lastDeliveredAt: Date?
    /// The error of the last failed attempt at the oldest pending report, and how many attempts it has had.
    public var lastError: String?
    public var attempts: Int
}

extension CommcastDatabase {
    /// Adds a report inside an open transaction, so the fact and its report commit
    /// together. A key already in the outbox is left alone: the fact was reported.
    static func enqueueReport(_ db: GRDB.Database, key: String, kind: ReportKind, payload: some Encodable, at now: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO report_outbox (idempotency_key, kind, payload, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(idempotency_key) DO NOTHING
                """, arguments: [key, kind.rawValue, try ReportJSON.text(payload), now.millis])
    }

    /// Adds a report that is its own event (a snapshot, a day's statistics).
    public func enqueueReport(key: String, kind: ReportKind, payload: some Encodable & Sendable, at now: Date) throws {
        try pool.write { db in try Self.enqueueReport(db, key: key, kind: kind, payload: payload, at: now) }
    }

    /// The oldest undelivered reports, in order.
    public func pendingReports(limit: Int) throws -> [ReportEvent] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, idempotency_key, kind, payload, created_at FROM report_outbox
                    WHERE delivered_at IS NULL ORDER BY id LIMIT ?
                    """, arguments: [max(1, limit)]
            ).map {
                ReportEvent(
                    sequence: $0["id"], key: $0["idempotency_key"], kind: ReportKind(rawValue: $0["kind"]),
                    at: Date(millis: $0["created_at"]), payloadJSON: $0["payload"])
            }
        }
    }

    /// Marks a delivered batch (`first…last` in sequence order).
    public func markReportsDelivered(from first: Int64, through last: Int64, at now: Date) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE report_outbox SET delivered_at = ?, last_error = NULL WHERE id BETWEEN ? AND ? AND delivered_at IS NULL",
                arguments: [now.millis, first, last])
        }
    }

    /// Records a failed attempt against the batch's first report, where `report status` looks.
    public func noteReportFailure(sequence: Int64, error: String) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE report_outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                arguments: [String(error.prefix(500)), sequence])
        }
    }

    public func reportBacklog() throws -> ReportBacklog {
        try pool.read { db in
            let pending = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM report_outbox WHERE delivered_at IS NULL
                    """)!
            let head = try Row.fetchOne(db, sql: "SELECT attempts, last_error FROM report_outbox WHERE delivered_at IS NULL ORDER BY id LIMIT 1")
            let delivered = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS n, MAX(delivered_at) AS last FROM report_outbox WHERE delivered_at IS NOT NULL
                    """)!
            return ReportBacklog(
                pending: pending["n"], oldestPendingAt: (pending["oldest"] as Int64?).map(Date.init(millis:)),
                delivered: delivered["n"], lastDeliveredAt: (delivered["last"] as Int64?).map(Date.init(millis:)),
                lastError: head?["last_error"], attempts: head?["attempts"] ?? 0)
        }
    }

    /// Removes delivered reports older than `cutoff`; undelivered ones stay, however old.
    @discardableResult
    public func pruneDeliveredReports(before cutoff: Date) throws -> Int {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM report_outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?", arguments: [cutoff.millis])
            return db.changesCount
        }
    }

    // MARK: - Reports written with their facts

    /// The report of a bulletin's creation or change of state.
    static func enqueueBulletinReport(_ db: GRDB.Database, bulletinID id: Int64, event: String, at now: Date) throws {
        guard let b = try fetchBulletins(db, whereSQL: "b.id = ?", arguments: [id]).first else { return }
        let origin = try String.fetchOne(db, sql: "SELECT origin FROM bulletins WHERE id = ?", arguments: [id]) ?? "local"
        let zones = try String.fetchAll(
            db,
            sql: """
                SELECT z.path FROM bulletin_targets t JOIN zones z ON z.id = t.zone_id WHERE t.bulletin_id = ?
                UNION SELECT z.path FROM bulletin_targets t JOIN clusters c ON c.id = t.cluster_id JOIN zones z ON z.id = c.zone_id
                WHERE t.bulletin_id = ? ORDER BY 1
                """, arguments: [id, id])
        let report = BulletinReport(
            bulletinId: id, event: event, title: b.title, level: b.level, state: b.state.rawValue,
            durationSeconds: b.durationSeconds, sourceKind: b.sourceKind.rawValue, author: b.author,
            origin: origin, zones: zones, at: now)
        let key = event == "created" ? "bulletin:\(id):created" : "bulletin:\(id):\(event):\(now.millis)"
        try enqueueReport(db, key: key, kind: .bulletin, payload: report, at: now)
    }

    /// The report of an airing that reached an outcome.
    static func enqueueAiringReport(_ db: GRDB.Database, airingID: Int64, at now: Date) throws {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT a.*, z.path AS zone_path FROM airings a LEFT JOIN clusters c ON c.id = a.cluster_id
                    LEFT JOIN zones z ON z.id = c.zone_id WHERE a.id = ?
                    """, arguments: [airingID])
        else { return }
        let outcome: String = row["outcome"]
        let report = AiringReport(
            airingId: airingID, bulletinId: row["bulletin_id"], clusterId: row["cluster_id"], zone: row["zone_path"] ?? "",
            plannedAt: Date(millis: row["planned_at"]), startedAt: (row["started_at"] as Int64?).map(Date.init(millis:)),
            endedAt: (row["ended_at"] as Int64?).map(Date.init(millis:)), outcome: outcome, reason: row["reason"])
        try enqueueReport(db, key: "airing:\(airingID):\(outcome)", kind: .airing, payload: report, at: now)
    }
}
