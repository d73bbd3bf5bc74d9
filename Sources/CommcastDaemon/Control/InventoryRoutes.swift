import CommcastControlAPI
import CommcastCore
import Foundation
import Hummingbird
import NIOCore

/// Zones and clusters: adapters over the inventory desk.
extension ControlAPIService {
    func addInventoryRoutes(to v1: RouterGroup<ControlRequestContext>) {
        let (inventory, scope) = (station.inventory, station.scope)

        v1.get("zones") { _, context in
            try JSONResponse.ok(try scope.zones(for: try context.requireOperator()))
        }

        v1.post("zones") { request, context in
            let op = try context.requireOperator()
            let body = try await RequestBody.json(AddZoneRequest.self, from: request)
            return try JSONResponse.ok(try inventory.addZone(body, by: op, actor: context.actor(op)), status: .created)
        }

        v1.put("zones/quiet-hours") { request, context in
            let op = try context.requireOperator()
            let body = try await RequestBody.json(SetQuietHoursRequest.self, from: request)
            return try JSONResponse.ok(try inventory.setQuietHours(body, by: op, actor: context.actor(op)))
        }

        v1.delete("zones") { request, context in
            let op = try context.requireOperator()
            guard let path = request.uri.queryParameters.get("path") else { throw Refusal.invalid("path: required query parameter is missing") }
            try inventory.removeZone(path, by: op, actor: context.actor(op))
            return Response(status: .noContent)
        }

        v1.get("clusters") { request, context in
            let op = try context.requireOperator()
            return try JSONResponse.ok(try scope.clusters(under: request.uri.queryParameters.get("zone"), for: op))
        }

        v1.get("clusters/export") { request, context in
            let op = try context.requireOperator()
            let clusters = try scope.clusters(under: request.uri.queryParameters.get("zone"), for: op)
            return Response(
                status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: ClusterCSV.render(clusters))))
        }

        v1.get("clusters/:id") { _, context in
            let op = try context.requireOperator()
            return try JSONResponse.ok(try scope.cluster(try context.parameters.require("id"), for: op))
        }

        v1.post("clusters") { request, context in
            let op = try context.requireOperator()
            let cluster = try await RequestBody.json(Cluster.self, from: request)
            return try JSONResponse.ok(try inventory.addCluster(cluster, by: op, actor: context.actor(op)), status: .created)
        }

        v1.post("clusters/:id/rotate-key") { _, context in
            let op = try context.requireOperator()
            return try JSONResponse.ok(try inventory.rotateKey(try context.parameters.require("id"), by: op, actor: context.actor(op)))
        }

        v1.post("clusters/:id/revoke") { _, context in
            let op = try context.requireOperator()
            try inventory.revoke(try context.parameters.require("id"), by: op, actor: context.actor(op))
            return Response(status: .noContent)
        }

        v1.put("clusters/:id/zone") { request, context in
            let op = try context.requireOperator()
            let body = try await RequestBody.json(MoveClusterRequest.self, from: request)
            return try JSONResponse.ok(try inventory.move(try context.parameters.require("id"), to: body.zone, by: op, actor: context.actor(op)))
        }

        v1.delete("clusters/:id") { _, context in
            let op = try context.requireOperator()
            try inventory.remove(try context.parameters.require("id"), by: op, actor: context.actor(op))
            return Response(status: .noContent)
        }

        v1.post("clusters/import") { request, context in
            let op = try context.requireOperator()
            let data = try await RequestBody.bytes(request, limit: 32 << 20)
            let createZones = request.uri.queryParameters.get("create_zones") == "true"
            return try JSONResponse.ok(
                try inventory.importClusters(csv: data, createZones: createZones, by: op, actor: context.actor(op)),
                status: .created)
        }
    }
}
