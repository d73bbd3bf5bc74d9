import CommcastControlAPI
import CommcastCore
import CommcastLink
import CommcastLinkServer
import CommcastStore
import Foundation

/// Zones and clusters: the station's inventory, changed by supervisors within
/// their zones. Each change is audited and, where it moves the plan, asks for a
/// replan; a cluster whose credential changes loses its open link at once.
public struct InventoryDesk: Sendable {
    let database: CommcastDatabase
    let scope: OperatorScope
    let registry: LinkRegistry
    let replanRequests: ScheduleTrigger
    let now: @Sendable () -> Date

    public init(
        database: CommcastDatabase, scope: OperatorScope, registry: LinkRegistry, replanRequests: ScheduleTrigger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.scope = scope
        self.registry = registry
        self.replanRequests = replanRequests
        self.now = now
    }

    /// Adds a zone (and its missing parents when asked), each within the operator's scope.
    public func addZone(_ request: AddZoneRequest, by op: Operator, actor: Actor) throws -> Zone {
        let path = try ZonePath.normalize(request.path, field: "path")
        try scope.requireInventory(path, for: op)
        if request.parents == true {
            var ancestor = ZonePath.parent(of: path)
            while let a = ancestor, try database.zone(path: a) == nil {
                try scope.requireInventory(a, for: op)
                ancestor = ZonePath.parent(of: a)
            }
        }
        let zone = try database.addZone(
            path: path, createParents: request.parents ?? false, quietHours: try Self.storedQuiet(request.quietHours), at: now())
        try database.audit(actor, action: "zone.add", target: path, details: ["quiet_hours": request.quietHours ?? "inherit"], at: now())
        replanRequests.fire()
        return zone
    }

    /// Sets, clears (`none`) or inherits (nil) a zone's quiet hours.
    public func setQuietHours(_ request: SetQuietHoursRequest, by op: Operator, actor: Actor) throws -> Zone? {
        let path = try ZonePath.normalize(request.path, field: "path")
        try scope.requireInventory(path, for: op)
        try database.setQuietHours(zonePath: path, try Self.storedQuiet(request.quietHours))
        try database.audit(actor, action: "zone.quiet-hours", target: path, details: ["quiet_hours": request.quietHours ?? "inherit"], at: now())
        replanRequests.fire()
        return try database.zone(path: path)
    }

    /// Removes an empty zone.
    public func removeZone(_ rawPath: String, by op: Operator, actor: Actor) throws {
        let path = try ZonePath.normalize(rawPath, field: "path")
        try scope.requireInventory(path, for: op)
        try database.removeZone(path: path)
        try database.audit(actor, action: "zone.remove", target: path, at: now())
    }

    /// Adds a cluster and issues its credential, shown this once.
    public func addCluster(_ new: Cluster, by op: Operator, actor: Actor) throws -> AddedCluster {
        var cluster = new
        cluster.zonePath = try ZonePath.normalize(cluster.zonePath)
        try scope.requireInventory(cluster.zonePath, for: op)
        let credential = ClusterCredential(newFor: cluster.id)
        try database.addCluster(cluster, publicKey: credential.publicKey, at: now())
        try database.audit(
            actor, action: "cluster.add", target: cluster.id,
            details: ["zone": cluster.zonePath, "key": LinkAuthentication.fingerprint(publicKey: credential.publicKey)], at: now())
        replanRequests.fire()
        return AddedCluster(cluster: cluster, credential: Self.issued(credential))
    }

    /// A new credential for a cluster; the old one stops working and its link closes.
    public func rotateKey(_ id: String, by op: Operator, actor: Actor) throws -> IssuedCredential {
        let cluster = try scope.cluster(id, for: op)
        try scope.requireInventory(cluster.zonePath, for: op)
        let credential = ClusterCredential(newFor: id)
        try database.setClusterKey(id: id, publicKey: credential.publicKey, at: now())
        try database.audit(
            actor, action: "cluster.rotate-key", target: id,
            details: ["key": LinkAuthentication.fingerprint(publicKey: credential.publicKey)], at: now())
        registry.credentialRotated(id)
        return Self.issued(credential)
    }

