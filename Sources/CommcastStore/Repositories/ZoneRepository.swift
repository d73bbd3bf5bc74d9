import CommcastCore
import Foundation
import GRDB

extension CommcastDatabase {
    /// Adds a zone; with `createParents`, missing ancestors are created too (like `mkdir -p`).
    @discardableResult
    public func addZone(path rawPath: String, createParents: Bool, quietHours: QuietHours?, at now: Date) throws -> Zone {
        let parts: [String]
        do { parts = try ZonePath.components(rawPath) } catch { throw StoreError.invalid([error]) }
        return try pool.write { db in
            var parentID: Int64?
            var path = ""
            for (i, name) in parts.enumerated() {
                path = path.isEmpty ? name : "\(path)/\(name)"
                let isLast = i == parts.count - 1
                if let existing = try Row.fetchOne(db, sql: "SELECT id FROM zones WHERE path = ?", arguments: [path]) {
                    if isLast { throw StoreError(.conflict, "zone: got \(path), expected a new zone (\(path) already exists)") }
                    parentID = existing["id"]
                    continue
                }
                if !isLast && !createParents {
                    throw StoreError(.notFound, "parent zone \(path) does not exist; create it first or pass --parents")
                }
                try db.execute(
                    sql: """
                        INSERT INTO zones (parent_id, name, path, created_at, quiet_start, quiet_end) VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        parentID, name, path, now.millis, isLast ? quietHours?.start.description : nil,
                        isLast ? quietHours?.end.description : nil,
                    ])
                parentID = db.lastInsertedRowID
            }
            return try Self.fetchZone(db, path: path)!
        }
    }

    /// Every zone, ordered by path (which is also tree order).
    public func zones(under scope: String? = nil) throws -> [Zone] {
        try pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT z.*, (SELECT COUNT(*) FROM clusters c WHERE c.zone_id = z.id) AS cluster_count
                    FROM zones z ORDER BY z.path
                    """)
            return rows.map(Self.zone(from:)).filter { scope == nil || ZonePath.isWithin($0.path, scope: scope!) }
        }
    }

    /// One zone by path.
    public func zone(path: String) throws -> Zone? {
        try pool.read { try Self.fetchZone($0, path: path) }
    }

    /// Sets or clears a zone's own quiet hours.
    public func setQuietHours(zonePath: String, _ quiet: QuietHours?) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE zones SET quiet_start = ?, quiet_end = ? WHERE path = ?",
                arguments: [quiet?.start.description, quiet?.end.description, zonePath])
            if db.changesCount == 0 { throw StoreError(.notFound, "zone: got \(zonePath), expected an existing zone (commcast zone list)") }
        }
    }

    /// Removes an empty zone: one with children or clusters is refused, naming them.
    public func removeZone(path: String) throws {
        try pool.write { db in
            guard let zone = try Self.fetchZone(db, path: path) else {
                throw StoreError(.notFound, "zone: got \(path), expected an existing zone (commcast zone list)")
            }
            let children = try String.fetchAll(db, sql: "SELECT path FROM zones WHERE parent_id = ? ORDER BY path LIMIT 3", arguments: [zone.id])
            if !children.isEmpty {
                throw StoreError(
                    .conflict,
                    "zone: got \(path), expected an empty zone; it has child zones (\(children.joined(separator: ", "))): remove them first")
            }
            let clusters = try String.fetchAll(db, sql: "SELECT id FROM clusters WHERE zone_id = ? ORDER BY id LIMIT 3", arguments: [zone.id])
            if !clusters.isEmpty {
                throw StoreError(.conflict, "zone \(path) still holds clusters (\(clusters.joined(separator: ", "))…); move or remove them first")
            }
            let targeted =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM bulletin_targets t JOIN bulletins b ON b.id = t.bulletin_id
                        WHERE t.zone_id = ? AND b.state IN ('pending','active','paused')
                        """, arguments: [zone.id]) ?? 0
            if targeted > 0 {
                throw StoreError(.conflict, "zone \(path) is the target of \(targeted) active, paused or pending bulletin(s); cancel them first")
            }
            try db.execute(sql: "DELETE FROM bulletin_targets WHERE zone_id = ?", arguments: [zone.id])
            try db.execute(sql: "DELETE FROM zones WHERE id = ?", arguments: [zone.id])
        }
    }

    static func fetchZone(_ db: GRDB.Database, path: String) throws -> Zone? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT z.*, (SELECT COUNT(*) FROM clusters c WHERE c.zone_id = z.id) AS cluster_count FROM zones z WHERE path = ?
                """, arguments: [path]
        ).map(zone(from:))
    }

    static func zone(from row: Row) -> Zone {
        var quiet: QuietHours?
        if let s: String = row["quiet_start"], let e: String = row["quiet_end"],
            let start = try? TimeOfDay(parsing: s), let end = try? TimeOfDay(parsing: e)
        {
            quiet = QuietHours(start: start, end: end)
        }
        return Zone(
            id: row["id"], parentID: row["parent_id"], name: row["name"], path: row["path"],
            quietHours: quiet, clusterCount: row["cluster_count"] ?? 0)
    }

    /// The quiet hours in force for each zone path: its own, else the nearest ancestor's, else `fallback`.
    func effectiveQuietHours(_ db: GRDB.Database, fallback: QuietHours?) throws -> [Int64: QuietHours?] {
        let zones = try Row.fetchAll(db, sql: "SELECT * FROM zones").map(Self.zone(from:))
        let byID = Dictionary(uniqueKeysWithValues: zones.map { ($0.id, $0) })
        var result: [Int64: QuietHours?] = [:]
        for zone in zones {
            var current: Zone? = zone
            var found: QuietHours?? = nil
            while let z = current, found == nil {
                if let q = z.quietHours { found = .some(q) }
                current = z.parentID.flatMap { byID[$0] }
            }
            result[zone.id] = found ?? fallback
        }
        return result
    }
}

extension Date {
    /// Milliseconds since 1970, the store's time unit.
    var millis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    init(millis: Int64) { self.init(timeIntervalSince1970: Double(millis) / 1000) }
}
