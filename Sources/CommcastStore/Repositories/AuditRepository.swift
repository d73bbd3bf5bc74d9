import CommcastCore
import Foundation
import GRDB

extension CommcastDatabase {
    /// Writes an audit row inside an open transaction, so the action and its record commit together.
    static func audit(_ db: GRDB.Database, actor: Actor, action: String, target: String?, details: [String: String], at now: Date) throws {
        let json = String(decoding: try JSONEncoder.sorted.encode(details), as: UTF8.self)
        try db.execute(
            sql: "INSERT INTO audit_log (at, actor, action, target, details, origin) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [now.millis, actor.name, action, target, json, actor.origin])
    }

    /// Records a mutating action on its own.
    public func audit(_ actor: Actor, action: String, target: String?, details: [String: String] = [:], at now: Date) throws {
        try pool.write { db in try Self.audit(db, actor: actor, action: action, target: target, details: details, at: now) }
    }

    /// Audit rows, newest first.
    public func auditEntries(since: Date? = nil, actor: String? = nil, limit: Int = 100) throws -> [AuditEntry] {
        try pool.read { db in
            var conditions: [String] = []
            var args: [any DatabaseValueConvertible] = []
            if let since {
                conditions.append("at >= ?")
                args.append(since.millis)
            }
            if let actor {
                conditions.append("actor = ?")
                args.append(actor)
            }
            let whereSQL = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db, sql: "SELECT * FROM audit_log \(whereSQL) ORDER BY id DESC LIMIT \(max(1, min(limit, 10_000)))",
                arguments: StatementArguments(args)
            ).map { row in
                let json: String = row["details"]
                return AuditEntry(
                    id: row["id"], at: Date(millis: row["at"]), actor: row["actor"], action: row["action"],
                    target: row["target"],
                    details: (try? JSONDecoder().decode([String: String].self, from: Data(json.utf8))) ?? [:],
                    origin: row["origin"])
            }
        }
    }

    /// Replaces the operators table with the configured operators (the configuration is the source of truth).
    public func replaceOperators(_ operators: [Operator], at now: Date) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM operators")
            for op in operators {
                let roles = String(decoding: try JSONEncoder.sorted.encode(op.roles.map(\.rawValue).sorted()), as: UTF8.self)
                let zones = String(decoding: try JSONEncoder.sorted.encode(op.zonePaths), as: UTF8.self)
                try db.execute(
                    sql: "INSERT INTO operators (name, unix_user, token_hash, roles, zone_paths, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [op.name, op.unixUser, op.tokenSHA256, roles, zones, now.millis])
            }
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}

extension CommcastDatabase {
    /// Records the start or end of a live broadcast: an audit row and a report for
    /// the province, in one transaction (docs/live.md).
    public func recordLiveEvent(_ actor: Actor, kind: String, liveID: String, details: [String: String], at now: Date) throws {
        try pool.write { db in try Self.recordLiveEvent(db, actor, kind: kind, liveID: liveID, details: details, at: now) }
    }

    static func recordLiveEvent(
        _ db: GRDB.Database, _ actor: Actor, kind: String, liveID: String, details: [String: String], at now: Date
    ) throws {
        try audit(db, actor: actor, action: kind, target: liveID, details: details, at: now)
        var payload = details
        payload["live_id"] = liveID
        payload["actor"] = actor.name
        payload["at"] = ISO8601DateFormatter().string(from: now)
        try enqueueReport(db, key: "\(kind):\(liveID)", kind: ReportKind(rawValue: kind), payload: payload, at: now)
    }

    /// Ends, in the audit and the province's report, every live broadcast that started
    /// and never stopped: the daemon stopped while it was on air (killed, the host lost
    /// power). Called at start, before anything can go on air again, so a broadcast never
    /// ends silently. The true end is unknown; it is recorded at `now`, with the reason.
    /// - Returns: the live ids ended.
    public func endLiveBroadcastsLeftOnAir(by actor: Actor, reason: String, at now: Date) throws -> [String] {
        try pool.write { db in
            let open = try Row.fetchAll(
                db,
                sql: """
                    SELECT target, at, details FROM audit_log s
                    WHERE action = 'live_started' AND target IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM audit_log e WHERE e.action = 'live_stopped' AND e.target = s.target)
                    ORDER BY id
                    """)
            var ended: [String] = []
            for row in open {
                let liveID: String = row["target"]
                let started = Date(millis: row["at"])
                let json: String = row["details"]
                let was = (try? JSONDecoder().decode([String: String].self, from: Data(json.utf8))) ?? [:]
                let details = [
                    "reason": reason, "level": was["level"] ?? "", "source": was["source"] ?? "",
                    "seconds": "\(max(0, Int(now.timeIntervalSince(started))))",
                ]
                try Self.recordLiveEvent(db, actor, kind: "live_stopped", liveID: liveID, details: details, at: now)
                ended.append(liveID)
            }
            return ended
        }
    }
}