    /// Revokes a cluster's credential and closes its link.
    public func revoke(_ id: String, by op: Operator, actor: Actor) throws {
        let cluster = try scope.cluster(id, for: op)
        try scope.requireInventory(cluster.zonePath, for: op)
        try database.revokeClusterKey(id: id, at: now())
        try database.audit(actor, action: "cluster.revoke", target: id, at: now())
        registry.credentialRevoked(id)
    }

    /// Moves a cluster between two zones of the operator's.
    public func move(_ id: String, to zone: String, by op: Operator, actor: Actor) throws -> Cluster? {
        let to = try ZonePath.normalize(zone)
        let cluster = try scope.cluster(id, for: op)
        try scope.requireInventory(cluster.zonePath, for: op)
        try scope.requireInventory(to, for: op)
        try database.moveCluster(id: id, to: to)
        try database.audit(actor, action: "cluster.move", target: id, details: ["from": cluster.zonePath, "to": to], at: now())
        replanRequests.fire()
        return try database.cluster(id: id)
    }

    /// Removes a cluster.
    public func remove(_ id: String, by op: Operator, actor: Actor) throws {
        let cluster = try scope.cluster(id, for: op)
        try scope.requireInventory(cluster.zonePath, for: op)
        try database.removeCluster(id: id)
        try database.audit(actor, action: "cluster.remove", target: id, details: ["zone": cluster.zonePath], at: now())
        replanRequests.fire()
    }

    /// Imports clusters from CSV, all or nothing: every row in the operator's zones; the
    /// store refuses an id given twice or already there, naming the lines.
    public func importClusters(csv data: Data, createZones: Bool, by op: Operator, actor: Actor) throws -> ImportedClusters {
        guard let text = String(data: data, encoding: .utf8) else {
            let line = ClusterCSV.firstLineNotUTF8(data).map { "line \($0): " } ?? ""
            throw Refusal.invalid("\(line)not UTF-8 text; expected a CSV file saved as UTF-8 (in a spreadsheet: \"CSV UTF-8\")")
        }
        let rows = try ClusterCSV.parse(text)
        let outside = rows.filter { !op.covers(zonePath: $0.cluster.zonePath) || !op.managesInventory }
        if let first = outside.first {
            throw Refusal.forbidden(
                "line \(first.line): \(op.name) may not add clusters to \(first.cluster.zonePath) (\(outside.count) row(s) outside your zones); nothing imported"
            )
        }
        let credentials = rows.map { ClusterCredential(newFor: $0.cluster.id) }
        let keys = Dictionary(credentials.map { ($0.clusterID, $0.publicKey) }) { first, _ in first }
        let count = try database.importClusters(rows, createZones: createZones, publicKeys: keys, at: now())
        try database.audit(actor, action: "cluster.import", target: "\(count) clusters", details: ["create_zones": "\(createZones)"], at: now())
        replanRequests.fire()
        return ImportedClusters(count: count, credentials: credentials.map(Self.issued))
    }

    static func issued(_ c: ClusterCredential) -> IssuedCredential {
        IssuedCredential(clusterId: c.clusterID, credential: c.description, fingerprint: LinkAuthentication.fingerprint(publicKey: c.publicKey))
    }

    /// A zone's quiet hours as stored: nil (absent) inherits from the parent zone;
    /// "none" is an empty span (start == end), which never blocks and is not inherited
    /// past, so a zone can switch off the station's default for itself.
    static func storedQuiet(_ text: String?) throws -> QuietHours? {
        guard let text else { return nil }
        if text == "none" { return QuietHours(start: TimeOfDay(hour: 0, minute: 0), end: TimeOfDay(hour: 0, minute: 0)) }
        guard let q = ConfigurationLoader.parseQuietHours(text) else {
            throw Refusal.invalid("quiet_hours: got \"\(text)\", expected HH:MM-HH:MM between two different times, or none for no quiet hours")
        }
        return q
    }
}
