import CommcastStore
import Foundation
import GRDB
import Logging
import TestSupport
import Testing

@Suite("Database")
struct CommcastDatabaseTests {
    let logger = Logger(label: "test")

    @Test func migratesAnEmptyFileWithWALAndForeignKeys() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try CommcastDatabase(path: dir.file("c.sqlite").path, logger: logger)
        let tables = try db.pool.read {
            try String.fetchAll(
                $0, sql: "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%' ORDER BY name")
        }
        #expect(
            tables == [
                "airing_cancels", "airing_receipts", "airings", "audit_log", "bulletin_targets", "bulletins", "clusters", "health_samples",
                "health_transitions",
                "media", "operator_passwords", "operator_totp", "operators", "province_bulletins", "recurrence_rules", "report_outbox",
                "status_snapshots", "zones",
            ])
        let mode = try db.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        #expect(try db.pool.read { try Int.fetchOne($0, sql: "PRAGMA foreign_keys") } == 1)
        #expect(try db.pool.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 2)  // FULL
        #expect(try db.counts() == .init())
    }

    @Test("the rebuild of airings (v10) carries its AUTOINCREMENT high-water mark: an id deleted before it is never given again")
    func airingIdsSurviveTheRebuild() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        let queue = try DatabaseQueue(path: dir.file("old.sqlite").path, configuration: configuration)
        try SchemaMigrations.migrator.migrate(queue, upTo: "v9-operator-totp")
        try queue.write { db in
            for t in 1...5 { try db.execute(sql: "INSERT INTO airings (bulletin_id, cluster_id, planned_at) VALUES (1, 'a', ?)", arguments: [t]) }
            // The two newest were deleted by a replan of the old code: ids 4 and 5 were given once.
            try db.execute(sql: "DELETE FROM airings WHERE id > 3")
        }
        try SchemaMigrations.migrator.migrate(queue)
        let next = try queue.write { db -> Int64 in
            try db.execute(sql: "INSERT INTO airings (bulletin_id, cluster_id, planned_at) VALUES (1, 'a', 99)")
            return db.lastInsertedRowID
        }
        #expect(next == 6)
        let columns = try queue.read { db in try db.columns(in: "airings").map(\.name) }
        #expect(columns.contains("wanted_at"))
    }

    @Test func reopeningKeepsData() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("c.sqlite").path
        do {
            let db = try CommcastDatabase(path: path, logger: logger)
            try db.audit(actor: "root", action: "test", target: nil, origin: "unit", at: Date())
        }
        let again = try CommcastDatabase(path: path, logger: logger)
        #expect(try again.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM audit_log") } == 1)
        #expect(try again.pool.read { try SchemaMigrations.migrator.appliedIdentifiers($0) } == Set(SchemaMigrations.identifiers))
    }

    @Test func zonesFormATreeOfArbitraryDepth() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try CommcastDatabase(path: dir.file("c.sqlite").path, logger: logger)
        let names = ["binh-phuoc", "dong-xoai", "tan-phu", "ap-1", "to-3", "cum-7"]
        try db.pool.write { d in
            var parent: Int64? = nil
            var path = ""
            for name in names {
                path = path.isEmpty ? name : "\(path)/\(name)"
                try d.execute(sql: "INSERT INTO zones (parent_id, name, path, created_at) VALUES (?, ?, ?, 0)", arguments: [parent, name, path])
                parent = d.lastInsertedRowID
            }
        }
        let depth = try db.pool.read { d in
            try Int.fetchOne(
                d,
                sql: """
                    WITH RECURSIVE up(id, parent_id, depth) AS (
                      SELECT id, parent_id, 1 FROM zones WHERE name = 'cum-7'
                      UNION ALL SELECT z.id, z.parent_id, up.depth + 1 FROM zones z JOIN up ON z.id = up.parent_id)
                    SELECT MAX(depth) FROM up
                    """)
        }
        #expect(depth == names.count)
        // A zone with children cannot be deleted out from under them.
        #expect(throws: DatabaseError.self) {
            try db.pool.write { try $0.execute(sql: "DELETE FROM zones WHERE name = 'tan-phu'") }
        }
        // Names cannot contain the path separator.
        #expect(throws: DatabaseError.self) {
            try db.pool.write { try $0.execute(sql: "INSERT INTO zones (parent_id, name, path, created_at) VALUES (NULL, 'a/b', 'a/b', 0)") }
        }
    }

    @Test func checksRejectImpossibleRows() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try CommcastDatabase(path: dir.file("c.sqlite").path, logger: logger)
        #expect(throws: DatabaseError.self) {
            try db.pool.write {
                try $0.execute(
                    sql: "INSERT INTO bulletins (title, level, source_kind, author, created_at, updated_at) VALUES ('x', 'urgent', 'file', 'a', 0, 0)"
                )
            }
        }
        #expect(throws: DatabaseError.self) {
            try db.pool.write { try $0.execute(sql: "INSERT INTO clusters (id, name, zone_id, created_at) VALUES ('c1', 'c', 999, 0)") }
        }
    }

    @Test func mediaRecordIsIdempotent() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try CommcastDatabase(path: dir.file("c.sqlite").path, logger: logger)
        let record = MediaRecord(
            sha256: String(repeating: "a", count: 64), sizeBytes: 10, durationMilliseconds: 1000,
            sourceKind: "file", sourceContainer: "WAV", measuredLUFS: -20, gainDB: 4, createdAt: 0)
        try db.recordMedia(record)
        try db.recordMedia(record)
        #expect(try db.counts().media == 1)
    }
}
