import CommcastCore
import Foundation
import GRDB

/// Console passwords: one Argon2id hash per operator (the configuration holds the
/// operators themselves).
extension CommcastDatabase {
    /// The stored hash of an operator's password, nil when none was set.
    public func passwordHash(operatorName: String) throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT hash FROM operator_passwords WHERE operator_name = ?", arguments: [operatorName])
        }
    }

    /// Sets (or replaces) an operator's password hash, and audits it without the hash.
    public func setPasswordHash(_ hash: String, operatorName: String, by actor: Actor, at now: Date) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO operator_passwords (operator_name, hash, changed_at, changed_by) VALUES (?, ?, ?, ?)
                    ON CONFLICT(operator_name) DO UPDATE SET hash = excluded.hash, changed_at = excluded.changed_at,
                    changed_by = excluded.changed_by
                    """, arguments: [operatorName, hash, now.millis, actor.name])
            try Self.audit(db, actor: actor, action: "operator.passwd", target: operatorName, details: [:], at: now)
        }
    }

    /// Replaces a hash made with older parameters at a login, without an audit entry
    /// (the password did not change).
    public func rehashPassword(_ hash: String, operatorName: String) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE operator_passwords SET hash = ? WHERE operator_name = ?", arguments: [hash, operatorName])
        }
    }
}
