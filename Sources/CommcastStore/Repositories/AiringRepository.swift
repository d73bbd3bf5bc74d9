import CommcastCore
import Foundation
import GRDB

/// A cluster's receipt for an airing.
public struct AiringReceipt: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case started, completed, interrupted, failed
    }

    /// Unique per receipt; the same id twice counts once.
    public var receiptID: String
    public var airingID: Int64
    public var kind: Kind
    /// When it happened, on the station's clock.
    public var at: Date
    public var reason: String?
    /// When it happened by the cluster's own clock, if it differs.
    public var clusterAt: Date?

    public init(receiptID: String, airingID: Int64, kind: Kind, at: Date, reason: String? = nil, clusterAt: Date? = nil) {
        self.receiptID = receiptID
        self.airingID = airingID
        self.kind = kind
        self.at = at
        self.reason = reason
        self.clusterAt = clusterAt
    }
}

/// An airing as the link sends it to its cluster.
public struct ClusterAiring: Sendable, Equatable, Hashable {
    public var airingID: Int64
    public var bulletinID: Int64
    public var clusterID: String
    public var title: String
    public var level: BulletinLevel
    public var start: Date
    public var durationMilliseconds: Int
    public var mediaSHA256: String
    public var mediaSize: Int
}

/// A stored airing row.
public struct AiringRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var bulletinID: Int64
    public var clusterID: String
    public var plannedAt: Date
    public var startedAt: Date?
    public var endedAt: Date?
    public var outcome: String
    public var reason: String?
}

extension CommcastDatabase {
    /// Everything the planner needs, read in one transaction.
    public func plannerInput(horizon: DateInterval, defaultQuietHours: QuietHours?, clusterIDs: Set<String>? = nil) throws -> Planner.Input {
        try pool.read { db in
            let quiet = try effectiveQuietHours(db, fallback: defaultQuietHours)
            let clusterRows = try Row.fetchAll(db, sql: "SELECT c.id, c.zone_id, z.path FROM clusters c JOIN zones z ON z.id = c.zone_id")
            var clusters: [Planner.Cluster] = []
            var clustersByZonePath: [String: [String]] = [:]
            for row in clusterRows {
                let id: String = row["id"]
                if let filter = clusterIDs, !filter.contains(id) { continue }
                clusters.append(Planner.Cluster(id: id, quietHours: quiet[row["zone_id"]] ?? defaultQuietHours))
                clustersByZonePath[row["path"], default: []].append(id)
            }
            let zonePaths = clustersByZonePath.keys.sorted()
            let bulletins = try Self.fetchBulletins(db, whereSQL: "b.state = 'active'", arguments: [], limit: 1_000_000)
            var planned: [Planner.Bulletin] = []
            for b in bulletins {
                var targets: [String] = []
                for t in b.targets {
                    if let path = t.zone {
                        for zp in zonePaths where ZonePath.isWithin(zp, scope: path) { targets += clustersByZonePath[zp]! }
                    } else if let c = t.cluster {
                        targets.append(c)
                    }
                }
                planned.append(
                    Planner.Bulletin(
                        id: b.id, title: b.title, level: b.level, duration: b.durationSeconds,
                        queuedAt: b.createdAt, rules: b.rules.map { Planner.Rule(id: $0.id, rule: $0.rule) },
                        clusterIDs: targets))
            }
            var prior: [Planner.RuleCluster: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT rule_id, cluster_id, COUNT(*) AS n FROM airings
                    WHERE rule_id IS NOT NULL AND planned_at < ? AND outcome IN ('planned','started','completed','interrupted')
                    GROUP BY rule_id, cluster_id
                    """, arguments: [horizon.start.millis])
            {
                prior[Planner.RuleCluster(ruleID: row["rule_id"], clusterID: row["cluster_id"])] = row["n"]
            }
            // What already holds a cluster in the horizon: an airing playing now (or due
            // to have started), and one shifted past a wanted time that has passed, which
            // the rule's occurrences from now on would not make again (issue 18).
            var committed: [PlannedAiring] = []
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT a.bulletin_id, a.cluster_id, a.rule_id, a.planned_at, COALESCE(a.wanted_at, a.planned_at) AS wanted_at,
                           a.reason, COALESCE(m.duration_ms, 0) AS duration_ms, b.level, b.state
                    FROM airings a JOIN bulletins b ON b.id = a.bulletin_id LEFT JOIN media m ON m.sha256 = b.media_sha256
                    WHERE a.outcome IN ('planned', 'started') AND a.planned_at < ? AND a.planned_at + COALESCE(m.duration_ms, 0) > ?
                      AND (a.planned_at < ? OR (COALESCE(a.wanted_at, a.planned_at) < ? AND b.state = 'active'))
                    """, arguments: [horizon.end.millis, horizon.start.millis, horizon.start.millis, horizon.start.millis])
            {
                let start = Date(millis: row["planned_at"])
                committed.append(
                    PlannedAiring(
                        bulletinID: row["bulletin_id"], ruleID: row["rule_id"] ?? 0, clusterID: row["cluster_id"],
                        level: BulletinLevel(rawValue: row["level"]) ?? .normal, wantedAt: Date(millis: row["wanted_at"]), start: start,
                        end: start.addingTimeInterval(Double(row["duration_ms"] as Int64) / 1000), reason: row["reason"]))
            }
            return Planner.Input(bulletins: planned, clusters: clusters, horizon: horizon, priorAirings: prior, committed: committed)
        }
    }

