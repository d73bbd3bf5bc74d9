import CommcastCore
import CommcastStore

/// What an operator may see and touch: the zones of their scope and everything
/// below them (docs/operators.md). Every entry point asks here, so the socket, the
/// province and the console draw the line in the same place.
///
/// Outside the scope, a single thing named by id reads as not found (an operator
/// learns nothing of another commune), while a target the operator chose to name is
/// refused by name, so a typo is explained.
public struct OperatorScope: Sendable {
    let database: CommcastDatabase

    public init(database: CommcastDatabase) {
        self.database = database
    }

    /// The zones the operator sees.
    public func zones(for op: Operator) throws -> [Zone] {
        try database.zones().filter { op.isAdministrator || op.covers(zonePath: $0.path) }
    }

    /// The clusters under `zone` (all when nil) that the operator covers; a zone the
    /// station does not have is named, not answered with an empty list.
    public func clusters(under zone: String?, for op: Operator) throws -> [Cluster] {
        let path = try zone.map { try ZonePath.normalize($0, field: "zone") }
        if let path, try database.zone(path: path) == nil {
            throw Refusal.notFound("zone: got \(path), expected an existing zone (commcast zone list)")
        }
        return try database.clusters(under: path).filter { op.covers(zonePath: $0.zonePath) }
    }

    /// One cluster, if it exists and lies in the operator's zones.
    public func cluster(_ id: String, for op: Operator) throws -> Cluster {
        guard let cluster = try database.cluster(id: id), op.covers(zonePath: cluster.zonePath) else {
            throw Refusal.notFound("cluster: got \(id), expected an existing cluster id (commcast cluster list)")
        }
        return cluster
    }

    /// Every target must exist and lie inside the operator's zones.
    public func requireTargets(_ targets: [BulletinTarget], for op: Operator) throws {
        guard !targets.isEmpty else { throw Refusal.invalid("targets: none given, expected at least one --zone or --cluster") }
        for target in targets {
            if let zone = target.zone {
                let path = try ZonePath.normalize(zone)
                guard try database.zone(path: path) != nil else {
                    throw Refusal.notFound("zone: got \(path), expected an existing zone (commcast zone list)")
                }
                guard op.covers(zonePath: path) else { throw outside(op, "zone \(path) is outside") }
            } else if let id = target.cluster {
                guard let cluster = try database.cluster(id: id) else {
                    throw Refusal.notFound("cluster: got \(id), expected an existing cluster id (commcast cluster list)")
                }
                guard op.covers(zonePath: cluster.zonePath) else { throw outside(op, "cluster \(id) is in \(cluster.zonePath)") }
            } else {
                throw Refusal.invalid("targets: each target needs a zone or a cluster")
            }
        }
    }

    /// The operator covers `zonePath` (to read its statistics, say).
    public func requireZone(_ zonePath: String, for op: Operator) throws {
        guard op.covers(zonePath: zonePath) else { throw outside(op, "\(zonePath) is outside") }
    }

    /// A zone the station has and the operator covers (to read its figures, say).
    public func requireKnownZone(_ zonePath: String, for op: Operator) throws -> String {
        let path = try ZonePath.normalize(zonePath, field: "zone")
        guard try database.zone(path: path) != nil else {
            throw Refusal.notFound("zone: got \(path), expected an existing zone (commcast zone list)")
        }
        try requireZone(path, for: op)
        return path
    }

    /// Changing zones and clusters needs the supervisor role and the zone in scope.
    public func requireInventory(_ zonePath: String, for op: Operator) throws {
        guard op.managesInventory else { throw Refusal.forbidden("\(op.name) needs the supervisor role to change zones and clusters") }
        try requireZone(zonePath, for: op)
    }

    /// Whether any of `zonePaths` reaches into the operator's zones, including
    /// province-wide targets above them.
    public func reaches(_ zonePaths: [String], op: Operator) -> Bool {
        op.isAdministrator
            || zonePaths.contains { p in
                op.zonePaths.contains { ZonePath.isWithin(p, scope: $0) || ZonePath.isWithin($0, scope: p) }
            }
    }

    /// An operator sees bulletins that reach into their zones.
    public func isVisible(_ bulletin: Bulletin, to op: Operator) throws -> Bool {
        if op.isAdministrator { return true }
        return reaches(try database.targetZonePaths(bulletinID: bulletin.id), op: op)
    }

    /// The zones statistics are restricted to: all for an administrator.
    public func statisticsScope(for op: Operator) -> [String]? {
        op.isAdministrator ? nil : op.zonePaths
    }

    /// The clusters a broadcast reaches: the named zones (with everything below)
    /// and clusters, or every cluster the operator covers; each must be the operator's.
    public func liveClusters(zones: [String], clusters clusterIDs: [String], for op: Operator) throws -> Set<String> {
        var ids = Set<String>()
        for raw in zones {
            let zone = try ZonePath.normalize(raw, field: "zones")
            guard try database.zone(path: zone) != nil else { throw Refusal.invalid("zones: no zone \"\(zone)\"") }
            guard op.covers(zonePath: zone) else { throw Refusal.forbidden("\(op.name) does not cover zone \(zone)") }
            ids.formUnion(try database.clusters(under: zone).map(\.id))
        }
        for id in clusterIDs {
            guard let cluster = try database.cluster(id: id) else { throw Refusal.invalid("clusters: no cluster \"\(id)\"") }
            guard op.covers(zonePath: cluster.zonePath) else { throw Refusal.forbidden("\(op.name) does not cover cluster \(id)") }
            ids.insert(id)
        }
        if zones.isEmpty && clusterIDs.isEmpty {
            ids = Set(try clusters(under: nil, for: op).map(\.id))
        }
        guard !ids.isEmpty else { throw Refusal.invalid("targets: no cluster to broadcast to") }
        return ids
    }

    /// The clusters under `zones`, for what the station starts itself (relay, the province).
    public func clusterIDs(under zones: [String]) throws -> Set<String> {
        var ids = Set<String>()
        for zone in zones { ids.formUnion(try database.clusters(under: zone).map(\.id)) }
        return ids
    }

    private func outside(_ op: Operator, _ what: String) -> Refusal {
        .forbidden("\(op.name) may act only on \(op.zonePaths.joined(separator: ", ")); \(what)")
    }
}
