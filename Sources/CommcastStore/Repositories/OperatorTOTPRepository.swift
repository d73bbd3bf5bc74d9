import CommcastCore
import Foundation
import GRDB

/// Console second factors: one TOTP secret per enrolled operator.
extension CommcastDatabase {
    /// An operator's TOTP secret and the last step a login used, nil when not enrolled.
    public func totp(operatorName: String) throws -> (secret: [UInt8], lastStep: Int64)? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT secret, last_step FROM operator_totp WHERE operator_name = ?", arguments: [operatorName]).map {
                (Array($0["secret"] as Data), $0["last_step"])
            }
        }
    }

    /// Enrolls (or re-enrolls) an operator, or with a nil secret removes the second
    /// factor; audited without the secret.
    public func setTOTP(_ secret: [UInt8]?, operatorName: String, by actor: Actor, at now: Date) throws {
        try pool.write { db in
            if let secret {
                try db.execute(
                    sql: """
                        INSERT INTO operator_totp (operator_name, secret, last_step, enrolled_at, enrolled_by) VALUES (?, ?, 0, ?, ?)
                        ON CONFLICT(operator_name) DO UPDATE SET secret = excluded.secret, last_step = 0,
                        enrolled_at = excluded.enrolled_at, enrolled_by = excluded.enrolled_by
                        """, arguments: [operatorName, Data(secret), now.millis, actor.name])
            } else {
                try db.execute(sql: "DELETE FROM operator_totp WHERE operator_name = ?", arguments: [operatorName])
            }
            try Self.audit(
                db, actor: actor, action: secret == nil ? "operator.totp.remove" : "operator.totp", target: operatorName, details: [:], at: now)
        }
    }

    /// Records that a login used `step`; false when that step (or a later one) was
    /// used already, so the same code cannot log in twice.
    public func useTOTPStep(_ step: Int64, operatorName: String) throws -> Bool {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE operator_totp SET last_step = ? WHERE operator_name = ? AND last_step < ?", arguments: [step, operatorName, step])
            return db.changesCount == 1
        }
    }
}
