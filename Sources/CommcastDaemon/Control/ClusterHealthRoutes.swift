import CommcastControlAPI
import CommcastCore
import CommcastLink
import CommcastLinkServer
import CommcastStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// Cluster health (`commcast health`, `cluster list`, `cluster show`) and commands
/// to connected clusters (`commcast cluster stop|volume|resync|test-tone`).
extension ControlAPIService {
    func addClusterHealthRoutes(to v1: RouterGroup<ControlRequestContext>) {
        let (db, scope, registry, commands) = (database, station.scope, registry, station.commands)

        v1.get("clusters/status") { request, context in
            let op = try context.requireOperator()
            let q = request.uri.queryParameters
            let wanted = try RequestBody.names(request, "status", as: HealthState.self)
            let zone = try q.get("zone").map { try ZonePath.normalize($0, field: "zone") }
            let clusters = try scope.clusters(under: zone, for: op)
            let statuses = try Self.statuses(of: clusters, registry: registry, database: db).filter { wanted?.contains($0.state) ?? true }
            return try JSONResponse.ok(statuses.sorted { ($0.state, $0.cluster.id) < ($1.state, $1.cluster.id) })
        }

        // The map's points: only clusters with coordinates, as compact arrays.
        v1.get("clusters/map") { _, context in
            let op = try context.requireOperator()
            let placed = try scope.clusters(under: nil, for: op).filter { $0.latitude != nil && $0.longitude != nil }
            let points = try Self.statuses(of: placed, registry: registry, database: db).compactMap { s in
                s.cluster.latitude.flatMap { lat in
                    s.cluster.longitude.map { ClusterMapPoint(id: s.cluster.id, latitude: lat, longitude: $0, state: s.state) }
                }
            }
            return try JSONResponse.ok(points)
        }

        v1.get("clusters/:id/health") { request, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("id")
            let cluster = try scope.cluster(id, for: op)
            let hours =
                try request.uri.queryParameters.get("hours").map { raw -> Int in
                    guard let h = Int(raw), (1...24 * 31).contains(h) else { throw APIError.badRequest("hours: got \"\(raw)\", expected 1 to 744") }
                    return h
                } ?? 6
            let since = Date().addingTimeInterval(-Double(hours) * 3600)
            let samples = try db.healthSamples(clusterID: id, since: since).map {
                HealthHistorySample(
                    at: $0.at, state: $0.state, signalDbm: $0.signalDBm, volume: $0.volume, uptimeSeconds: $0.uptimeSeconds,
                    firmware: $0.firmware, playingAiringId: $0.playingAiringID, cachedCount: $0.cachedCount)
            }
            let detail = ClusterHealthDetail(
                status: try Self.statuses(of: [cluster], registry: registry, database: db)[0], hours: hours,
                transitions: try db.healthTransitions(clusterID: id, since: since), samples: samples)
            return try JSONResponse.ok(detail)
        }

        v1.get("health") { request, context in
            let op = try context.requireOperator()
            let zone = try request.uri.queryParameters.get("zone").map { try ZonePath.normalize($0, field: "zone") }
            return try JSONResponse.ok(try Self.healthSummary(zone: zone, for: op, scope: scope, registry: registry, database: db))
        }

        // The same summary as a stream of server-sent events: one `health` event now,
        // then one each time a health pass changes it; a comment every 15 s keeps
        // proxies from closing the connection. Ends with the console session.
        v1.get("health/events") { [sessions, settings] request, context in
            let op = try context.requireOperator()
            let zone = try request.uri.queryParameters.get("zone").map { try ZonePath.normalize($0, field: "zone") }
            let token = context.sessionToken
            let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"]
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    var sent: HealthSummary?
                    var version = -1
                    var quiet = 0
                    // Ends with the daemon, too: a console left open must not hold up a restart.
                    while !Task.isCancelled && !Task.isShuttingDownGracefully {
                        // Checked without touching it: an open stream is not the operator's activity.
                        if let token, sessions.find(token: token, touch: false, operatorNamed: settings.operator(named:)) == nil {
                            break
                        }
                        if registry.healthVersion != version {
                            version = registry.healthVersion
                            let summary = try Self.healthSummary(zone: zone, for: op, scope: scope, registry: registry, database: db)
                            if summary != sent {
                                let json = String(decoding: try JSONResponse.encoder.encode(summary), as: UTF8.self)
                                try await writer.write(ByteBuffer(string: "event: health\ndata: \(json)\n\n"))
                                sent = summary
                                quiet = 0
                            }
                        }
                        quiet += 1
                        if quiet >= 15 {
                            try await writer.write(ByteBuffer(string: ": still here\n\n"))
                            quiet = 0
                        }
                        try await Task.sleep(for: .seconds(1))
                    }
                    try await writer.finish(nil)
                })
        }

        v1.post("clusters/:id/command") { request, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("id")
            let body = try await RequestBody.json(ClusterCommandRequest.self, from: request)
            return try JSONResponse.ok(try await commands.send(body, to: id, by: op, actor: context.actor(op)))
        }
    }

    /// Each cluster's state: the health service's last pass, or, before its first pass
    /// (or with the link off), the stored state.
    /// Health per zone for an operator's clusters (under `zone`), worst zone first.
    static func healthSummary(
        zone: String?, for op: Operator, scope: OperatorScope, registry: LinkRegistry, database: CommcastDatabase
    ) throws -> HealthSummary {
        let clusters = try scope.clusters(under: zone, for: op)
        var zones: [String: ZoneHealth] = [:]
        var total = ZoneHealth(zone: zone ?? "")
        for status in try statuses(of: clusters, registry: registry, database: database) {
            zones[status.cluster.zonePath, default: ZoneHealth(zone: status.cluster.zonePath)].add(status.cluster.id, status.state)
            total.add(status.cluster.id, status.state)
        }
        // Worst first: the zones where loudspeakers are silent are what an operator looks for.
        let sorted = zones.values.map { z -> ZoneHealth in
            var z = z
            z.silent.sort()
            return z
        }.sorted { ($1.silent.count, $1.degraded, $0.zone) < ($0.silent.count, $0.degraded, $1.zone) }
        total.silent.sort()
        return HealthSummary(zones: sorted, total: total)
    }

    static func statuses(of clusters: [Cluster], registry: LinkRegistry, database: CommcastDatabase) throws -> [ClusterStatus] {
        let live = registry.health
        let stored = try database.latestHealthTransitions()
        return clusters.map { c in
            let since = stored[c.id]?.at
            if let report = live[c.id] {
                // The stored transition is the start of the current state unless the pass just changed it.
                let stateSince = stored[c.id]?.to == report.state ? since : nil
                return ClusterStatus(
                    cluster: c, state: report.state, reasons: report.reasons, stateSince: stateSince,
                    linkSince: report.since, lastHeartbeat: report.lastHeartbeat.map(HeartbeatView.init))
            }
            let state: HealthState = stored[c.id].map { $0.to == .neverSeen ? .neverSeen : .offline } ?? .neverSeen
            return ClusterStatus(
                cluster: c, state: state, reasons: state == .neverSeen ? ["never connected"] : ["link down"],
                stateSince: since, linkSince: nil, lastHeartbeat: nil)
        }
    }
}
