import CommcastAudio
import CommcastControlAPI
import CommcastCore
import CommcastStore
import Foundation
import Hummingbird

/// Media upload and bulletins.
extension ControlAPIService {
    func addBulletinRoutes(to v1: RouterGroup<ControlRequestContext>) {
        let runtime = self.runtime
        let db = runtime.database
        let logger = self.logger

        v1.post("media") { request, context in
            let op = try context.requireOperator()
            let options = runtime.ingestOptions
            let data = try await RequestBody.bytes(request, limit: options.limits.maxInputBytes)
            let result = try await offload { try IngestPipeline(options: options).ingest(data: data) }
            let record = try Self.store(result, kind: .file, runtime: runtime)
            logger.info("media ingested", metadata: ["sha256": "\(record.sha256)", "seconds": "\(result.duration)", "by": "\(op.name)"])
            return try JSONResponse.ok(MediaResponse(sha256: record.sha256, durationSeconds: result.duration,
                                                     sourceFormat: result.sourceContainer.rawValue, measuredLufs: result.measuredLUFS,
                                                     gainDb: result.appliedGainDB, sizeBytes: record.sizeBytes), status: .created)
        }

        v1.post("bulletins") { request, context in
            let op = try context.requireOperator()
            let body = try await RequestBody.json(AddBulletinRequest.self, from: request, limit: 4 << 20)
            let now = Date()
            guard op.mayQueue(body.level) else {
                throw APIError.forbidden("\(op.name) may not queue \(body.level) bulletins (needs the emergency role)")
            }
            try Self.checkTargets(body.targets, for: op, db: db)
            let rule = try body.schedule.rule(calendar: runtime.calendar, now: now)
            let media: MediaRecord
            let kind: SourceKind
            switch (body.mediaSha256, body.text) {
            case (let sha?, nil):
                guard sha.count == 64, runtime.media.contains(sha.lowercased()) else {
                    throw APIError.badRequest("media_sha256: \(sha) is not in the media store; upload the recording first (POST /v1/media)")
                }
                guard let stored = try db.mediaRecord(sha256: sha.lowercased()) else { throw APIError.badRequest("media_sha256: \(sha) has no media record") }
                media = stored
                kind = .file
            case (nil, let text?):
                let normalized = runtime.textNormalizer.normalize(text)
                let hook = runtime.textToSpeech
                let options = runtime.ingestOptions
                let wav = try await offload { try hook.synthesize(normalized, logger: logger) }
                let result = try await offload { try IngestPipeline(options: options).ingest(data: wav) }
                media = try Self.store(result, kind: .text, runtime: runtime)
                kind = .text
            default:
                throw APIError.badRequest("give exactly one of media_sha256 (a recording) or text (for the synthetic voice)")
            }
            let bulletin = try db.createBulletin(
                NewBulletin(title: body.title, level: body.level, sourceKind: kind, media: media, text: body.text,
                            targets: body.targets, rules: [rule]),
                by: context.actor(op), at: now)
            runtime.planChanged.fire()
            return try JSONResponse.ok(bulletin, status: .created)
        }

        v1.get("bulletins") { request, context in
            let op = try context.requireOperator()
            let states = request.uri.queryParameters.get("state").map { $0.split(separator: ",").compactMap { BulletinState(rawValue: String($0)) } }
            let visible = try db.bulletins(states: states).filter { try Self.visible($0, to: op, db: db) }
            return try JSONResponse.ok(visible)
        }

        v1.get("bulletins/:id") { _, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("id", as: Int64.self)
            guard let b = try db.bulletin(id: id), try Self.visible(b, to: op, db: db) else { throw APIError.notFound("unknown bulletin #\(id)") }
            return try JSONResponse.ok(b)
        }

        for (verb, state) in [("cancel", BulletinState.cancelled), ("pause", .paused), ("resume", .active)] {
            v1.post("bulletins/:id/\(verb)") { _, context in
                let op = try context.requireOperator()
                let id = try context.parameters.require("id", as: Int64.self)
                guard let b = try db.bulletin(id: id) else { throw APIError.notFound("unknown bulletin #\(id)") }
                // Refused by name rather than hidden: an operator who typed the wrong number should learn why.
                try Self.checkTargets(b.targets, for: op, db: db)
                guard op.mayQueue(b.level) else { throw APIError.forbidden("\(op.name) may not change \(b.level) bulletins") }
                let updated = try db.setBulletinState(id: id, to: state, by: context.actor(op), at: Date())
                runtime.planChanged.fire()
                return try JSONResponse.ok(updated)
            }
        }
    }

    /// Saves encoded audio to the media store and its row to the database.
    static func store(_ result: IngestResult, kind: SourceKind, runtime: DaemonRuntime) throws -> MediaRecord {
        let sha = try runtime.media.put(result.oggOpus)
        let record = MediaRecord(sha256: sha, sizeBytes: result.oggOpus.count, durationMilliseconds: Int((result.duration * 1000).rounded()),
                                 sourceKind: kind.rawValue, sourceContainer: result.sourceContainer.rawValue,
                                 measuredLUFS: result.measuredLUFS, gainDB: result.appliedGainDB, createdAt: Int64(Date().timeIntervalSince1970 * 1000))
        try runtime.database.recordMedia(record)
        return record
    }

    /// Every target must exist and lie inside the operator's zones.
    static func checkTargets(_ targets: [BulletinTarget], for op: Operator, db: CommcastDatabase) throws {
        guard !targets.isEmpty else { throw APIError.badRequest("targets: none given, expected at least one --zone or --cluster") }
        for t in targets {
            if let z = t.zone {
                let path = try ZonePath.normalize(z)
                guard try db.zone(path: path) != nil else { throw APIError.notFound("unknown zone \(path)") }
                guard op.covers(zonePath: path) else { throw APIError.forbidden("\(op.name) may act only on \(op.zonePaths.joined(separator: ", ")); zone \(path) is outside") }
            } else if let c = t.cluster {
                guard let cluster = try db.cluster(id: c) else { throw APIError.notFound("unknown cluster \(c)") }
                guard op.covers(zonePath: cluster.zonePath) else { throw APIError.forbidden("\(op.name) may act only on \(op.zonePaths.joined(separator: ", ")); cluster \(c) is in \(cluster.zonePath)") }
            } else {
                throw APIError.badRequest("targets: each target needs a zone or a cluster")
            }
        }
    }

    /// An operator sees bulletins that reach into their zones, including province-wide ones above them.
    static func visible(_ b: Bulletin, to op: Operator, db: CommcastDatabase) throws -> Bool {
        if op.isAdministrator { return true }
        let paths = try db.targetZonePaths(bulletinID: b.id)
        return paths.contains { p in op.zonePaths.contains { ZonePath.isWithin(p, scope: $0) || ZonePath.isWithin($0, scope: p) } }
    }
}
