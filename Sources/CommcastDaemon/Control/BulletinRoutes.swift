import CommcastControlAPI
import CommcastCore
import Foundation
import Hummingbird

/// Media upload and bulletins: adapters over the bulletin desk.
extension ControlAPIService {
    func addBulletinRoutes(to v1: RouterGroup<ControlRequestContext>) {
        let (desk, settings) = (station.bulletins, settings)

        v1.post("media") { request, context in
            let op = try context.requireOperator()
            let upload = try await RequestBody.file(
                request, limit: settings.ingestOptions.limits.maxInputBytes, in: settings.uploadDirectory)
            defer { try? FileManager.default.removeItem(at: upload) }
            let (record, result) = try await desk.ingestRecording(file: upload, by: context.actor(op))
            return try JSONResponse.ok(
                MediaResponse(
                    sha256: record.sha256, durationSeconds: result.duration,
                    sourceFormat: result.sourceContainer.rawValue, measuredLufs: result.measuredLUFS,
                    gainDb: result.appliedGainDB, sizeBytes: record.sizeBytes, level: result.gainExplanation), status: .created)
        }

        v1.post("speech/preview") { request, context in
            _ = try context.requireOperator()
            let body = try await RequestBody.json(SpeechPreviewRequest.self, from: request, limit: 4 << 20)
            let (typed, spoken, audio) = try await desk.preview(body.text, audio: body.audio ?? false)
            return try JSONResponse.ok(
                SpeechPreview(
                    typedCharacters: typed.count, spoken: spoken, audioBase64: audio?.oggOpus.base64EncodedString(),
                    durationSeconds: audio?.duration, level: audio?.gainExplanation))
        }

        v1.post("bulletins") { request, context in
            let op = try context.requireOperator()
            let body = try await RequestBody.json(AddBulletinRequest.self, from: request, limit: 4 << 20)
            let (bulletin, plan) = try await desk.create(body, by: op, actor: context.actor(op))
            return try JSONResponse.ok(CreatedBulletin(bulletin: bulletin, plan: plan), status: .created)
        }

        v1.post("bulletins/plan") { request, context in
            let op = try context.requireOperator()
            let body = try await RequestBody.json(AddBulletinRequest.self, from: request, limit: 4 << 20)
            let (plan, pending) = try await desk.plan(body, by: op)
            return try JSONResponse.ok(PlannedBulletin(plan: plan, pending: pending))
        }

        v1.get("bulletins") { request, context in
            let op = try context.requireOperator()
            let states = try RequestBody.names(request, "state", as: BulletinState.self)
            return try JSONResponse.ok(try desk.bulletins(states: states, visibleTo: op))
        }

        v1.get("bulletins/:id") { _, context in
            let op = try context.requireOperator()
            return try JSONResponse.ok(try desk.bulletin(try context.parameters.require("id", as: Int64.self), visibleTo: op))
        }

        for (verb, state) in [("cancel", BulletinState.cancelled), ("pause", .paused), ("resume", .active)] {
            v1.post("bulletins/:id/\(verb)") { _, context in
                let op = try context.requireOperator()
                let id = try context.parameters.require("id", as: Int64.self)
                return try JSONResponse.ok(try desk.setState(id, to: state, by: op, actor: context.actor(op)))
            }
        }

        v1.post("bulletins/:id/approve") { _, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("id", as: Int64.self)
            return try JSONResponse.ok(try desk.review(id, approve: true, reason: nil, by: op, actor: context.actor(op)))
        }

        v1.post("bulletins/:id/reject") { request, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("id", as: Int64.self)
            let body = try await RequestBody.json(RejectRequest.self, from: request, limit: 16 << 10)
            return try JSONResponse.ok(try desk.review(id, approve: false, reason: body.reason, by: op, actor: context.actor(op)))
        }
    }
}
