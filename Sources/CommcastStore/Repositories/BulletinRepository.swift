import CommcastCore
import Foundation
import GRDB

/// A bulletin to be created.
public struct NewBulletin: Sendable {
    public var title: String
    public var level: BulletinLevel
    public var sourceKind: SourceKind
    public var media: MediaRecord
    public var text: String?
    public var targets: [BulletinTarget]
    public var rules: [RecurrenceRule]
    public var origin: String
    /// `.active`, or `.pending` when it waits for a supervisor's approval.
    public var state: BulletinState

    public init(
        title: String, level: BulletinLevel, sourceKind: SourceKind, media: MediaRecord, text: String? = nil,
        targets: [BulletinTarget], rules: [RecurrenceRule], origin: String = "local", state: BulletinState = .active
    ) {
        self.title = title
        self.level = level
        self.sourceKind = sourceKind
        self.media = media
        self.text = text
        self.targets = targets
        self.rules = rules
        self.origin = origin
        self.state = state
    }
}

/// Who did something, for the audit log.
public struct Actor: Sendable, Equatable {
    public var name: String
    /// Where the call came from, e.g. `unix:uid=1001,pid=4242`.
    public var origin: String
    public init(name: String, origin: String) {
        self.name = name
        self.origin = origin
    }
}

extension CommcastDatabase {
    /// Creates a bulletin with its media, targets and rules, its audit row and its report for the province, in one transaction.
    public func createBulletin(_ new: NewBulletin, by actor: Actor, at now: Date) throws -> Bulletin {
        let id: Int64 = try pool.write { db in try Self.insertBulletin(new, by: actor, at: now, db: db) }
        return try bulletin(id: id)!
    }

