import CommcastControlAPI
import CommcastCore
import Foundation
import Hummingbird
import NIOCore

/// Live broadcasts (`commcast live`, docs/live.md): start, feed audio, watch, stop;
/// adapters over on-air.
extension ControlAPIService {
    func addLiveRoutes(to v1: RouterGroup<ControlRequestContext>) {
        let onAir = station.onAir

        v1.post("live") { request, context in
            let op = try context.requireOperator()
            let body = try await RequestBody.json(LiveStartRequest.self, from: request)
            return try JSONResponse.ok(try onAir.start(body, by: op, actor: context.actor(op)), status: .created)
        }

        // The source's audio: 48 kHz mono s16le, as long as the broadcast runs. The
        // end of the body ends the broadcast ("end of source").
        v1.put("live/:id/audio") { request, context in
            let op = try context.requireOperator()
            let id = try context.parameters.require("id")
            guard onAir.isRunning(id) else { throw Refusal.notFound("no live broadcast \(id) is on air") }
            var carry: [UInt8] = []
            var running = true
            for try await chunk in request.body {
                carry += chunk.readableBytesView
                let whole = carry.count / 2 * 2
                guard whole > 0 else { continue }
                let samples = carry.withUnsafeBytes { raw in
                    (0..<whole / 2).map { Int16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
                }
                carry.removeFirst(whole)
                running = try onAir.feed(id, samples: samples)
                if !running { break }
            }
            if running { onAir.end(id, reason: "end of source", actor: context.actor(op)) }
            return try JSONResponse.ok(onAir.current)
        }

        v1.get("live") { _, _ in
            guard let current = onAir.current else { throw Refusal.notFound("no live broadcast since the daemon started") }
            return try JSONResponse.ok(current)
        }

        v1.delete("live/:id") { _, context in
            let op = try context.requireOperator()
            return try JSONResponse.ok(try onAir.stop(try context.parameters.require("id"), by: op, actor: context.actor(op)))
        }
    }
}
