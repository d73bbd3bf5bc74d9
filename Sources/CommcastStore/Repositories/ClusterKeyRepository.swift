import CommcastCore
import Crypto
import Foundation
import GRDB

/// What the station holds of a cluster's link key: the public half only.
public struct ClusterKeyRecord: Sendable, Equatable {
    public var clusterID: String
    /// Ed25519 public key, 32 bytes; nil when none was ever issued.
    public var publicKey: Data?
    /// sha256 (hex) of the public key.
    public var fingerprint: String?
    public var issuedAt: Date?
    /// Set by `revoke`; cleared when a new key is issued.
    public var revokedAt: Date?

    /// Whether a link may authenticate with this key.
    public var usable: Bool { publicKey != nil && revokedAt == nil }
}

extension CommcastDatabase {
    /// Replaces a cluster's public key (a new cluster, or `rotate-key`); clears a revocation.
    public func setClusterKey(id: String, publicKey: Data, at now: Date) throws {
        try pool.write { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clusters WHERE id = ?", arguments: [id]) == 1 else {
                throw StoreError(.notFound, "cluster: got \(id), expected an existing cluster id (commcast cluster list)")
            }
            try Self.storeKey(publicKey, clusterID: id, db: db, now: now)
        }
    }

    /// Disables a cluster's key until a new one is issued.
    public func revokeClusterKey(id: String, at now: Date) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE clusters SET revoked_at = ? WHERE id = ?", arguments: [now.millis, id])
            if db.changesCount == 0 { throw StoreError(.notFound, "cluster: got \(id), expected an existing cluster id (commcast cluster list)") }
        }
    }

    /// The key record of a cluster; nil for an unknown cluster.
    public func clusterKey(id: String) throws -> ClusterKeyRecord? {
        try pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT id, public_key, credential_hash, credential_issued_at, revoked_at FROM clusters WHERE id = ?",
                arguments: [id]
            ).map { row in
                let issued: Int64? = row["credential_issued_at"]
                let revoked: Int64? = row["revoked_at"]
                return ClusterKeyRecord(
                    clusterID: row["id"], publicKey: row["public_key"], fingerprint: row["credential_hash"],
                    issuedAt: issued.map(Date.init(millis:)), revokedAt: revoked.map(Date.init(millis:)))
            }
        }
    }

    static func storeKey(_ publicKey: Data, clusterID: String, db: GRDB.Database, now: Date) throws {
        guard publicKey.count == 32 else { throw StoreError(.invalid, "public key: got \(publicKey.count) bytes, expected 32 (Ed25519)") }
        let fingerprint = SHA256.hash(data: publicKey).map { String(format: "%02x", $0) }.joined()
        try db.execute(
            sql: """
                UPDATE clusters SET public_key = ?, credential_hash = ?, credential_issued_at = ?, revoked_at = NULL WHERE id = ?
                """, arguments: [publicKey, fingerprint, now.millis, clusterID])
    }
}

extension CommcastDatabase {
    /// The next schedule revision of each of these clusters, taken and stored in one
    /// transaction: one more than the last one each was sent, whatever happened
    /// between (a reconnect, a key rotation, a restart). Unknown ids are left out.
    public func takeScheduleRevisions(for clusterIDs: [String]) throws -> [String: Int] {
        guard !clusterIDs.isEmpty else { return [:] }
        return try pool.write { db in
            var revisions: [String: Int] = [:]
            for id in clusterIDs {
                if let next = try Int.fetchOne(
                    db, sql: "UPDATE clusters SET schedule_revision = schedule_revision + 1 WHERE id = ? RETURNING schedule_revision",
                    arguments: [id])
                {
                    revisions[id] = next
                }
            }
            return revisions
        }
    }
}