    /// Inserts a bulletin with its media, targets, rules, audit row and report, inside an open transaction.
    static func insertBulletin(_ new: NewBulletin, by actor: Actor, at now: Date, db: GRDB.Database) throws -> Int64 {
        guard !new.title.trimmingCharacters(in: .whitespaces).isEmpty, new.title.count <= 500 else {
            throw StoreError(.invalid, "title: got \"\(new.title)\", expected 1 to 500 characters")
        }
        guard !new.targets.isEmpty else { throw StoreError(.invalid, "targets: none given, expected at least one --zone or --cluster") }
        guard !new.rules.isEmpty else { throw StoreError(.invalid, "schedule: none given, expected --at, --daily, --every …") }
        guard new.state == .active || new.state == .pending else {
            throw StoreError(.invalid, "state: got \(new.state.rawValue), expected a new bulletin to be active or pending")
        }
        try Self.insertMedia(new.media, db: db)
        try db.execute(
            sql: """
                INSERT INTO bulletins (title, level, source_kind, media_sha256, text, state, origin, author, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                new.title, new.level.rawValue, new.sourceKind.rawValue, new.media.sha256, new.text, new.state.rawValue,
                new.origin, actor.name, now.millis, now.millis,
            ])
        let id = db.lastInsertedRowID
        for target in new.targets {
            if let path = target.zone {
                guard let zoneID = try Int64.fetchOne(db, sql: "SELECT id FROM zones WHERE path = ?", arguments: [path]) else {
                    throw StoreError(.notFound, "zone: got \(path), expected an existing zone (commcast zone list)")
                }
                try db.execute(sql: "INSERT INTO bulletin_targets (bulletin_id, zone_id) VALUES (?, ?)", arguments: [id, zoneID])
            } else if let cluster = target.cluster {
                guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clusters WHERE id = ?", arguments: [cluster]) == 1 else {
                    throw StoreError(.notFound, "cluster: got \(cluster), expected an existing cluster id (commcast cluster list)")
                }
                try db.execute(sql: "INSERT INTO bulletin_targets (bulletin_id, cluster_id) VALUES (?, ?)", arguments: [id, cluster])
            }
        }
        for rule in new.rules { try Self.insertRule(rule, bulletinID: id, db: db) }
        try Self.audit(
            db, actor: actor, action: "bulletin.add", target: "bulletin #\(id)",
            details: [
                "title": new.title, "level": new.level.rawValue, "targets": new.targets.map(\.description).joined(separator: ", "),
                "state": new.state.rawValue,
            ], at: now)
        try enqueueBulletinReport(db, bulletinID: id, event: "created", at: now)
        return id
    }

    /// One bulletin with its targets and rules.
    public func bulletin(id: Int64) throws -> Bulletin? {
        try pool.read { db in try Self.fetchBulletins(db, whereSQL: "b.id = ?", arguments: [id]).first }
    }

    /// Bulletins, newest first, optionally filtered by state.
    public func bulletins(states: [BulletinState]? = nil, limit: Int = 500) throws -> [Bulletin] {
        try pool.read { db in
            if let states, !states.isEmpty {
                let marks = states.map { _ in "?" }.joined(separator: ",")
                return try Self.fetchBulletins(
                    db, whereSQL: "b.state IN (\(marks))", arguments: StatementArguments(states.map(\.rawValue)), limit: limit)
            }
            return try Self.fetchBulletins(db, whereSQL: "1", arguments: [], limit: limit)
        }
    }

    /// The next planned airing of each of these bulletins at or after `now`, on any cluster.
    public func nextAirings(bulletinIDs: [Int64], after now: Date) throws -> [Int64: Date] {
        guard !bulletinIDs.isEmpty else { return [:] }
        return try pool.read { db in
            let marks = bulletinIDs.map { _ in "?" }.joined(separator: ",")
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT bulletin_id, MIN(planned_at) AS next FROM airings
                    WHERE outcome = 'planned' AND planned_at >= ? AND bulletin_id IN (\(marks)) GROUP BY bulletin_id
                    """, arguments: StatementArguments([now.millis] + bulletinIDs.map { $0 as any DatabaseValueConvertible }))
            return Dictionary(rows.map { (($0["bulletin_id"] as Int64), Date(millis: $0["next"])) }, uniquingKeysWith: min)
        }
    }

    /// Zone paths a bulletin reaches: its zone targets and the zones of its cluster targets.
    public func targetZonePaths(bulletinID: Int64) throws -> [String] {
        try pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT z.path FROM bulletin_targets t JOIN zones z ON z.id = t.zone_id WHERE t.bulletin_id = ?
                    UNION SELECT z.path FROM bulletin_targets t JOIN clusters c ON c.id = t.cluster_id JOIN zones z ON z.id = c.zone_id
                    WHERE t.bulletin_id = ?
                    """, arguments: [bulletinID, bulletinID])
        }
    }

    /// Cancels, pauses or resumes a bulletin; refuses transitions that make no sense.
    public func setBulletinState(id: Int64, to state: BulletinState, by actor: Actor, at now: Date) throws -> Bulletin {
        try pool.write { db in
            guard let current = try String.fetchOne(db, sql: "SELECT state FROM bulletins WHERE id = ?", arguments: [id]),
                let from = BulletinState(rawValue: current)
            else {
                throw StoreError(.notFound, "bulletin: got #\(id), expected the number of an existing bulletin (commcast bulletin list)")
            }
            // A pending bulletin may be withdrawn, never resumed past its review.
            let allowed: [BulletinState: Set<BulletinState>] = [
                .active: [.paused, .cancelled], .paused: [.active, .cancelled], .pending: [.cancelled],
            ]
            guard allowed[from, default: []].contains(state) else {
                let hint = from == .pending ? " until a supervisor approves it (commcast bulletin approve)" : ""
                throw StoreError(.conflict, "bulletin #\(id) is \(from.rawValue); it cannot become \(state.rawValue)\(hint)")
            }
            try db.execute(sql: "UPDATE bulletins SET state = ?, updated_at = ? WHERE id = ?", arguments: [state.rawValue, now.millis, id])
            if state == .cancelled {
                // Every airing not over yet is cancelled on its cluster by id: one playing
                // stops, one ahead never starts, and a cluster offline now hears of it when
                // it reconnects (docs/protocol.md, `cancel`). Kept until the planned end,
                // with a minute for a cluster that starts late.
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO airing_cancels (airing_id, cluster_id, bulletin_id, reason, cancelled_at, until)
                        SELECT a.id, a.cluster_id, a.bulletin_id, 'cancelled', ?, a.planned_at + COALESCE(m.duration_ms, 0) + 60000
                        FROM airings a JOIN bulletins b ON b.id = a.bulletin_id LEFT JOIN media m ON m.sha256 = b.media_sha256
                        WHERE a.bulletin_id = ? AND a.outcome IN ('planned', 'started')
                        AND a.planned_at + COALESCE(m.duration_ms, 0) + 60000 > ?
                        """, arguments: [now.millis, id, now.millis])
                try db.execute(sql: "DELETE FROM airing_cancels WHERE until < ?", arguments: [now.millis - 86_400_000])
            }
            if state != .active {
                // Planned airings that have not started are withdrawn at once, and kept:
                // a cluster offline now may air one from its cache, and its receipt counts.
                try db.execute(
                    sql: """
                        UPDATE airings SET outcome = ?, reason = ? WHERE bulletin_id = ? AND outcome = 'planned' AND planned_at >= ?
                        AND NOT EXISTS (SELECT 1 FROM airing_receipts r WHERE r.airing_id = airings.id)
                        """,
                    arguments: [
                        state == .cancelled ? "cancelled" : "withdrawn", state == .cancelled ? "bulletin cancelled" : "bulletin paused", id,
                        now.millis,
                    ])
            }
            let action = ["cancelled": "bulletin.cancel", "paused": "bulletin.pause", "active": "bulletin.resume"][state.rawValue]!
            try Self.audit(db, actor: actor, action: action, target: "bulletin #\(id)", details: ["from": from.rawValue], at: now)
            try Self.enqueueBulletinReport(
                db, bulletinID: id, event: ["cancelled": "cancelled", "paused": "paused", "active": "resumed"][state.rawValue]!, at: now)
        }
        return try bulletin(id: id)!
    }

    /// Approves a pending bulletin (it becomes active and is planned) or rejects it
    /// with a reason; who, when and why are kept on the bulletin and in the audit log.
    public func reviewBulletin(id: Int64, approve: Bool, note: String?, by actor: Actor, at now: Date) throws -> Bulletin {
        try pool.write { db in
            guard let current = try String.fetchOne(db, sql: "SELECT state FROM bulletins WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "bulletin: got #\(id), expected the number of an existing bulletin (commcast bulletin list)")
            }
            guard current == BulletinState.pending.rawValue else {
                throw StoreError(.conflict, "bulletin #\(id) is \(current); only a pending bulletin is approved or rejected")
            }
            let state: BulletinState = approve ? .active : .rejected
            try db.execute(
                sql: "UPDATE bulletins SET state = ?, updated_at = ?, reviewed_by = ?, reviewed_at = ?, review_note = ? WHERE id = ?",
                arguments: [state.rawValue, now.millis, actor.name, now.millis, note, id])
            try Self.audit(
                db, actor: actor, action: approve ? "bulletin.approve" : "bulletin.reject", target: "bulletin #\(id)",
                details: note.map { ["reason": $0] } ?? [:], at: now)
            try Self.enqueueBulletinReport(db, bulletinID: id, event: approve ? "approved" : "rejected", at: now)
        }
        return try bulletin(id: id)!
    }

    /// Marks active and paused bulletins whose every rule lies in the past as finished,
    /// once their last possible airing has ended and no airing of theirs is still to
    /// play (one shifted behind others starts later than its rule wanted). Returns their ids.
    @discardableResult
    public func finishExhaustedBulletins(at now: Date) throws -> [Int64] {
        try pool.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.*, b.id AS bulletin_key, m.duration_ms AS duration_ms FROM recurrence_rules r
                    JOIN bulletins b ON b.id = r.bulletin_id LEFT JOIN media m ON m.sha256 = b.media_sha256
                    WHERE b.state IN ('active', 'paused')
                      AND NOT EXISTS (
                          SELECT 1 FROM airings a WHERE a.bulletin_id = b.id AND a.outcome IN ('planned', 'started')
                          AND a.planned_at + COALESCE(m.duration_ms, 0) >= ?)
                    """, arguments: [now.millis])
            var exhausted: [Int64: Bool] = [:]
            for row in rows {
                let id: Int64 = row["bulletin_key"]
                let duration = TimeInterval((row["duration_ms"] as Int64?) ?? 0) / 1000
                let done = Self.rule(from: row)?.rule.lastPossibleStart.map { $0.addingTimeInterval(duration) < now } ?? false
                exhausted[id] = (exhausted[id] ?? true) && done
            }
            let finished = exhausted.filter(\.value).keys.sorted()
            for id in finished {
                try db.execute(sql: "UPDATE bulletins SET state = 'finished', updated_at = ? WHERE id = ?", arguments: [now.millis, id])
                try Self.enqueueBulletinReport(db, bulletinID: id, event: "finished", at: now)
            }
            return finished
        }
    }

    static func insertMedia(_ media: MediaRecord, db: GRDB.Database) throws {
        try db.execute(
            sql: """
                INSERT INTO media (sha256, size_bytes, duration_ms, source_kind, source_container, measured_lufs, gain_db, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO NOTHING
                """,
            arguments: [
                media.sha256, media.sizeBytes, media.durationMilliseconds, media.sourceKind,
                media.sourceContainer, media.measuredLUFS, media.gainDB, media.createdAt,
            ])
    }

    static func insertRule(_ rule: RecurrenceRule, bulletinID: Int64, db: GRDB.Database) throws {
        var kind = "once"
        var atTimes = "[]"
        var interval: Int? = nil
        var windowStart: String? = nil
        var windowEnd: String? = nil
        var validFrom = rule.validFrom
        switch rule.pattern {
        case .once(let at):
            validFrom = at
        case .times(let times):
            kind = rule.weekdays == .all ? "daily" : "weekly"
            atTimes = String(decoding: try JSONEncoder().encode(times), as: UTF8.self)
        case .every(let minutes, let from, let to):
            kind = "interval"
            interval = minutes
            windowStart = from.description
            windowEnd = to.description
        }
        try db.execute(
            sql: """
                INSERT INTO recurrence_rules (bulletin_id, kind, at_times, weekdays, interval_minutes, window_start, window_end,
                                              valid_from, valid_until, max_airings)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                bulletinID, kind, atTimes, rule.weekdays.rawValue, interval, windowStart, windowEnd,
                validFrom.millis, rule.validUntil?.millis, rule.maxAirings,
            ])
    }

    static func rule(from row: Row) -> StoredRule? {
        let kind: String = row["kind"]
        let validFrom = Date(millis: row["valid_from"])
        let pattern: RecurrenceRule.Pattern
        switch kind {
        case "once": pattern = .once(validFrom)
        case "daily", "weekly":
            let json: String = row["at_times"]
            guard let times = try? JSONDecoder().decode([TimeOfDay].self, from: Data(json.utf8)) else { return nil }
            pattern = .times(times)
        case "interval":
            guard let minutes: Int = row["interval_minutes"], let s: String = row["window_start"], let e: String = row["window_end"],
                let from = try? TimeOfDay(parsing: s), let to = try? TimeOfDay(parsing: e)
            else { return nil }
            pattern = .every(minutes: minutes, from: from, to: to)
        default: return nil
        }
        let until: Int64? = row["valid_until"]
        return StoredRule(
            id: row["id"],
            rule: RecurrenceRule(
                pattern: pattern, weekdays: Weekdays(rawValue: row["weekdays"]),
                validFrom: validFrom, validUntil: until.map(Date.init(millis:)),
                maxAirings: row["max_airings"]))
    }

    static func fetchBulletins(_ db: GRDB.Database, whereSQL: String, arguments: StatementArguments, limit: Int = 500) throws -> [Bulletin] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT b.*, COALESCE(m.duration_ms, 0) AS duration_ms FROM bulletins b LEFT JOIN media m ON m.sha256 = b.media_sha256
                WHERE \(whereSQL) ORDER BY b.id DESC LIMIT \(limit)
                """, arguments: arguments)
        guard !rows.isEmpty else { return [] }
        let ids: [Int64] = rows.map { $0["id"] }
        let marks = ids.map { _ in "?" }.joined(separator: ",")
        var targets: [Int64: [BulletinTarget]] = [:]
        for t in try Row.fetchAll(
            db,
            sql: """
                SELECT t.bulletin_id, z.path AS zone_path, t.cluster_id FROM bulletin_targets t LEFT JOIN zones z ON z.id = t.zone_id
                WHERE t.bulletin_id IN (\(marks))
                """, arguments: StatementArguments(ids))
        {
            let target: BulletinTarget = (t["zone_path"] as String?).map { .zone($0) } ?? .cluster(t["cluster_id"])
            targets[t["bulletin_id"], default: []].append(target)
        }
        var rules: [Int64: [StoredRule]] = [:]
        for r in try Row.fetchAll(
            db, sql: "SELECT * FROM recurrence_rules WHERE bulletin_id IN (\(marks)) ORDER BY id", arguments: StatementArguments(ids))
        {
            if let rule = rule(from: r) { rules[r["bulletin_id"], default: []].append(rule) }
        }
        return rows.map { row in
            let id: Int64 = row["id"]
            return Bulletin(
                id: id, title: row["title"], level: BulletinLevel(rawValue: row["level"]) ?? .normal,
                state: BulletinState(rawValue: row["state"]) ?? .active,
                sourceKind: SourceKind(rawValue: row["source_kind"]) ?? .file, author: row["author"],
                createdAt: Date(millis: row["created_at"]), updatedAt: Date(millis: row["updated_at"]),
                durationSeconds: Double(row["duration_ms"] as Int64) / 1000, mediaSHA256: row["media_sha256"],
                text: row["text"], targets: targets[id] ?? [], rules: rules[id] ?? [],
                review: (row["reviewed_by"] as String?).map {
                    BulletinReview(by: $0, at: Date(millis: (row["reviewed_at"] as Int64?) ?? 0), note: row["review_note"])
                })
        }
    }
}
