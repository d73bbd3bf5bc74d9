import Foundation
import GRDB

/// What `backup(to:)` wrote.
public struct DatabaseBackup: Sendable, Equatable {
    /// Bytes of the copy.
    public var bytes: Int
    /// `PRAGMA integrity_check` of the copy: `ok`, or what is wrong.
    public var integrity: String
    /// The media files the copy references, by sha256.
    public var media: [String]
    /// Their bytes.
    public var mediaBytes: Int
}

extension CommcastDatabase {
    /// A consistent copy of the whole database at `path` while the station runs, by
    /// SQLite's online backup API (readers and the writer go on meanwhile), checked
    /// with `PRAGMA integrity_check`. Written beside `path` and renamed into place, so
    /// a copy that fails half way never looks whole. `path` must not exist.
    public func backup(to path: String) throws -> DatabaseBackup {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.conflict, "path: \(path) exists; expected a new file (a backup never overwrites)")
        }
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let copy = try DatabaseQueue(path: partial)
            try pool.backup(to: copy)
            let integrity = try copy.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
            let (media, mediaBytes) = try copy.read { db -> ([String], Int) in
                let rows = try Row.fetchAll(db, sql: "SELECT sha256, size_bytes FROM media ORDER BY sha256")
                return (rows.map { $0["sha256"] }, rows.reduce(0) { $0 + ($1["size_bytes"] as Int) })
            }
            try copy.close()
            try FileManager.default.moveItem(atPath: partial, toPath: path)
            let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            return DatabaseBackup(bytes: bytes, integrity: integrity, media: media, mediaBytes: mediaBytes)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }
}
