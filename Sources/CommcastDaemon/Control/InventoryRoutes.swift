import CommcastControlAPI
import CommcastCore
import CommcastLink
import CommcastStore
import Foundation
import Hummingbird
import NIOCore

/// Zones and clusters.
extension ControlAPIService {
    func addInventoryRoutes(to v1: RouterGroup<ControlRequestContext>) {
        let runtime = self.runtime
        let db = runtime.database

        v1.get("zones") { _, context in
            let op = try context.requireOperator()
            let zones = try db.zones().filter { op.isAdministrator || op.covers(zonePath: $0.path) }
            return try JSONResponse.ok(zones)
        }

        v1.post("zones") { request, context in
            let op = try context.requireOperator()
            let body = try await RequestBody.json(AddZoneRequest.self, from: request)
            let path = try ZonePath.normalize(body.path, field: "path")
            try Self.requireInventory(op, path)
            if body.parents {
                var ancestor = ZonePath.parent(of: path)
                while let a = ancestor, try db.zone(path: a) == nil {
                    try Self.requireInventory(op, a)
                    ancestor = ZonePath.parent(of: a)
                }
            }
            let zone = try db.addZone(path: path, createParents: body.parents, quietHours: try Self.storedQuiet(body.quietHours), at: Date())
            try db.audit(context.actor(op), action: "zone.add", target: path, details: ["quiet_hours": body.quietHours ?? "inherit"], at: Date())
            runtime.planChanged.fire()
            return try JSONResponse.ok(zone, status: .created)
        }

        v1.put("zones/quiet-hours") { request, context in
            let op = try context.requireOperator()
            let body = try await RequestBody.json(SetQuietHoursRequest.self, from: request)
            let path = try ZonePath.normalize(body.path, field: "path")
            try Self.requireInventory(op, path)
            try db.setQuietHours(zonePath: path, try Self.storedQuiet(body.quietHours))
            try db.audit(context.actor(op), action: "zone.quiet-hours", target: path, details: ["quiet_hours": body.quietHours ?? "inherit"], at: Date())
            runtime.planChanged.fire()
            return try JSONResponse.ok(try db.zone(path: path))
        }

        v1.delete("zones") { request, context in
            let op = try context.requireOperator()
            guard let raw = request.uri.queryParameters.get("path") else { throw APIError.badRequest("path: required query parameter is missing") }
            let path = try ZonePath.normalize(raw, field: "path")
            try Self.requireInventory(op, path)
            try db.removeZone(path: path)
            try db.audit(context.actor(op), action: "zone.remove", target: path, at: Date())
            return Response(status: .noContent)
        }

        v1.get("clusters") { request, context in
            let op = try context.requireOperator()
            let zone = request.uri.queryParameters.get("zone")
            let clusters = try db.clusters(under: zone).filter { op.covers(zonePath: $0.zonePath) }
            return try JSONResponse.ok(clusters)
        }

        v1.get("clusters/export") { request, context in
            let op = try context.requireOperator()
            let clusters = try db.clusters(under: request.uri.queryParameters.get("zone")).filter { op.covers(zonePath: $0.zonePath) }
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: ClusterCSV.render(clusters))))
        }

        v1.get("clusters/:id") { _, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("id")
            guard let cluster = try db.cluster(id: id), op.covers(zonePath: cluster.zonePath) else {
                throw APIError.notFound("unknown cluster \(id)")
            }
            return try JSONResponse.ok(cluster)
        }

        v1.post("clusters") { request, context in
            let op = try context.requireOperator()
            var cluster = try await RequestBody.json(Cluster.self, from: request)
            cluster.zonePath = try ZonePath.normalize(cluster.zonePath)
            try Self.requireInventory(op, cluster.zonePath)
            let credential = ClusterCredential(newFor: cluster.id)
            try db.addCluster(cluster, publicKey: credential.publicKey, at: Date())
            try db.audit(context.actor(op), action: "cluster.add", target: cluster.id,
                         details: ["zone": cluster.zonePath, "key": LinkAuthentication.fingerprint(publicKey: credential.publicKey)], at: Date())
            runtime.planChanged.fire()
            return try JSONResponse.ok(AddedCluster(cluster: cluster, credential: Self.issued(credential)), status: .created)
        }

        v1.post("clusters/:id/rotate-key") { _, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("id")
            guard let cluster = try db.cluster(id: id), op.covers(zonePath: cluster.zonePath) else { throw APIError.notFound("unknown cluster \(id)") }
            try Self.requireInventory(op, cluster.zonePath)
            let credential = ClusterCredential(newFor: id)
            try db.setClusterKey(id: id, publicKey: credential.publicKey, at: Date())
            try db.audit(context.actor(op), action: "cluster.rotate-key", target: id,
                         details: ["key": LinkAuthentication.fingerprint(publicKey: credential.publicKey)], at: Date())
            runtime.clusterKeyChanged(id)
            return try JSONResponse.ok(Self.issued(credential))
        }

        v1.post("clusters/:id/revoke") { _, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("id")
            guard let cluster = try db.cluster(id: id), op.covers(zonePath: cluster.zonePath) else { throw APIError.notFound("unknown cluster \(id)") }
            try Self.requireInventory(op, cluster.zonePath)
            try db.revokeClusterKey(id: id, at: Date())
            try db.audit(context.actor(op), action: "cluster.revoke", target: id, at: Date())
            runtime.clusterKeyChanged(id)
            return Response(status: .noContent)
        }

        v1.put("clusters/:id/zone") { request, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("id")
            let body = try await RequestBody.json(MoveClusterRequest.self, from: request)
            let to = try ZonePath.normalize(body.zone)
            guard let cluster = try db.cluster(id: id), op.covers(zonePath: cluster.zonePath) else { throw APIError.notFound("unknown cluster \(id)") }
            try Self.requireInventory(op, cluster.zonePath)
            try Self.requireInventory(op, to)
            try db.moveCluster(id: id, to: to)
            try db.audit(context.actor(op), action: "cluster.move", target: id, details: ["from": cluster.zonePath, "to": to], at: Date())
            runtime.planChanged.fire()
            return try JSONResponse.ok(try db.cluster(id: id))
        }

        v1.delete("clusters/:id") { _, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("id")
            guard let cluster = try db.cluster(id: id), op.covers(zonePath: cluster.zonePath) else { throw APIError.notFound("unknown cluster \(id)") }
            try Self.requireInventory(op, cluster.zonePath)
            try db.removeCluster(id: id)
            try db.audit(context.actor(op), action: "cluster.remove", target: id, details: ["zone": cluster.zonePath], at: Date())
            runtime.planChanged.fire()
            return Response(status: .noContent)
        }

        v1.post("clusters/import") { request, context in
            let op = try context.requireOperator()
            let data = try await RequestBody.bytes(request, limit: 32 << 20)
            guard let text = String(data: data, encoding: .utf8) else { throw APIError.badRequest("CSV is not UTF-8 text") }
            let rows = try ClusterCSV.parse(text)
            let outside = rows.filter { !op.covers(zonePath: $0.cluster.zonePath) || !op.managesInventory }
            if let first = outside.first {
                throw APIError.forbidden("line \(first.line): \(op.name) may not add clusters to \(first.cluster.zonePath) (\(outside.count) row(s) outside your zones); nothing imported")
            }
            let createZones = request.uri.queryParameters.get("create_zones") == "true"
            let credentials = rows.map { ClusterCredential(newFor: $0.cluster.id) }
            let keys = Dictionary(uniqueKeysWithValues: credentials.map { ($0.clusterID, $0.publicKey) })
            let count = try db.importClusters(rows, createZones: createZones, publicKeys: keys, at: Date())
            try db.audit(context.actor(op), action: "cluster.import", target: "\(count) clusters", details: ["create_zones": "\(createZones)"], at: Date())
            runtime.planChanged.fire()
            return try JSONResponse.ok(ImportedClusters(count: count, credentials: credentials.map(Self.issued)), status: .created)
        }
    }

    static func issued(_ c: ClusterCredential) -> IssuedCredential {
        IssuedCredential(clusterId: c.clusterID, credential: c.description, fingerprint: LinkAuthentication.fingerprint(publicKey: c.publicKey))
    }

    static func requireInventory(_ op: Operator, _ path: String) throws {
        guard op.managesInventory else {
            throw APIError.forbidden("\(op.name) needs the supervisor role to change zones and clusters")
        }
        guard op.covers(zonePath: path) else {
            throw APIError.forbidden("\(op.name) may act only on \(op.zonePaths.joined(separator: ", ")); \(path) is outside")
        }
    }

    /// nil: not given (inherit); .some(nil): "none"; .some(q): a span.
    /// A zone's quiet hours as stored: nil (absent) inherits from the parent zone;
    /// "none" is an empty span (start == end), which never blocks and is not inherited
    /// past, so a zone can switch off the station's default for itself.
    static func storedQuiet(_ text: String?) throws -> QuietHours? {
        guard let text else { return nil }
        if text == "none" { return QuietHours(start: TimeOfDay(hour: 0, minute: 0), end: TimeOfDay(hour: 0, minute: 0)) }
        guard let q = ConfigurationLoader.parseQuietHours(text) else {
            throw APIError.badRequest("quiet_hours: got \"\(text)\", expected HH:MM-HH:MM or none")
        }
        return q
    }
}
