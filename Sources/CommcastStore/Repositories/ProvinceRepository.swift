import CommcastCore
import Foundation
import GRDB

extension CommcastDatabase {
    /// Keeps a bulletin from the province with its first state and acknowledges it (an
    /// outcome report), in one transaction. A second delivery of the same province id
    /// returns the bulletin already kept, unchanged.
    public func receiveProvinceBulletin(
        _ b: ProvinceBulletin, media: MediaRecord, text: String?, state: ProvinceBulletinRecord.State,
        at now: Date
    ) throws -> (record: ProvinceBulletinRecord, isNew: Bool) {
        try pool.write { db in
            if let existing = try Self.fetchProvinceBulletins(db, whereSQL: "p.province_id = ?", arguments: [b.provinceId]).first {
                return (existing, false)
            }
            try Self.insertMedia(media, db: db)
            let zones = String(decoding: try JSONEncoder.sorted.encode(b.zones), as: UTF8.self)
            try db.execute(
                sql: """
                    INSERT INTO province_bulletins (province_id, title, level, zones, media_sha256, text, air_at, received_at, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [b.provinceId, b.title, b.level.rawValue, zones, media.sha256, text, b.airAt?.millis, now.millis, state.rawValue])
            let id = db.lastInsertedRowID
            try Self.audit(
                db, actor: Actor(name: "province", origin: "webhook"), action: "province.receive", target: "province bulletin \(b.provinceId)",
                details: ["title": b.title, "level": b.level.rawValue, "zones": b.zones.joined(separator: ","), "state": state.rawValue], at: now)
            try Self.enqueueProvinceOutcome(db, ProvinceBulletinOutcome(provinceId: b.provinceId, outcome: "received", at: now))
            return (try Self.fetchProvinceBulletins(db, whereSQL: "p.id = ?", arguments: [id]).first!, true)
        }
    }

    /// Turns an inbox (or just received priority) bulletin into a scheduled bulletin:
    /// the bulletin, the new state and the acknowledgement commit together.
    public func queueProvinceBulletin(
        id: Int64, as bulletin: NewBulletin, state: ProvinceBulletinRecord.State, by actor: Actor,
        at now: Date
    ) throws -> ProvinceBulletinRecord {
        try pool.write { db in
            let current = try Self.provinceBulletinForDecision(db, id: id)
            let bulletinID = try Self.insertBulletin(bulletin, by: actor, at: now, db: db)
            try db.execute(
                sql: "UPDATE province_bulletins SET state = ?, bulletin_id = ?, decided_by = ?, decided_at = ? WHERE id = ?",
                arguments: [state.rawValue, bulletinID, actor.name, now.millis, id])
            try Self.audit(
                db, actor: actor, action: "province.\(state == .approved ? "approve" : "queue")", target: "province bulletin \(current.provinceId)",
                details: ["bulletin": "#\(bulletinID)"], at: now)
            try Self.enqueueProvinceOutcome(
                db,
                ProvinceBulletinOutcome(
                    provinceId: current.provinceId, outcome: state.rawValue,
                    bulletinId: bulletinID, by: actor.name, at: now))
            return try Self.fetchProvinceBulletins(db, whereSQL: "p.id = ?", arguments: [id]).first!
        }
    }

    /// Rejects an inbox bulletin with the operator's reason.
    public func rejectProvinceBulletin(id: Int64, reason: String, by actor: Actor, at now: Date) throws -> ProvinceBulletinRecord {
        try pool.write { db in
            let current = try Self.provinceBulletinForDecision(db, id: id)
            try db.execute(
                sql: "UPDATE province_bulletins SET state = 'rejected', reason = ?, decided_by = ?, decided_at = ? WHERE id = ?",
                arguments: [reason, actor.name, now.millis, id])
            try Self.audit(
                db, actor: actor, action: "province.reject", target: "province bulletin \(current.provinceId)",
                details: ["reason": reason], at: now)
            try Self.enqueueProvinceOutcome(
                db,
                ProvinceBulletinOutcome(
                    provinceId: current.provinceId, outcome: "rejected", reason: reason,
                    by: actor.name, at: now))
            return try Self.fetchProvinceBulletins(db, whereSQL: "p.id = ?", arguments: [id]).first!
        }
    }

    /// Records how an emergency from the province went on the air (on_air, aired, failed).
    public func setProvinceBulletinAiring(
        id: Int64, state: ProvinceBulletinRecord.State, liveID: String?, reason: String?,
        at now: Date
    ) throws {
        try pool.write { db in
            guard let current = try Self.fetchProvinceBulletins(db, whereSQL: "p.id = ?", arguments: [id]).first else {
                throw StoreError(.notFound, "inbox: got #\(id), expected the number of a bulletin in the inbox (commcast inbox list)")
            }
            try db.execute(
                sql: "UPDATE province_bulletins SET state = ?, live_id = COALESCE(?, live_id), reason = ?, decided_at = ? WHERE id = ?",
                arguments: [state.rawValue, liveID, reason, now.millis, id])
            try Self.enqueueProvinceOutcome(
                db,
                ProvinceBulletinOutcome(
                    provinceId: current.provinceId, outcome: state.rawValue,
                    liveId: liveID ?? current.liveId, reason: reason, at: now))
        }
    }

    public func provinceBulletins(states: [ProvinceBulletinRecord.State]? = nil, limit: Int = 200) throws -> [ProvinceBulletinRecord] {
        try pool.read { db in
            guard let states, !states.isEmpty else { return try Self.fetchProvinceBulletins(db, whereSQL: "1", arguments: [], limit: limit) }
            let marks = states.map { _ in "?" }.joined(separator: ",")
            return try Self.fetchProvinceBulletins(
                db, whereSQL: "p.state IN (\(marks))", arguments: StatementArguments(states.map(\.rawValue)), limit: limit)
        }
    }

    public func provinceBulletin(provinceID: String) throws -> ProvinceBulletinRecord? {
        try pool.read { db in try Self.fetchProvinceBulletins(db, whereSQL: "p.province_id = ?", arguments: [provinceID]).first }
    }

    public func provinceBulletin(id: Int64) throws -> ProvinceBulletinRecord? {
        try pool.read { db in try Self.fetchProvinceBulletins(db, whereSQL: "p.id = ?", arguments: [id]).first }
    }

    static func provinceBulletinForDecision(_ db: GRDB.Database, id: Int64) throws -> ProvinceBulletinRecord {
        guard let current = try fetchProvinceBulletins(db, whereSQL: "p.id = ?", arguments: [id]).first else {
            throw StoreError(.notFound, "inbox: got #\(id), expected the number of a bulletin in the inbox (commcast inbox list)")
        }
        guard current.state == .inbox || (current.state == .queued && current.bulletinId == nil) else {
            throw StoreError(.conflict, "province bulletin #\(id) is \(current.state.rawValue); only one in the inbox can be approved or rejected")
        }
        return current
    }

    static func enqueueProvinceOutcome(_ db: GRDB.Database, _ outcome: ProvinceBulletinOutcome) throws {
        try enqueueReport(
            db, key: "province:\(outcome.provinceId):\(outcome.outcome)", kind: .provinceBulletinOutcome, payload: outcome, at: outcome.at)
    }

    static func fetchProvinceBulletins(_ db: GRDB.Database, whereSQL: String, arguments: StatementArguments, limit: Int = 200) throws
        -> [ProvinceBulletinRecord]
    {
        try Row.fetchAll(
            db,
            sql: """
                SELECT p.*, m.duration_ms FROM province_bulletins p LEFT JOIN media m ON m.sha256 = p.media_sha256
                WHERE \(whereSQL) ORDER BY p.id DESC LIMIT \(max(1, min(limit, 10_000)))
                """, arguments: arguments
        ).map { row in
            let zones: String = row["zones"]
            return ProvinceBulletinRecord(
                id: row["id"], provinceId: row["province_id"], title: row["title"], level: BulletinLevel(rawValue: row["level"]) ?? .normal,
                zones: (try? JSONDecoder().decode([String].self, from: Data(zones.utf8))) ?? [],
                mediaSha256: row["media_sha256"], durationSeconds: (row["duration_ms"] as Int64?).map { Double($0) / 1000 }, text: row["text"],
                airAt: (row["air_at"] as Int64?).map(Date.init(millis:)), receivedAt: Date(millis: row["received_at"]),
                state: ProvinceBulletinRecord.State(rawValue: row["state"]) ?? .inbox, bulletinId: row["bulletin_id"], liveId: row["live_id"],
                decidedBy: row["decided_by"], decidedAt: (row["decided_at"] as Int64?).map(Date.init(millis:)), reason: row["reason"])
        }
    }

    // MARK: - Status snapshots and daily statistics

    /// Stores a status snapshot's counts (for the day's online share) and its report, together.
    public func recordStatusSnapshot(_ snapshot: StatusSnapshotReport) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO status_snapshots (at, online, degraded, offline, total) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    snapshot.at.millis, snapshot.counts["online"] ?? 0, snapshot.counts["degraded"] ?? 0,
                    snapshot.counts["offline"] ?? 0, snapshot.total,
                ])
            try Self.enqueueReport(db, key: "status_snapshot:\(snapshot.at.millis)", kind: .statusSnapshot, payload: snapshot, at: snapshot.at)
        }
    }

    /// Share of clusters online across the snapshots taken in an interval; nil without any.
    public func onlineShare(from: Date, to: Date) throws -> Double? {
        try pool.read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT SUM(online) AS online, SUM(total) AS total FROM status_snapshots WHERE at >= ? AND at < ?",
                arguments: [from.millis, to.millis])
            guard let online = row?["online"] as Int64?, let total = row?["total"] as Int64?, total > 0 else { return nil }
            return Double(online) / Double(total)
        }
    }

    /// Whether a report with this key was ever written (delivered or not, unless pruned).
    public func hasReport(key: String) throws -> Bool {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM report_outbox WHERE idempotency_key = ?", arguments: [key]) == 1 }
    }
}
