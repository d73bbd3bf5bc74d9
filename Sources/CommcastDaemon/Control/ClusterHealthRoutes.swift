import CommcastControlAPI
import CommcastCore
import CommcastLink
import CommcastLinkServer
import CommcastStore
import Foundation
import Hummingbird

/// Cluster health (`commcast health`, `cluster list`, `cluster show`) and commands
/// to connected clusters (`commcast cluster stop|volume|resync|test-tone`).
extension ControlAPIService {
    /// How long a command waits for the cluster's `command_result`.
    static let commandTimeout: Duration = .seconds(10)

    func addClusterHealthRoutes(to v1: RouterGroup<ControlRequestContext>) {
        let (db, scope, registry, planStored) = (database, station.scope, registry, planStored)

        v1.get("clusters/status") { request, context in
            let op = try context.requireOperator()
            let q = request.uri.queryParameters
            let wanted = try q.get("status").map { raw in
                try raw.split(separator: ",").map { word -> HealthState in
                    guard let s = HealthState(rawValue: String(word)) else {
                        throw APIError.badRequest("status: got \"\(word)\", expected online, degraded, offline or never_seen")
                    }
                    return s
                }
            }
            let zone = try q.get("zone").map { try ZonePath.normalize($0, field: "zone") }
            let clusters = try scope.clusters(under: zone, for: op)
            let statuses = try Self.statuses(of: clusters, registry: registry, database: db).filter { wanted?.contains($0.state) ?? true }
            return try JSONResponse.ok(statuses.sorted { ($0.state, $0.cluster.id) < ($1.state, $1.cluster.id) })
        }

        v1.get("clusters/:id/health") { request, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("id")
            let cluster = try scope.cluster(id, for: op)
            let hours = try request.uri.queryParameters.get("hours").map { raw -> Int in
                guard let h = Int(raw), (1...24 * 31).contains(h) else { throw APIError.badRequest("hours: got \"\(raw)\", expected 1 to 744") }
                return h
            } ?? 6
            let since = Date().addingTimeInterval(-Double(hours) * 3600)
            let samples = try db.healthSamples(clusterID: id, since: since).map {
                HealthHistorySample(at: $0.at, state: $0.state, signalDbm: $0.signalDBm, volume: $0.volume, uptimeSeconds: $0.uptimeSeconds,
                                    firmware: $0.firmware, playingAiringId: $0.playingAiringID, cachedCount: $0.cachedCount)
            }
            let detail = ClusterHealthDetail(status: try Self.statuses(of: [cluster], registry: registry, database: db)[0], hours: hours,
                                             transitions: try db.healthTransitions(clusterID: id, since: since), samples: samples)
            return try JSONResponse.ok(detail)
        }

        v1.get("health") { request, context in
            let op = try context.requireOperator()
            let zone = try request.uri.queryParameters.get("zone").map { try ZonePath.normalize($0, field: "zone") }
            let clusters = try scope.clusters(under: zone, for: op)
            var zones: [String: ZoneHealth] = [:]
            var total = ZoneHealth(zone: zone ?? "")
            for status in try Self.statuses(of: clusters, registry: registry, database: db) {
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
            return try JSONResponse.ok(HealthSummary(zones: sorted, total: total))
        }

        v1.post("clusters/:id/command") { request, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("id")
            _ = try scope.cluster(id, for: op)
            let body = try await RequestBody.json(ClusterCommandRequest.self, from: request)
            let message = try Self.commandMessage(body)
            if message.command == .resync { registry.forgetSchedule(id) }
            let outcome = await registry.command(id, message, timeout: Self.commandTimeout)
            var details = ["command": body.command, "outcome": Self.describe(outcome)]
            if let v = message.volume { details["volume"] = "\(v)" }
            if let s = message.seconds { details["seconds"] = "\(s)" }
            try db.audit(context.actor(op), action: "cluster.command", target: id, details: details, at: Date())
            switch outcome {
            case .answered(let r):
                if message.command == .resync { planStored.fire() }
                return try JSONResponse.ok(ClusterCommandResult(clusterId: id, command: body.command, ok: r.ok, error: r.error))
            case .notConnected:
                throw APIError(status: .conflict, code: "not_connected", message: "cluster \(id) is not connected; commands reach only online clusters")
            case .noAnswer:
                throw APIError(status: .gatewayTimeout, code: "no_answer",
                               message: "cluster \(id) did not answer within \(Self.commandTimeout.components.seconds) s")
            }
        }
    }

    /// The protocol message for a request, refusing what a cluster would refuse.
    static func commandMessage(_ body: ClusterCommandRequest) throws -> CommandMessage {
        guard let command = CommandMessage.Command(rawValue: body.command) else {
            throw APIError.badRequest("command: got \"\(body.command)\", expected stop, set_volume, resync or test_tone")
        }
        let id = UUID().uuidString.lowercased()
        switch command {
        case .setVolume:
            guard let v = body.volume, (0...100).contains(v) else {
                throw APIError.badRequest("volume: got \(body.volume.map(String.init) ?? "nothing"), expected 0 to 100")
            }
            return CommandMessage(commandID: id, command: command, volume: v)
        case .testTone:
            let seconds = body.seconds ?? 5
            guard (1...30).contains(seconds) else { throw APIError.badRequest("seconds: got \(seconds), expected 1 to 30") }
            return CommandMessage(commandID: id, command: command, seconds: seconds)
        case .stop, .resync:
            return CommandMessage(commandID: id, command: command)
        }
    }

    static func describe(_ outcome: LinkRegistry.CommandOutcome) -> String {
        switch outcome {
        case .answered(let r): r.ok ? "done" : "refused: \(r.error ?? "no reason given")"
        case .notConnected: "not connected"
        case .noAnswer: "no answer"
        }
    }

    /// Each cluster's state: the health service's last pass, or, before its first pass
    /// (or with the link off), the stored state.
    static func statuses(of clusters: [Cluster], registry: LinkRegistry, database: CommcastDatabase) throws -> [ClusterStatus] {
        let live = registry.health
        let stored = try database.latestHealthTransitions()
        return clusters.map { c in
            let since = stored[c.id]?.at
            if let report = live[c.id] {
                // The stored transition is the start of the current state unless the pass just changed it.
                let stateSince = stored[c.id]?.to == report.state ? since : nil
                return ClusterStatus(cluster: c, state: report.state, reasons: report.reasons, stateSince: stateSince,
                                     linkSince: report.since, lastHeartbeat: report.lastHeartbeat)
            }
            let state: HealthState = stored[c.id].map { $0.to == .neverSeen ? .neverSeen : .offline } ?? .neverSeen
            return ClusterStatus(cluster: c, state: state, reasons: state == .neverSeen ? ["never connected"] : ["link down"],
                                 stateSince: since, linkSince: nil, lastHeartbeat: nil)
        }
    }
}
