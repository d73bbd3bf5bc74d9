import CommcastCore
import Foundation
import GRDB

extension CommcastDatabase {
    /// Adds a cluster to an existing zone, with the public half of its link key.
    public func addCluster(_ cluster: Cluster, publicKey: Data? = nil, at now: Date) throws {
        let problems = cluster.validate()
        guard problems.isEmpty else { throw StoreError.invalid(problems) }
        try pool.write { db in try Self.insert(cluster, publicKey: publicKey, db: db, now: now) }
    }

    /// Clusters, optionally only those in a zone subtree, ordered by id.
    public func clusters(under scope: String? = nil) throws -> [Cluster] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.*, z.path AS zone_path FROM clusters c JOIN zones z ON z.id = c.zone_id ORDER BY c.id
                    """
            ).map(Self.cluster(from:)).filter { scope == nil || ZonePath.isWithin($0.zonePath, scope: scope!) }
        }
    }

    /// One cluster.
    public func cluster(id: String) throws -> Cluster? {
        try pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT c.*, z.path AS zone_path FROM clusters c JOIN zones z ON z.id = c.zone_id WHERE c.id = ?",
                arguments: [id]
            ).map(Self.cluster(from:))
        }
    }

    /// Moves a cluster to another zone.
    public func moveCluster(id: String, to zonePath: String) throws {
        try pool.write { db in
            guard let zone = try Self.fetchZone(db, path: zonePath) else {
                throw StoreError(.notFound, "zone: got \(zonePath), expected an existing zone (commcast zone list)")
            }
            try db.execute(sql: "UPDATE clusters SET zone_id = ? WHERE id = ?", arguments: [zone.id, id])
            if db.changesCount == 0 { throw StoreError(.notFound, "cluster: got \(id), expected an existing cluster id (commcast cluster list)") }
        }
    }

    /// Removes a cluster that has no airing history; one with history is refused (counts must stay exact).
    public func removeCluster(id: String) throws {
        try pool.write { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clusters WHERE id = ?", arguments: [id]) == 1 else {
                throw StoreError(.notFound, "cluster: got \(id), expected an existing cluster id (commcast cluster list)")
            }
            let history =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM airings WHERE cluster_id = ? AND outcome NOT IN ('planned', 'withdrawn', 'cancelled')",
                    arguments: [id]) ?? 0
            if history > 0 {
                throw StoreError(
                    .conflict, "cluster \(id) has \(history) airing(s) on record; it cannot be removed without losing counts (revoke it instead)")
            }
            try db.execute(sql: "DELETE FROM airings WHERE cluster_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM bulletin_targets WHERE cluster_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM clusters WHERE id = ?", arguments: [id])
        }
    }

    /// Imports clusters from CSV rows all-or-nothing: every bad row is reported by
    /// line number and nothing is written unless all rows are good.
    public func importClusters(_ rows: [ClusterCSV.Row], createZones: Bool, publicKeys: [String: Data] = [:], at now: Date) throws -> Int {
        try pool.write { db in
            var problems: [String] = []
            var seen: [String: Int] = [:]
            for row in rows {
                let c = row.cluster
                for p in c.validate() { problems.append("line \(row.line): \(p)") }
                if let first = seen[c.id] { problems.append("line \(row.line): id \(c.id) repeats line \(first)") }
                seen[c.id] = seen[c.id] ?? row.line
                if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clusters WHERE id = ?", arguments: [c.id]) == 1 {
                    problems.append("line \(row.line): id: got \(c.id), expected a new cluster id (\(c.id) already exists)")
                }
                if !createZones, try Self.fetchZone(db, path: c.zonePath) == nil {
                    problems.append("line \(row.line): zone: got \(c.zonePath), expected an existing zone")
                }
            }
            guard problems.isEmpty else { throw StoreError(.invalid, ClusterCSV.summary(problems)) }
            for row in rows {
                if createZones { _ = try Self.ensureZone(db, path: row.cluster.zonePath, now: now) }
                try Self.insert(row.cluster, publicKey: publicKeys[row.cluster.id], db: db, now: now)
            }
            return rows.count
        }
    }

    static func insert(_ cluster: Cluster, publicKey: Data? = nil, db: GRDB.Database, now: Date) throws {
        guard let zone = try fetchZone(db, path: cluster.zonePath) else {
            throw StoreError(.notFound, "zone: got \(cluster.zonePath), expected an existing zone (commcast zone list)")
        }
        if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clusters WHERE id = ?", arguments: [cluster.id]) == 1 {
            throw StoreError(.conflict, "cluster: got \(cluster.id), expected a new cluster id (\(cluster.id) already exists)")
        }
        let tags = String(decoding: try JSONEncoder().encode(cluster.tags), as: UTF8.self)
        try db.execute(
            sql: """
                INSERT INTO clusters (id, name, zone_id, latitude, longitude, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [cluster.id, cluster.name, zone.id, cluster.latitude, cluster.longitude, tags, now.millis])
        if let publicKey { try Self.storeKey(publicKey, clusterID: cluster.id, db: db, now: now) }
    }

    static func ensureZone(_ db: GRDB.Database, path: String, now: Date) throws -> Int64 {
        var parentID: Int64?
        var current = ""
        for name in try ZonePath.components(path) {
            current = current.isEmpty ? name : "\(current)/\(name)"
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM zones WHERE path = ?", arguments: [current]) {
                parentID = id
            } else {
                try db.execute(
                    sql: "INSERT INTO zones (parent_id, name, path, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [parentID, name, current, now.millis])
                parentID = db.lastInsertedRowID
            }
        }
        return parentID!
    }

    static func cluster(from row: Row) -> Cluster {
        let tagsJSON: String = row["tags"] ?? "[]"
        let tags = (try? JSONDecoder().decode([String].self, from: Data(tagsJSON.utf8))) ?? []
        return Cluster(
            id: row["id"], name: row["name"], zonePath: row["zone_path"], latitude: row["latitude"],
            longitude: row["longitude"], tags: tags)
    }
}