    /// Makes the stored planned airings in `plan.horizon` match the plan, keeping the
    /// ids of rows that stay (clusters hold them), and never touching rows with receipts.
    /// A planned airing the plan no longer has is `withdrawn`, not deleted: it may have
    /// been sent to a cluster, which may air it (issue 18); one the plan wants again
    /// comes back under its old id. Returns (inserted, removed).
    @discardableResult
    public func savePlan(_ plan: Plan) throws -> (inserted: Int, removed: Int) {
        try pool.write { db in
            let existing = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, bulletin_id, cluster_id, planned_at, outcome FROM airings a
                    WHERE outcome IN ('planned', 'withdrawn') AND planned_at >= ? AND planned_at < ?
                    AND NOT EXISTS (SELECT 1 FROM airing_receipts r WHERE r.airing_id = a.id)
                    """, arguments: [plan.horizon.start.millis, plan.horizon.end.millis])
            struct Key: Hashable {
                var b: Int64
                var c: String
                var t: Int64
            }
            let wanted = Dictionary(plan.airings.map { (Key(b: $0.bulletinID, c: $0.clusterID, t: $0.start.millis), $0) }) { first, _ in first }
            var kept = Set<Key>()
            var inserted = 0
            var removed = 0
            for row in existing {
                let key = Key(b: row["bulletin_id"], c: row["cluster_id"], t: row["planned_at"])
                let outcome: String = row["outcome"]
                if let airing = wanted[key] {
                    kept.insert(key)
                    if outcome == "withdrawn" {
                        try db.execute(
                            sql: "UPDATE airings SET outcome = 'planned', reason = ?, wanted_at = ? WHERE id = ?",
                            arguments: [airing.reason, Self.wantedMillis(airing), row["id"] as Int64])
                        inserted += 1
                    }
                } else if outcome == "planned" {
                    try db.execute(
                        sql: "UPDATE airings SET outcome = 'withdrawn', reason = 'replanned' WHERE id = ?", arguments: [row["id"] as Int64])
                    removed += 1
                }
            }
            let statement = try db.makeStatement(
                sql: """
                    INSERT INTO airings (bulletin_id, cluster_id, rule_id, planned_at, wanted_at, outcome, reason)
                    VALUES (?, ?, ?, ?, ?, 'planned', ?)
                    ON CONFLICT(bulletin_id, cluster_id, planned_at) DO NOTHING
                    """)
            for (key, a) in wanted where !kept.contains(key) {
                // A committed airing whose rule was deleted has no rule (0 in the plan).
                try statement.execute(arguments: [
                    a.bulletinID, a.clusterID, a.ruleID == 0 ? nil : a.ruleID, a.start.millis, Self.wantedMillis(a), a.reason,
                ])
                inserted += db.changesCount
            }
            return (inserted, removed)
        }
    }

    /// `wanted_at` as stored: NULL when the airing starts when it was wanted.
    static func wantedMillis(_ a: PlannedAiring) -> Int64? { a.wantedAt == a.start ? nil : a.wantedAt.millis }

    /// Withdrawn and cancelled airings nobody sent a receipt for, planned more than
    /// `days` ago: nothing will come for them any more.
    @discardableResult
    public func purgeWithdrawnAirings(olderThan days: Int = 35, at now: Date) throws -> Int {
        try pool.write { db in
            try db.execute(
                sql: """
                    DELETE FROM airings WHERE outcome IN ('withdrawn', 'cancelled') AND planned_at < ?
                    AND NOT EXISTS (SELECT 1 FROM airing_receipts r WHERE r.airing_id = airings.id)
                    """, arguments: [now.millis - Int64(days) * 86_400_000])
            return db.changesCount
        }
    }

    /// Records a receipt exactly once. Returns false when this receipt id was already recorded.
    /// Outcomes only move forward (planned/missed → started → completed, interrupted or failed).
    /// With `clusterID`, a receipt for another cluster's airing is refused (`.forbidden`).
    @discardableResult
    public func recordReceipt(_ receipt: AiringReceipt, receivedAt now: Date, clusterID: String? = nil) throws -> Bool {
        try pool.write { db in
            guard let airing = try Row.fetchOne(db, sql: "SELECT outcome, cluster_id FROM airings WHERE id = ?", arguments: [receipt.airingID]) else {
                throw StoreError(.notFound, "unknown airing #\(receipt.airingID) in receipt \(receipt.receiptID)")
            }
            if let clusterID, airing["cluster_id"] != clusterID {
                throw StoreError(.forbidden, "airing #\(receipt.airingID) belongs to another cluster, not \(clusterID)")
            }
            try db.execute(
                sql: """
                    INSERT INTO airing_receipts (receipt_id, airing_id, kind, at, reason, received_at, cluster_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(receipt_id) DO NOTHING
                    """,
                arguments: [
                    receipt.receiptID, receipt.airingID, receipt.kind.rawValue, receipt.at.millis, receipt.reason, now.millis,
                    receipt.clusterAt?.millis,
                ])
            guard db.changesCount == 1 else { return false }
            let current: String = airing["outcome"]
            // A withdrawn or cancelled airing the cluster aired anyway (from its cache,
            // offline when it was withdrawn) counts for what it did.
            let rank = [
                "planned": 0, "missed": 0, "skipped": 0, "withdrawn": 0, "cancelled": 0, "started": 1, "completed": 2, "interrupted": 2, "failed": 2,
            ]
            switch receipt.kind {
            case .started:
                try db.execute(
                    sql: "UPDATE airings SET started_at = COALESCE(started_at, ?) WHERE id = ?", arguments: [receipt.at.millis, receipt.airingID])
                if rank[current, default: 0] < 1 {
                    try db.execute(sql: "UPDATE airings SET outcome = 'started', reason = NULL WHERE id = ?", arguments: [receipt.airingID])
                }
            case .completed, .interrupted, .failed:
                if rank[current, default: 0] < 2 {
                    try db.execute(
                        sql: "UPDATE airings SET outcome = ?, ended_at = ?, reason = ?, receipt_id = ? WHERE id = ?",
                        arguments: [receipt.kind.rawValue, receipt.at.millis, receipt.reason, receipt.receiptID, receipt.airingID])
                    try Self.enqueueAiringReport(db, airingID: receipt.airingID, at: now)
                }
            }
            return true
        }
    }

    /// Marks planned airings that ended more than `grace` ago without any receipt as missed.
    @discardableResult
    public func markMissed(before cutoff: Date, at now: Date = Date()) throws -> Int {
        try pool.write { db in
            let ids = try Int64.fetchAll(
                db,
                sql: """
                    SELECT id FROM airings WHERE outcome = 'planned' AND planned_at < ?
                    AND NOT EXISTS (SELECT 1 FROM airing_receipts r WHERE r.airing_id = airings.id)
                    """, arguments: [cutoff.millis])
            for id in ids {
                try db.execute(sql: "UPDATE airings SET outcome = 'missed', reason = 'no receipt from the cluster' WHERE id = ?", arguments: [id])
                try Self.enqueueAiringReport(db, airingID: id, at: now)
            }
            return ids.count
        }
    }

    /// Airings still to be played (planned or started) in an interval, with what a
    /// cluster needs to play them, grouped by cluster: the link's `schedule` messages.
    public func clusterAirings(from: Date, to: Date, clusterIDs: Set<String>? = nil) throws -> [String: [ClusterAiring]] {
        try pool.read { db in
            // One cluster (a link that just opened) reads through the (cluster_id, planned_at) index.
            var filter = ""
            var arguments: [any DatabaseValueConvertible] = [from.millis, to.millis]
            if let clusterIDs, clusterIDs.count <= 64 {
                filter = " AND a.cluster_id IN (" + Array(repeating: "?", count: clusterIDs.count).joined(separator: ",") + ")"
                arguments += clusterIDs.sorted().map { $0 as any DatabaseValueConvertible }
            }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT a.id, a.bulletin_id, a.cluster_id, a.planned_at, b.title, b.level, m.sha256, m.size_bytes, m.duration_ms
                    FROM airings a JOIN bulletins b ON b.id = a.bulletin_id JOIN media m ON m.sha256 = b.media_sha256
                    WHERE a.planned_at >= ? AND a.planned_at < ? AND a.outcome IN ('planned', 'started')\(filter)
                    ORDER BY a.cluster_id, a.planned_at
                    """, arguments: StatementArguments(arguments))
            var result: [String: [ClusterAiring]] = [:]
            for row in rows {
                let cluster: String = row["cluster_id"]
                if let clusterIDs, !clusterIDs.contains(cluster) { continue }
                result[cluster, default: []].append(
                    ClusterAiring(
                        airingID: row["id"], bulletinID: row["bulletin_id"], clusterID: cluster, title: row["title"],
                        level: BulletinLevel(rawValue: row["level"]) ?? .normal, start: Date(millis: row["planned_at"]),
                        durationMilliseconds: row["duration_ms"], mediaSHA256: row["sha256"], mediaSize: row["size_bytes"]))
            }
            return result
        }
    }

