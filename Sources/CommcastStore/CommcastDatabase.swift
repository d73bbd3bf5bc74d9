import CommcastCore
import Foundation
import GRDB
import Logging

/// The station's SQLite database: a WAL-mode `DatabasePool`, migrated on open.
///
/// WAL lets the control API read while the scheduler writes; `synchronous=FULL`
/// makes every committed transaction survive `kill -9` and power loss, which the
/// no-lost-receipt rule needs more than the few hundred writes a second it costs.
public final class CommcastDatabase: Sendable {
    /// The pool; later services run their own queries on it.
    public let pool: DatabasePool
    /// The database file.
    public let path: String

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String, logger: Logger) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        // Each connection has its own page cache; on a 2-core station host more than
        // three readers only hold more copies of the same pages.
        configuration.maximumReaderCount = 3
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -1024") }
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        let migrator = SchemaMigrations.migrator
        let pending = try pool.read { db in try migrator.appliedIdentifiers(db) }
        try migrator.migrate(pool)
        let applied = Set(SchemaMigrations.identifiers).subtracting(pending)
        if !applied.isEmpty {
            logger.info("database migrated", metadata: ["path": "\(path)", "applied": "\(applied.sorted())"])
        }
        self.pool = pool
        self.path = path
    }

    /// Row counts of the main tables.
    public func counts() throws -> StoreCounts {
        try pool.read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            return StoreCounts(
                zones: try count("SELECT COUNT(*) FROM zones"),
                clusters: try count("SELECT COUNT(*) FROM clusters"),
                operators: try count("SELECT COUNT(*) FROM operators"),
                bulletins: try count("SELECT COUNT(*) FROM bulletins"),
                media: try count("SELECT COUNT(*) FROM media"),
                airings: try count("SELECT COUNT(*) FROM airings"),
                outboxPending: try count("SELECT COUNT(*) FROM report_outbox WHERE delivered_at IS NULL")
            )
        }
    }

    /// Records an encoded media file; a second insert of the same hash is a no-op.
    public func recordMedia(_ media: MediaRecord) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO media (sha256, size_bytes, duration_ms, source_kind, source_container, measured_lufs, gain_db, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(sha256) DO NOTHING
                    """,
                arguments: [
                    media.sha256, media.sizeBytes, media.durationMilliseconds, media.sourceKind,
                    media.sourceContainer, media.measuredLUFS, media.gainDB, media.createdAt,
                ])
        }
    }

    /// The media row of `sha256`.
    public func mediaRecord(sha256: String) throws -> MediaRecord? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM media WHERE sha256 = ?", arguments: [sha256]).map { row in
                MediaRecord(
                    sha256: row["sha256"], sizeBytes: row["size_bytes"], durationMilliseconds: row["duration_ms"],
                    sourceKind: row["source_kind"], sourceContainer: row["source_container"],
                    measuredLUFS: row["measured_lufs"], gainDB: row["gain_db"], createdAt: row["created_at"])
            }
        }
    }

    /// Appends one row to the audit log.
    public func audit(actor: String, action: String, target: String?, details: String = "{}", origin: String, at: Date) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO audit_log (at, actor, action, target, details, origin) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [Int64(at.timeIntervalSince1970 * 1000), actor, action, target, details, origin])
        }
    }
}

/// A row of the `media` table.
public struct MediaRecord: Sendable, Equatable {
    public var sha256: String
    public var sizeBytes: Int
    public var durationMilliseconds: Int
    /// `file`, `text`, `microphone` or `relay`.
    public var sourceKind: String
    public var sourceContainer: String?
    public var measuredLUFS: Double?
    public var gainDB: Double
    /// Milliseconds since 1970 UTC.
    public var createdAt: Int64

    public init(
        sha256: String, sizeBytes: Int, durationMilliseconds: Int, sourceKind: String,
        sourceContainer: String?, measuredLUFS: Double?, gainDB: Double, createdAt: Int64
    ) {
        self.sha256 = sha256
        self.sizeBytes = sizeBytes
        self.durationMilliseconds = durationMilliseconds
        self.sourceKind = sourceKind
        self.sourceContainer = sourceContainer
        self.measuredLUFS = measuredLUFS
        self.gainDB = gainDB
        self.createdAt = createdAt
    }
}
