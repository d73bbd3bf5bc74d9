import CommcastCore
import Foundation
import GRDB

/// A stored heartbeat sample with the health state it was judged to be in.
public struct StoredHealthSample: Sendable, Equatable {
    public var clusterID: String
    public var at: Date
    public var state: HealthState
    public var signalDBm: Int?
    public var volume: Int?
    public var uptimeSeconds: Int?
    public var firmware: String?
    public var playingAiringID: Int64?
    public var cachedCount: Int

    public init(
        clusterID: String, at: Date, state: HealthState, signalDBm: Int?, volume: Int?, uptimeSeconds: Int?, firmware: String?,
        playingAiringID: Int64?, cachedCount: Int
    ) {
        self.clusterID = clusterID
        self.at = at
        self.state = state
        self.signalDBm = signalDBm
        self.volume = volume
        self.uptimeSeconds = uptimeSeconds
        self.firmware = firmware
        self.playingAiringID = playingAiringID
        self.cachedCount = cachedCount
    }
}

extension CommcastDatabase {
    /// Stores heartbeat samples in one transaction (the link batches them).
    public func recordHealthSamples(_ samples: [(clusterID: String, state: HealthState, sample: HeartbeatSample)]) throws {
        guard !samples.isEmpty else { return }
        try pool.write { db in
            let statement = try db.makeStatement(
                sql: """
                    INSERT INTO health_samples (cluster_id, at, state, signal_dbm, volume, uptime_s, firmware, playing, cached)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for (id, state, s) in samples where state != .neverSeen {
                let cached = String(decoding: try JSONEncoder().encode(s.cached), as: UTF8.self)
                try statement.execute(arguments: [
                    id, s.receivedAt.millis, state.rawValue, s.signalDBm, s.volume, s.uptimeSeconds,
                    s.firmware, s.playingAiringID.map(String.init), cached,
                ])
            }
        }
    }

    /// Stores state changes.
    public func recordHealthTransitions(_ transitions: [HealthTransition]) throws {
        guard !transitions.isEmpty else { return }
        try pool.write { db in
            for t in transitions {
                try db.execute(
                    sql: "INSERT INTO health_transitions (cluster_id, at, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?)",
                    arguments: [t.clusterID, t.at.millis, t.from.rawValue, t.to.rawValue, t.reason])
                try Self.enqueueReport(
                    db, key: "cluster_status:\(t.clusterID):\(t.at.millis):\(t.to.rawValue)", kind: .clusterStatus,
                    payload: ClusterStatusReport(
                        clusterId: t.clusterID, from: t.from.rawValue, to: t.to.rawValue,
                        reason: t.reason, at: t.at), at: t.at)
            }
        }
    }

    /// Transitions since `since`, oldest first, for one cluster or all.
    public func healthTransitions(clusterID: String? = nil, since: Date) throws -> [HealthTransition] {
        try pool.read { db in
            var sql = "SELECT * FROM health_transitions WHERE at >= ?"
            var args: [any DatabaseValueConvertible] = [since.millis]
            if let clusterID {
                sql += " AND cluster_id = ?"
                args.append(clusterID)
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY at, id", arguments: StatementArguments(args)).compactMap(Self.transition)
        }
    }

    /// Each cluster's latest stored state (clusters never seen are absent).
    public func latestHealthStates() throws -> [String: HealthState] {
        try latestHealthTransitions().mapValues(\.to)
    }

    /// Each cluster's latest stored transition: its state and since when.
    public func latestHealthTransitions() throws -> [String: HealthTransition] {
        try pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT t.* FROM health_transitions t
                    WHERE t.id = (SELECT MAX(id) FROM health_transitions u WHERE u.cluster_id = t.cluster_id)
                    """)
            var result: [String: HealthTransition] = [:]
            for t in rows.compactMap(Self.transition) { result[t.clusterID] = t }
            return result
        }
    }

    /// Samples of one cluster since `since`, oldest first.
    public func healthSamples(clusterID: String, since: Date) throws -> [StoredHealthSample] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM health_samples WHERE cluster_id = ? AND at >= ? ORDER BY at",
                arguments: [clusterID, since.millis]
            ).map { row in
                let cached: String = row["cached"] ?? "[]"
                let playing: String? = row["playing"]
                return StoredHealthSample(
                    clusterID: row["cluster_id"], at: Date(millis: row["at"]),
                    state: HealthState(rawValue: row["state"]) ?? .offline, signalDBm: row["signal_dbm"],
                    volume: row["volume"], uptimeSeconds: row["uptime_s"], firmware: row["firmware"],
                    playingAiringID: playing.flatMap { Int64($0) },
                    cachedCount: (try? JSONDecoder().decode([String].self, from: Data(cached.utf8)).count) ?? 0)
            }
        }
    }

    /// Deletes samples and transitions older than `cutoff`, but keeps each cluster's
    /// latest transition so its state survives. Returns the rows deleted.
    @discardableResult
    public func pruneHealth(before cutoff: Date) throws -> Int {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM health_samples WHERE at < ?", arguments: [cutoff.millis])
            var deleted = db.changesCount
            try db.execute(
                sql: """
                    DELETE FROM health_transitions WHERE at < ?
                    AND id <> (SELECT MAX(id) FROM health_transitions u WHERE u.cluster_id = health_transitions.cluster_id)
                    """, arguments: [cutoff.millis])
            deleted += db.changesCount
            return deleted
        }
    }

    /// A stored transition; nil for a state this version does not know.
    static func transition(_ row: Row) -> HealthTransition? {
        guard let from = HealthState(rawValue: row["from_state"]), let to = HealthState(rawValue: row["to_state"]) else { return nil }
        return HealthTransition(clusterID: row["cluster_id"], from: from, to: to, at: Date(millis: row["at"]), reason: row["reason"])
    }
}