    /// The airings cancelled on each of these clusters that have not reached their
    /// planned end (plus a minute) at `now`, oldest first: what a cluster must be told
    /// to stop or drop.
    public func activeCancels(clusterIDs: Set<String>, at now: Date) throws -> [String: [Int64]] {
        try pool.read { db in
            var result: [String: [Int64]] = [:]
            let rows = try Row.fetchAll(
                db, sql: "SELECT airing_id, cluster_id FROM airing_cancels WHERE until > ? ORDER BY airing_id", arguments: [now.millis])
            for row in rows {
                let cluster: String = row["cluster_id"]
                if clusterIDs.contains(cluster) { result[cluster, default: []].append(row["airing_id"]) }
            }
            return result
        }
    }

    /// Whether airing `id` of `clusterID` was cancelled (its row may be gone: a cancel
    /// withdraws the airings that had not started).
    public func wasCancelled(airingID id: Int64, clusterID: String) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM airing_cancels WHERE airing_id = ? AND cluster_id = ?", arguments: [id, clusterID]) ?? false
        }
    }

    /// Airing rows in an interval, optionally for one cluster; with `withdrawn`, also
    /// those the planner withdrew or a cancel withdrew that no cluster reported airing.
    public func airings(from: Date, to: Date, clusterID: String? = nil, withdrawn: Bool = false) throws -> [AiringRecord] {
        try pool.read { db in
            var sql = "SELECT * FROM airings WHERE planned_at >= ? AND planned_at < ?"
            if !withdrawn { sql += " AND outcome NOT IN ('withdrawn', 'cancelled')" }
            var args: [any DatabaseValueConvertible] = [from.millis, to.millis]
            if let clusterID {
                sql += " AND cluster_id = ?"
                args.append(clusterID)
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY cluster_id, planned_at", arguments: StatementArguments(args)).map { row in
                let started: Int64? = row["started_at"]
                let ended: Int64? = row["ended_at"]
                return AiringRecord(
                    id: row["id"], bulletinID: row["bulletin_id"], clusterID: row["cluster_id"],
                    plannedAt: Date(millis: row["planned_at"]), startedAt: started.map(Date.init(millis:)),
                    endedAt: ended.map(Date.init(millis:)), outcome: row["outcome"], reason: row["reason"])
            }
        }
    }
}
