import CommcastControlAPI
import CommcastCore
import CommcastLink
import CommcastStore
import Foundation
import Hummingbird
import NIOCore

/// Live broadcasts (`commcast live`, docs/live.md): start, feed audio, watch, stop.
extension ControlAPIService {
    func addLiveRoutes(to v1: RouterGroup<ControlRequestContext>) {
        let runtime = self.runtime
        let db = runtime.database

        @Sendable func broadcaster() throws -> LiveBroadcaster {
            guard let live = runtime.liveBroadcaster, let _ = runtime.linkRegistry else {
                throw APIError(status: .serviceUnavailable, code: "unavailable", message: "the cluster link is not running")
            }
            return live
        }

        v1.post("live") { request, context in
            let op = try context.requireOperator()
            let body = try await RequestBody.json(LiveStartRequest.self, from: request)
            guard let level = LiveLevel(rawValue: body.level), level != .relay else {
                throw APIError.badRequest("level: got \"\(body.level)\", expected emergency or priority")
            }
            guard op.mayQueue(level == .emergency ? .emergency : .priority) else {
                throw APIError.forbidden("\(op.name) may not start an emergency broadcast: that needs the emergency role")
            }
            guard ["microphone", "file", "stdin"].contains(body.source) else {
                throw APIError.badRequest("source: got \"\(body.source)\", expected microphone, file or stdin")
            }
            let now = Date()
            if level == .priority, let quiet = runtime.configuration.schedule.quietHours,
               quiet.overlaps(from: now, to: now.addingTimeInterval(1), calendar: runtime.calendar) {
                throw APIError(status: .conflict, code: "quiet_hours",
                               message: "it is quiet hours (\(quiet)); only an emergency broadcast may air now")
            }
            let ids = try Self.liveTargets(zones: body.zones, clusters: body.clusters, operator: op, db: db)
            let live = try broadcaster()
            let started: LiveBroadcaster.Snapshot, replaced: LiveBroadcaster.Snapshot?
            do {
                (started, replaced) = try live.start(.init(level: level, clusterIDs: ids, targets: body.zones + body.clusters,
                                                           source: body.source, title: body.title, operatorName: op.name),
                                                     registry: runtime.linkRegistry!, now: now)
            } catch LiveBroadcaster.Refusal.busy(let running) {
                throw APIError(status: .conflict, code: "busy",
                               message: "a \(running.level) broadcast (\(running.liveId), by \(running.operatorName)) is on air; stop it first or start an emergency")
            }
            if let replaced { runtime.recordLiveEnd(replaced, actor: context.actor(op)) }
            try db.recordLiveEvent(context.actor(op), kind: "live_started", liveID: started.liveId, details: [
                "level": level.rawValue, "source": body.source, "title": body.title,
                "targets": (body.zones + body.clusters).joined(separator: ","), "clusters": "\(ids.count)",
            ], at: now)
            return try JSONResponse.ok(started, status: .created)
        }

        // The source's audio: 48 kHz mono s16le, as long as the broadcast runs. The
        // end of the body ends the broadcast ("end of source").
        v1.put("live/:id/audio") { request, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("id")
            let live = try broadcaster()
            guard live.isRunning(id) else { throw APIError.notFound("no live broadcast \(id) is on air") }
            var carry: [UInt8] = []
            var running = true
            for try await chunk in request.body {
                carry += chunk.readableBytesView
                let whole = carry.count / 2 * 2
                guard whole > 0 else { continue }
                let samples = carry.withUnsafeBytes { raw in
                    (0..<whole / 2).map { Int16(littleEndian: raw.load(fromByteOffset: $0 * 2, as: Int16.self)) }
                }
                carry.removeFirst(whole)
                running = try live.audio(id, samples: samples, now: Date())
                if !running { break }
            }
            if running, let ended = live.stop(id, reason: "end of source", now: Date()) {
                runtime.recordLiveEnd(ended, actor: context.actor(op))
            }
            return try JSONResponse.ok(live.current)
        }

        v1.get("live") { _, _ in
            let live = try broadcaster()
            guard let current = live.current else { throw APIError.notFound("no live broadcast since the daemon started") }
            return try JSONResponse.ok(current)
        }

        v1.delete("live/:id") { _, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("id")
            let live = try broadcaster()
            guard let current = live.current, current.liveId == id, current.endedAt == nil else {
                throw APIError.notFound("no live broadcast \(id) is on air")
            }
            guard op.mayQueue(current.level == "emergency" ? .emergency : .priority) else {
                throw APIError.forbidden("\(op.name) may not stop an emergency broadcast: that needs the emergency role")
            }
            guard let ended = live.stop(id, reason: "stopped by \(op.name)", now: Date()) else {
                throw APIError.notFound("no live broadcast \(id) is on air")
            }
            runtime.recordLiveEnd(ended, actor: context.actor(op))
            return try JSONResponse.ok(ended)
        }
    }

    /// The clusters a broadcast reaches: the named zones (with everything below)
    /// and clusters, or every cluster the operator covers; each must be the operator's.
    static func liveTargets(zones: [String], clusters: [String], operator op: Operator, db: CommcastDatabase) throws -> Set<String> {
        var ids = Set<String>()
        for zone in zones {
            guard try db.zone(path: zone) != nil else { throw APIError.badRequest("zones: no zone \"\(zone)\"") }
            guard op.covers(zonePath: zone) else { throw APIError.forbidden("\(op.name) does not cover zone \(zone)") }
            ids.formUnion(try db.clusters(under: zone).map(\.id))
        }
        for id in clusters {
            guard let cluster = try db.cluster(id: id) else { throw APIError.badRequest("clusters: no cluster \"\(id)\"") }
            guard op.covers(zonePath: cluster.zonePath) else { throw APIError.forbidden("\(op.name) does not cover cluster \(id)") }
            ids.insert(id)
        }
        if zones.isEmpty && clusters.isEmpty {
            ids = Set(try db.clusters().filter { op.covers(zonePath: $0.zonePath) }.map(\.id))
        }
        guard !ids.isEmpty else { throw APIError.badRequest("targets: no cluster to broadcast to") }
        return ids
    }
}
